"""The screens of answering a survey: one question at a time, the summary, the list /surveys.

Callback data (``sv``), every one naming the survey, so a press is checked against it:
``s:<survey>`` start or continue · ``q:<survey>:<position>`` show a question (n+1: the summary) ·
``a:<survey>:<question>:<value>`` a single choice (option index) or a scale value ·
``t:<survey>:<question>:<index>`` tick or untick a multiple-choice option ·
``n:<survey>:<question>`` next after ticking · ``k:<survey>:<question>`` skip ·
``l:<survey>`` finish later · ``f:<survey>`` submit.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.buttons import button_label, hub_in_label
from bot.handlers.common import MESSAGE_LIMIT, utf16_len
from bot.i18n import Html, _, ngettext
from bot.services.survey_render import ACTION, heading, results_keyboard, when
from bot.services.survey_types import SCALE, AnswerState, QuestionView, SurveyProgress, SurveyView

TICKED, UNTICKED, CHOSEN = "☑ ", "☐ ", "✅ "
OPTION_IN_BUTTON = 30
# The summary is one message with its Submit button: answers are shortened until it fits.
ANSWER_IN_SUMMARY = (200, 120, 80, 50, 30, 15)
QUESTION_IN_SUMMARY = (80, 50, 30)


def _button(label: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.pack(ACTION, *args))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    """Line breaks and runs of spaces folded into one space: an answer stays on its line, so
    the markup around it never spans lines."""
    return " ".join(text.split())


def answer_text(question: QuestionView, value: object, limit: int = 200) -> str:
    """One answer as the summary shows it, on one line (plain text; the caller escapes)."""
    if value is None:
        return _("skipped")
    if question.kind in ("single", "multiple") and isinstance(value, list):
        chosen = [question.options[i] for i in value if 0 <= i < len(question.options)]
        return _short(_one_line(", ".join(chosen)), limit) if chosen else _("skipped")
    if question.kind == "scale":
        return _("{value} of {top}", value=value, top=SCALE[1])
    return _short(_one_line(str(value)), limit)


def _hint(question: QuestionView) -> str:
    if question.kind == "single":
        return _("Choose one answer.")
    if question.kind == "multiple":
        return _("Choose all that apply, then press Next.")
    if question.kind == "scale":
        return _("Choose from {low} (lowest) to {high} (highest).", low=SCALE[0], high=SCALE[1])
    return _("Type your answer and send it as a message.")


def question_screen(state: AnswerState, position: int) -> tuple[str, InlineKeyboardMarkup]:
    view = state.survey
    question = view.questions[position - 1]
    value = state.drafts.get(question.id)
    lines = [
        heading(view),
        _("Question {n} of {total}", n=position, total=len(view.questions)),
        "",
        _("<b>{question}</b>", question=question.text),
    ]
    if question.options:
        lines += [
            _("{n}. {option}", n=index, option=option)
            for index, option in enumerate(question.options, start=1)
        ]
    lines += ["", _hint(question)]
    if question.kind == "text" and isinstance(value, str):
        lines.append(_("Your answer so far: {answer}", answer=_short(value, 300)))
    rows: list[list[InlineKeyboardButton]] = []
    chosen = value if isinstance(value, list) else []
    if question.kind == "single":
        for index, option in enumerate(question.options):
            mark = CHOSEN if index in chosen else ""
            label = f"{mark}{index + 1}. {_short(option, OPTION_IN_BUTTON)}"
            rows.append([_button(label, "a", view.id, question.id, index)])
    elif question.kind == "multiple":
        for index, option in enumerate(question.options):
            mark = TICKED if index in chosen else UNTICKED
            label = f"{mark}{index + 1}. {_short(option, OPTION_IN_BUTTON)}"
            rows.append([_button(label, "t", view.id, question.id, index)])
        rows.append([_button(button_label("Next ▶"), "n", view.id, question.id)])
    elif question.kind == "scale":
        rows.append(
            [
                _button(
                    f"{CHOSEN if value == score else ''}{score}", "a", view.id, question.id, score
                )
                for score in range(SCALE[0], SCALE[1] + 1)
            ]
        )
    nav = []
    if position > 1:
        nav.append(_button(button_label("◀ Back"), "q", view.id, position - 1))
    nav.append(_button(button_label("Skip ⏭"), "k", view.id, question.id))
    rows.append(nav)
    rows.append([_button(button_label("⏸ Finish later"), "l", view.id)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _summary_text(state: AnswerState, question_limit: int, answer_limit: int) -> str:
    view = state.survey
    lines = [heading(view), _("Your answers:"), ""]
    for question in view.questions:
        value = (
            answer_text(question, state.drafts[question.id], answer_limit)
            if question.id in state.drafts
            else _("not answered")
        )
        lines.append(
            _(
                "{n}. {question}: <b>{answer}</b>",
                n=question.position,
                question=_short(_one_line(question.text), question_limit),
                answer=value,
            )
        )
    lines += ["", _("Press Submit to send your answers. After that they cannot be changed.")]
    return "\n".join(lines)


def summary_screen(state: AnswerState) -> tuple[str, InlineKeyboardMarkup]:
    """Every answer, shortened as much as needed for the summary to stay one message."""
    view = state.survey
    text = ""
    for question_limit in QUESTION_IN_SUMMARY:
        for answer_limit in ANSWER_IN_SUMMARY:
            text = _summary_text(state, question_limit, answer_limit)
            if utf16_len(text) <= MESSAGE_LIMIT:
                break
        else:
            continue
        break
    rows = [
        [_button(button_label("✅ Submit"), "f", view.id)],
        [
            _button(button_label("◀ Back"), "q", view.id, len(view.questions)),
            _button(button_label("⏸ Finish later"), "l", view.id),
        ],
    ]
    return text, InlineKeyboardMarkup(rows)


def screen_at(state: AnswerState, position: int) -> tuple[str, InlineKeyboardMarkup]:
    if 1 <= position <= len(state.survey.questions):
        return question_screen(state, position)
    return summary_screen(state)


def continue_keyboard(survey_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(button_label("⏯ Continue"), "s", survey_id)]])


def later_text(view: SurveyView, zone: str) -> str:
    return "\n".join(
        [
            heading(view),
            _(
                "⏸ Your answers so far are kept. Press Continue, or send /surveys, to finish "
                "before {deadline}.",
                deadline=Html(when(view.closes_at, zone)),
            ),
        ]
    )


def thanks_text(view: SurveyView) -> str:
    lines = [_("✅ Thank you! Your answers to <b>{title}</b> are in.", title=view.title)]
    if view.anonymous:
        lines.append(_("They are stored without your name."))
    return "\n".join(lines)


def closed_text(closed_on_text: str) -> str:
    return _(
        "This survey closed on {date}. Answers can no longer be sent.", date=Html(closed_on_text)
    )


# -- /surveys


def member_list(
    surveys: list[SurveyView], zone: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    if not surveys:
        return _("You have no open surveys to answer."), []
    lines = [_("📋 <b>Surveys for you to answer</b>"), ""]
    rows = []
    for view in surveys:
        lines.append(
            _(
                "• <b>{title}</b> ({ref}): closes on {deadline}",
                title=view.title,
                ref=view.ref,
                deadline=Html(when(view.closes_at, zone)),
            )
        )
        rows.append(
            [_button(button_label("⏯ {title}", title=hub_in_label(view.title)), "s", view.id)]
        )
    return "\n".join(lines), rows


def status_text(view: SurveyView) -> str:
    return {
        "scheduled": _("scheduled"),
        "open": _("open"),
        "closed": _("closed"),
        "cancelled": _("cancelled"),
    }[view.status]


def facilitator_list(
    surveys: list[tuple[SurveyView, SurveyProgress]], zone: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    lines = [_("📊 <b>Your hubs' surveys</b>"), ""]
    rows = []
    for view, progress in surveys:
        hub = view.hub_name or _("every hub")
        lines.append(
            _(
                "• <b>{title}</b> ({ref}), {hub}: {status}, closes on {deadline}",
                title=view.title,
                ref=view.ref,
                hub=hub,
                status=status_text(view),
                deadline=Html(when(view.closes_at, zone)),
            )
        )
        lines.append(
            "  "
            + ngettext(
                "{finished} of {count} invited finished, {started} started",
                "{finished} of {count} invited finished, {started} started",
                progress.invited,
                finished=progress.finished,
                started=progress.in_progress,
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    button_label("📊 {title}", title=hub_in_label(view.title)),
                    callback_data=results_keyboard(view.id).inline_keyboard[0][0].callback_data,
                )
            ]
        )
    return "\n".join(lines), rows
