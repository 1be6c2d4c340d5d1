"""A survey's responses as CSV: one row per response, one column per question.

UTF-8 with a byte-order mark (spreadsheets then read non-Latin text right), the header row in the
reader's language, and every cell that a spreadsheet would run as a formula (= + - @, a tab or a
carriage return first) escaped with a leading apostrophe.

An anonymous survey's CSV holds no id, and its rows are in the order of their answers (then
numbered 1, 2, 3...): neither a column nor the row order tells who answered or when, so nothing
joins a row to ``survey_participants``. A named survey's rows carry the member's name, by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.survey_results import Response, ResultSurvey
from bot.i18n import _
from bot.services.spreadsheet import BOM, MEDIA_TYPE, csv_bytes
from bot.services.survey_results import answer_cells

__all__ = ["BOM", "MEDIA_TYPE", "CsvFile", "build_csv", "header"]


@dataclass(frozen=True, slots=True)
class CsvFile:
    name: str
    data: bytes
    rows: int  # responses, without the header


def header(survey: ResultSurvey) -> list[str]:
    # An anonymous survey keeps only sent answers: no "Complete" column to trace anyone by.
    columns = [_("Respondent")] if survey.anonymous else [_("Name"), _("Complete")]
    columns += [f"{q.position}. {q.text}" for q in survey.questions]
    return columns


def _row_cells(survey: ResultSurvey, response: Response) -> list[str]:
    return [answer_cells(q, response.answers.get(q.id)) for q in survey.questions]


def build_csv(survey: ResultSurvey, responses: Sequence[Response]) -> CsvFile:
    """The CSV for ``survey`` (header translated into the current locale)."""
    yes, no = _("yes"), _("no")
    rows = [(response, _row_cells(survey, response)) for response in responses]
    if survey.anonymous:
        # By content only: the order carries nothing about who or when.
        rows.sort(key=lambda item: (item[1], not item[0].complete))
    else:
        rows.sort(key=lambda item: ((item[0].name or "").casefold(), item[1]))
    lines = [
        [str(number), *cells]
        if survey.anonymous
        else [response.name or "", yes if response.complete else no, *cells]
        for number, (response, cells) in enumerate(rows, start=1)
    ]
    return CsvFile(
        name=f"survey-s{survey.id}.csv", data=csv_bytes(header(survey), lines), rows=len(rows)
    )
