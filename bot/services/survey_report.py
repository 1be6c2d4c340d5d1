"""Survey results as text (HTML), in the reader's language and direction.

Choices and scales use the quick polls' bar chart (``poll_render.bar``/``percent``), each option
line one catalog string so that a right-to-left reader sees it in their direction. An "after"
survey shows its "before" beside it per question: counts, percentages, the scale means and the
change ("3.2 → 3.9 (+0.7)"). Long results are split into messages by the handler's ``reply``:
every tag here opens and closes on one line.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from bot.i18n import _, current_locale, format_datetime, ngettext, paragraphs
from bot.services.poll_render import bar, percent
from bot.services.survey_results import SCALE_VALUES, QuestionResult, SurveyResults

CLOSED = "closed"
NO_VALUE = "—"


def survey_ref(survey_id: int) -> str:
    """How every survey message names a survey: ``s3`` (what ``/results s3`` takes)."""
    return f"s{survey_id}"


def number(value: Decimal | None) -> str:
    return NO_VALUE if value is None else format_decimal(value, "#,##0.0", locale=current_locale())


def change(before: Decimal | None, after: Decimal | None) -> str:
    if before is None or after is None:
        return NO_VALUE
    return format_decimal(after - before, "+#,##0.0;-#,##0.0", locale=current_locale())


def _labels(result: QuestionResult) -> list[str]:
    if result.question.kind == "scale":
        return [str(value) for value in SCALE_VALUES]
    return list(result.question.options)


def _bars(result: QuestionResult) -> list[str]:
    return [
        _(
            "{option}\n{bar} {votes} · {percent}",
            option=label,
            bar=bar(count, result.answered),
            votes=count,
            percent=percent(count, result.answered),
        )
        for label, count in zip(_labels(result), result.counts, strict=True)
    ]


def _bars_compared(before: QuestionResult, after: QuestionResult) -> list[str]:
    return [
        _(
            "{option}\nBefore: {bar} {votes} · {percent}\n"
            "After: {after_bar} {after_votes} · {after_percent}",
            option=label,
            bar=bar(old, before.answered),
            votes=old,
            percent=percent(old, before.answered),
            after_bar=bar(new, after.answered),
            after_votes=new,
            after_percent=percent(new, after.answered),
        )
        for label, old, new in zip(_labels(after), before.counts, after.counts, strict=True)
    ]


def _texts(result: QuestionResult) -> list[str]:
    if not result.texts:
        return [_("No answers yet.")]
    lines = []
    for answer in result.texts:
        if answer.name is None:
            lines.append(_("• {text}", text=answer.text))
        else:
            lines.append(_("• {name}: {text}", name=answer.name, text=answer.text))
    return lines


def _answered(result: QuestionResult) -> str:
    return ngettext("{count} person answered.", "{count} people answered.", result.answered)


def _question(result: QuestionResult, before: QuestionResult | None) -> list[str]:
    question = result.question
    lines = [_("{number}. <b>{question}</b>", number=question.position, question=question.text)]
    if question.kind == "text":
        if before is not None:
            lines.append(_("Before:"))
            lines.extend(_texts(before))
            lines.append(_("After:"))
        lines.extend(_texts(result))
        return lines
    if before is None:
        lines.extend(_bars(result))
        lines.append(_answered(result))
        if question.kind == "scale":
            lines.append(_("Mean: {mean}", mean=number(result.mean)))
    else:
        lines.extend(_bars_compared(before, result))
        lines.append(
            _("Answers: {before} → {after}", before=before.answered, after=result.answered)
        )
        if question.kind == "scale":
            lines.append(
                _(
                    "Mean: {before} → {after} ({change})",
                    before=number(before.mean),
                    after=number(result.mean),
                    change=change(before.mean, result.mean),
                )
            )
    if question.kind == "multiple":
        lines.append(_("Several answers were allowed, so percentages add up to more than 100%."))
    return lines


def _turnout(results: SurveyResults) -> list[str]:
    turnout = results.turnout
    responses = turnout.complete + turnout.incomplete
    lines = [
        ngettext(
            "{count} response from {invited} invited.",
            "{count} responses from {invited} invited.",
            responses,
            invited=turnout.invited,
        )
    ]
    if turnout.incomplete and not results.survey.anonymous:
        lines.append(
            ngettext(
                "{count} of them is incomplete: unfinished answers taken at the deadline.",
                "{count} of them are incomplete: unfinished answers taken at the deadline.",
                turnout.incomplete,
            )
        )
    before = results.before
    if before is not None:
        earlier = before.turnout.complete + before.turnout.incomplete
        lines.append(_("Responses: {before} → {after}", before=earlier, after=responses))
    return lines


def render_results(results: SurveyResults, zone: str) -> str:
    """The whole results message (HTML), the deadline in ``zone`` (the reader's); the caller
    splits it to fit Telegram's limit."""
    survey = results.survey
    ref = survey_ref(survey.id)
    if survey.status == CLOSED:
        heading = _(
            "📊 Results of survey {ref} (closed): <b>{title}</b>", ref=ref, title=survey.title
        )
    else:
        heading = _(
            "📊 Results so far of survey {ref}: <b>{title}</b>", ref=ref, title=survey.title
        )
    parts = [heading]
    parts.append(_("Hub: {hub}", hub=survey.hub_name) if survey.hub_name else _("All hubs"))
    parts.append(_("Deadline: {when}", when=format_datetime(survey.closes_at, zone, "short")))
    if results.before is not None:
        earlier = results.before.survey
        parts.append(
            _(
                "Compared with the “before” survey {ref}: <b>{title}</b>",
                ref=survey_ref(earlier.id),
                title=earlier.title,
            )
        )
    parts.extend(_turnout(results))
    if survey.anonymous:
        parts.append(_("This survey is anonymous: answers are kept without names."))
    befores = results.before.questions if results.before is not None else None
    for index, result in enumerate(results.questions):
        before = befores[index] if befores is not None else None
        parts.append("")
        parts.extend(_question(result, before))
    return paragraphs(parts)
