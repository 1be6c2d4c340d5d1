"""Survey results: counts per option, scale means, free-text answers, before/after, the CSV.

Read-only over the surveys tables (``bot/db/survey_results.py``). Who may read: the facilitators
of the survey's hub and the network admins (a survey of every hub: the admins only). Names go
with answers only for a named survey and only when the caller asks for them (a private chat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.db.survey_results import (
    Response,
    ResultQuestion,
    ResultSurvey,
    SurveyResultsRepository,
    Turnout,
)
from bot.services.access import AccessService

SCALE_VALUES = (1, 2, 3, 4, 5)
ONE_DECIMAL = Decimal("0.1")
# An anonymous survey still open shows results (and its CSV) from this many responses: with fewer,
# a facilitator watching them change after one member's Submit could read that member's answers.
MIN_ANONYMOUS_RESPONSES = 3


@dataclass(frozen=True, slots=True)
class TextAnswer:
    text: str
    name: str | None  # None: anonymous, or names not to be shown here


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: ResultQuestion
    answered: int  # responses that answered this question
    counts: tuple[int, ...]  # per option (choices) or per value 1..5 (scales); () for text
    mean: Decimal | None  # scales: rounded to one decimal, None when nobody answered
    texts: tuple[TextAnswer, ...]  # free text, sorted by text (anonymous) or by name


@dataclass(frozen=True, slots=True)
class SurveyResults:
    survey: ResultSurvey
    turnout: Turnout
    questions: tuple[QuestionResult, ...]
    before: SurveyResults | None = None  # the "before" survey's results when this is an "after"


def _choices(value: Any) -> list[int]:
    """Option indexes of a choice answer: a list (as stored), or one index."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _scale(value: Any) -> int | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and value in SCALE_VALUES:
        return value
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def answer_cells(question: ResultQuestion, value: Any) -> str:
    """An answer as one CSV cell: option texts, a scale value, or the text ('' if none)."""
    if value is None:
        return ""
    if question.kind in ("single", "multiple"):
        chosen = sorted({i for i in _choices(value) if 0 <= i < len(question.options)})
        return "; ".join(question.options[i] for i in chosen)
    if question.kind == "scale":
        number = _scale(value)
        return "" if number is None else str(number)
    return _text(value) or ""


def mean_of(counts: Sequence[int]) -> Decimal | None:
    total = sum(counts)
    if not total:
        return None
    exact = Decimal(sum(v * c for v, c in zip(SCALE_VALUES, counts, strict=True))) / total
    return exact.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def tally(
    question: ResultQuestion, responses: Sequence[Response], *, names: bool
) -> QuestionResult:
    """One question's results over these responses."""
    values = [r.answers[question.id] for r in responses if question.id in r.answers]
    if question.kind == "text":
        texts = []
        for response in responses:
            text = _text(response.answers.get(question.id))
            if text is not None:
                texts.append(TextAnswer(text, response.name if names else None))
        # Anonymous answers in the order of their words, never of who or when.
        texts.sort(key=lambda t: ((t.name or "").casefold(), t.text.casefold(), t.text))
        return QuestionResult(question, len(texts), (), None, tuple(texts))
    if question.kind == "scale":
        counts = [0] * len(SCALE_VALUES)
        answered = 0
        for value in values:
            number = _scale(value)
            if number is not None:
                counts[number - SCALE_VALUES[0]] += 1
                answered += 1
        return QuestionResult(question, answered, tuple(counts), mean_of(counts), ())
    counts = [0] * len(question.options)
    answered = 0
    for value in values:
        chosen = {i for i in _choices(value) if 0 <= i < len(question.options)}
        if question.kind == "single":
            chosen = set(sorted(chosen)[:1])
        for index in chosen:
            counts[index] += 1
        answered += bool(chosen)
    return QuestionResult(question, answered, tuple(counts), None, ())


def comparable(after: ResultSurvey, before: ResultSurvey) -> bool:
    """Whether two surveys ask the same questions in the same order (kinds, texts, options)."""
    shape = [(q.kind, q.text, q.options) for q in after.questions]
    return shape == [(q.kind, q.text, q.options) for q in before.questions]


class SurveyResultsService:
    def __init__(self, repo: SurveyResultsRepository, access: AccessService) -> None:
        self._repo = repo
        self._access = access

    async def survey(self, survey_id: int) -> ResultSurvey | None:
        return await self._repo.survey(survey_id)

    async def may_read(self, survey: ResultSurvey, user_id: int) -> bool:
        """The hub's facilitators and the network admins; a survey of every hub: admins only."""
        if survey.hub_id is None:
            return self._access.is_admin(user_id)
        return await self._access.can_facilitate(survey.hub_id, user_id)

    async def held_back(self, survey: ResultSurvey) -> int | None:
        """How many responses an open anonymous survey has while too few to show (None: show)."""
        if not survey.anonymous or survey.status in ("closed", "cancelled"):
            return None
        turnout = await self._repo.turnout(survey.id)
        sent = turnout.complete + turnout.incomplete
        return sent if sent < MIN_ANONYMOUS_RESPONSES else None

    async def results(self, survey_id: int, *, names: bool = False) -> SurveyResults | None:
        """The survey's results, with its "before" survey's when it has one."""
        survey = await self._repo.survey(survey_id)
        if survey is None:
            return None
        before = None
        if survey.before_id is not None:
            earlier = await self._repo.survey(survey.before_id)
            # Only a "before" of the same hub: its reader may read that one too.
            if (
                earlier is not None
                and earlier.hub_id == survey.hub_id
                and comparable(survey, earlier)
            ):
                before = await self._results_of(earlier, names=names)
        results = await self._results_of(survey, names=names)
        return SurveyResults(results.survey, results.turnout, results.questions, before)

    async def _results_of(self, survey: ResultSurvey, *, names: bool) -> SurveyResults:
        responses = await self._repo.responses(survey.id, named=not survey.anonymous)
        show_names = names and not survey.anonymous
        return SurveyResults(
            survey,
            await self._repo.turnout(survey.id),
            tuple(tally(q, responses, names=show_names) for q in survey.questions),
        )

    async def responses(self, survey: ResultSurvey) -> list[Response]:
        """Every response (names for a named survey only), for the CSV."""
        return await self._repo.responses(survey.id, named=not survey.anonymous)
