"""What surveys write to members' chats: the invitation, the reminder, the closing notice.

Each text is rendered in the reader's language (the caller sets it) and the deadline in the
reader's zone.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.i18n import Html, _, ngettext
from bot.services.survey_types import SurveyProgress, SurveyView

ACTION = "sv"  # answering a survey (bot/handlers/survey_answer.py)
RESULTS_ACTION = "sr"  # survey results (svres)


def when(moment: datetime, zone: str) -> str:
    """A date and time as the reader reads it, in their zone."""
    return _(
        "{date}, {time}",
        date=i18n.format_date(moment, zone, "full"),
        time=i18n.format_time(moment, zone),
    )


def kept_text(anonymous: bool) -> str:
    """What is and is not kept: said in the survey's first message."""
    if anonymous:
        return _(
            "🔒 Anonymous: your answers are stored without your name, and nobody, not even the "
            "facilitators, can tell which answers are yours. Only whether you have finished is "
            "kept, to remind you before the deadline. Your answers count only when you press "
            "Submit. Until then they are kept with your name only so that you can finish "
            "later; answers not sent by the deadline are deleted."
        )
    return _("👤 Not anonymous: the facilitators see your answers with your name.")


def from_line(view: SurveyView) -> str:
    if view.hub_id is None:
        return _("A survey for every hub of the network.")
    return _("A survey from {hub}.", hub=view.hub_name)


def heading(view: SurveyView) -> str:
    return _("📋 <b>{title}</b>", title=view.title)


def invitation_text(view: SurveyView, zone: str) -> str:
    count = len(view.questions)
    return "\n".join(
        [
            heading(view),
            from_line(view),
            "",
            ngettext(
                "{count} question. Please answer by {deadline}.",
                "{count} questions. Please answer by {deadline}.",
                count,
                deadline=Html(when(view.closes_at, zone)),
            ),
            _("Answer one question at a time; you can go back, and finish later."),
            "",
            kept_text(view.anonymous),
            "",
            _("Survey {ref}", ref=view.ref),
        ]
    )


def reminder_text(view: SurveyView, zone: str) -> str:
    return "\n".join(
        [
            _("⏰ A reminder: you haven't finished this survey yet."),
            heading(view),
            _("It closes on {deadline}.", deadline=Html(when(view.closes_at, zone))),
            "",
            kept_text(view.anonymous),
        ]
    )


def closed_notice(view: SurveyView, progress: SurveyProgress, unsent: int) -> str:
    """``unsent``: members who answered part and never pressed Submit. A named survey keeps
    their answers as incomplete; an anonymous one deleted them (they could be traced)."""
    if view.anonymous:
        unsent_line = ngettext(
            "{count} started but did not send their answers; as the survey is anonymous, "
            "those answers were deleted.",
            "{count} started but did not send their answers; as the survey is anonymous, "
            "those answers were deleted.",
            unsent,
        )
    else:
        unsent_line = ngettext(
            "{count} answered only part of it (kept as incomplete).",
            "{count} answered only part of it (kept as incomplete).",
            unsent,
        )
    return "\n".join(
        [
            _("📋 The survey <b>{title}</b> ({ref}) is closed.", title=view.title, ref=view.ref),
            ngettext(
                "{count} of {invited} member finished it.",
                "{count} of {invited} members finished it.",
                progress.finished,
                invited=progress.invited,
            ),
            unsent_line,
        ]
    )


def start_keyboard(survey_id: int, *, resume: bool = False) -> InlineKeyboardMarkup:
    label = button_label("⏯ Continue") if resume else button_label("📝 Start")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=callbacks.pack(ACTION, "s", survey_id))]]
    )


def results_keyboard(survey_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button_label("📊 Results"),
                    callback_data=callbacks.pack(RESULTS_ACTION, "v", survey_id),
                )
            ]
        ]
    )


def markup_json(markup: InlineKeyboardMarkup) -> str:
    return json.dumps(markup.to_dict())


def offset_minutes(offset: timedelta) -> int:
    return int(offset.total_seconds() // 60)
