"""📅 Add to calendar: a meeting's ``.ics`` file, sent privately to a member of its hub.

The button (``mc:ics:<occurrence id>``) sits on the group post, the private announcement and
the reminders. The file describes the whole meeting under its stable UID (a series with its
moved and cancelled dates), so pressing it again after a change updates the calendar; a
cancelled meeting's file removes it. The caption says which, in the presser's language and
zone. Callback data can be forged: the occurrence must exist and
the presser must belong to its hub (or be a network admin), or nothing is sent.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Chat, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks, i18n
from bot.context import BotContext
from bot.handlers.common import stale_button
from bot.i18n import _
from bot.logs import describe_exception
from bot.services.calendar import MEDIA_TYPE, calendar_file, is_cancelled

log = logging.getLogger(__name__)

ACTION = "mc"


def caption(title: str, starts_at: datetime, timezone: str, *, whole: bool, this_date: bool) -> str:
    """What the file does, in the reader's language, with the time in the reader's zone.

    ``whole``: the file cancels the meeting; ``this_date``: the date pressed is cancelled but
    the file keeps the rest of the series.
    """
    date = i18n.format_date(starts_at, timezone, "full")
    time = i18n.format_time(starts_at, timezone)
    if this_date and not whole:
        return _(
            "❌ {title} on {date} at {time} is cancelled. Open this file to take that date off "
            "your calendar.",
            title=title,
            date=date,
            time=time,
        )
    if whole:
        return _(
            "❌ {title} is cancelled. Open this file to take it off your calendar.", title=title
        )
    return _(
        "📅 {title}, {date} at {time}. Open this file to add it to your calendar; if the "
        "meeting changes, press the button again to update it.",
        title=title,
        date=date,
        time=time,
    )


async def ics_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, ACTION, str, int)
    if parsed is None or parsed[0] != "ics":
        await stale_button(update)
        return
    services = context.services
    viewer = context.viewer
    occurrence = await services.meetings.occurrence(parsed[1])
    if occurrence is None:
        await query.answer(_("This meeting no longer exists."), show_alert=True)
        return
    meeting = occurrence.meeting
    if not viewer.is_admin and await services.hubs.role(meeting.hub_id, viewer.id) is None:
        services.access.refused("calendar", viewer.id, meeting.hub_id)
        await query.answer(
            _("Only members of this meeting's hub can add it to their calendar."),
            show_alert=True,
        )
        return
    now = services.scheduler.clock.now()
    made = calendar_file(meeting, await services.meetings.occurrences(meeting.id), stamp=now)
    text = caption(
        meeting.title,
        occurrence.starts_at,
        viewer.timezone,
        whole=made.cancelled,
        this_date=is_cancelled(meeting, occurrence, now),
    )
    try:
        document = InputFile(made.data, filename=made.name)
        # Python's own table lacks .ics (it comes from /etc/mime.types, absent in slim images):
        # phones offer "Add to calendar" for text/calendar, not for application/octet-stream.
        document.mimetype = MEDIA_TYPE
        await context.bot.send_document(viewer.id, document=document, caption=text)
    except Forbidden:
        # Blocked the bot, or never opened the private chat: the file cannot reach them.
        await query.answer(
            _(
                "I can't write to you privately. Open our private chat, press Start, then "
                "try again."
            ),
            show_alert=True,
        )
        return
    except TelegramError as error:
        # A 429 for their private chat, a network fault...: say so on the button, so the
        # press is answered and they know to press it again.
        log.warning("calendar file not sent: %s", describe_exception(error))
        await query.answer(
            _(
                "Sorry, something went wrong. Please try again; "
                "if it happens again, tell your facilitator."
            ),
            show_alert=True,
        )
        return
    chat = update.effective_chat
    if chat is not None and chat.type != Chat.PRIVATE:
        await query.answer(_("I've sent you the calendar file in our private chat."))
    else:
        await query.answer()


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(ics_callback, pattern=callbacks.pattern(ACTION)))
