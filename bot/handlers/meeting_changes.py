"""/movemeeting and /cancelmeeting, and their buttons ``mt:mv`` and ``mt:cx``.

The commands take the meeting's number (shown in /meetings and on every meeting message) and act
on its next occurrence; a series asks "only this one, or the whole series?". Facilitators of the
meeting's hub only, checked on every command and button.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.buttons import button_label
from bot.context import BotContext
from bot.handlers.common import args_text, edit_or_reply, refuse, reply, stale_button
from bot.i18n import _
from bot.parsing import parse_int
from bot.services import meeting_fanout as fanout
from bot.services.meeting_times import local_from_text, to_utc
from bot.services.meeting_types import MeetingError, OccurrenceView, parse_local

STAMP = "%Y%m%d%H%M"
MOVE_TO = re.compile(r"[os]\d{12}")  # this one or the series, to YYYYMMDDHHMM local
SHIFTS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


# -- /movemeeting and /cancelmeeting


async def _managed(
    update: Update, context: BotContext, occurrence_id: int | None, meeting_id: int | None = None
) -> OccurrenceView | None:
    """The occurrence a facilitator acts on, or None after saying why not."""
    meetings = context.services.meetings
    occurrence = None
    if meeting_id is not None:
        occurrence = await meetings.next_occurrence(meeting_id)
    elif occurrence_id is not None:
        occurrence = await meetings.occurrence(occurrence_id)
    if occurrence is None:
        if update.callback_query is not None:
            await stale_button(update)
        else:
            await reply(update, _("There is no upcoming meeting with that number."))
        return None
    hub_id = occurrence.meeting.hub_id
    chat = update.effective_chat
    if chat is not None and chat.type != Chat.PRIVATE:
        hub = await context.services.hubs.for_chat(chat.id)
        if hub is None or hub.id != hub_id:
            await reply(update, _("That meeting belongs to another hub."))
            return None
    if not await context.services.access.can_facilitate(hub_id, context.viewer.id):
        await refuse(update, context, "meeting", hub_id)
        return None
    if occurrence.cancelled:
        await _say(update, _("This meeting was cancelled."))
        return None
    if occurrence.starts_at <= meetings.now():  # an old button: a started meeting stays
        await _say(update, _("This meeting has already started."))
        return None
    return occurrence


async def _ack(update: Update) -> None:
    """Answer a button press that succeeded (a failed one is answered with an alert)."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def _say(update: Update, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)


def _usage(command: str) -> str:
    if command == "movemeeting":
        return _("Write the meeting's number and the new time: /movemeeting 12 2026-12-03 18:00")
    return _("Write the meeting's number: /cancelmeeting 12")


async def movemeeting_command(update: Update, context: BotContext) -> None:
    parts = args_text(update).split()
    meeting_id = parse_int(parts[0], minimum=1) if parts else None
    if meeting_id is None:
        await reply(update, _usage("movemeeting"))
        return
    occurrence = await _managed(update, context, None, meeting_id)
    if occurrence is None:
        return
    if len(parts) == 1:
        await _offer_moves(update, context, occurrence)
        return
    if len(parts) != 3:
        await reply(update, _usage("movemeeting"))
        return
    try:
        local = parse_local(parts[1], parts[2])
    except MeetingError as error:
        await reply(update, error.message)
        return
    await _move_or_ask(update, context, occurrence, local)


async def _offer_moves(update: Update, context: BotContext, occurrence: OccurrenceView) -> None:
    labels = {
        "h": button_label("+1 hour"),
        "d": button_label("+1 day"),
        "w": button_label("+1 week"),
    }
    row = [
        InlineKeyboardButton(label, callback_data=callbacks.pack("mt", "mv", occurrence.id, key))
        for key, label in labels.items()
    ]
    await edit_or_reply(
        update,
        fanout.card(occurrence, context.viewer.timezone, heading=_("Move this meeting?"))
        + "\n\n"
        + _(
            "Choose a shift, or type the new time: /movemeeting {id} YYYY-MM-DD HH:MM",
            id=occurrence.meeting.id,
        ),
        InlineKeyboardMarkup([row]),
    )


async def _move_or_ask(
    update: Update, context: BotContext, occurrence: OccurrenceView, local: datetime
) -> None:
    """A single meeting moves; for a series, ask: this one, or this and the later ones?"""
    if not occurrence.meeting.repeat_weeks:
        await _move(update, context, occurrence, local)
        return
    stamp = local.strftime(STAMP)
    rows = [
        [
            InlineKeyboardButton(
                button_label("Only this one"),
                callback_data=callbacks.pack("mt", "mv", occurrence.id, f"o{stamp}"),
            )
        ],
        [
            InlineKeyboardButton(
                button_label("The whole series"),
                callback_data=callbacks.pack("mt", "mv", occurrence.id, f"s{stamp}"),
            )
        ],
        [InlineKeyboardButton(button_label("Keep it"), callback_data=callbacks.pack("mt", "keep"))],
    ]
    when = fanout.when_text(to_utc(local, occurrence.meeting.timezone), context.viewer.timezone)
    await _ack(update)
    await edit_or_reply(
        update,
        fanout.card(occurrence, context.viewer.timezone)
        + "\n\n"
        + _("Move only this meeting to {when}, or the rest of the series too?", when=when),
        InlineKeyboardMarkup(rows),
    )


async def _move(
    update: Update,
    context: BotContext,
    occurrence: OccurrenceView,
    local: datetime,
    *,
    series: bool = False,
) -> None:
    try:
        moved = await context.services.meetings.move(
            occurrence.id, local, whole_series=series, by=context.viewer.id
        )
    except MeetingError as error:
        await _say(update, error.message)
        return
    await _ack(update)
    await edit_or_reply(
        update,
        fanout.card(
            moved,
            context.viewer.timezone,
            heading=_("🔁 Moved. Everyone who hadn't declined is told:"),
        ),
    )


async def cancelmeeting_command(update: Update, context: BotContext) -> None:
    parts = args_text(update).split()
    meeting_id = parse_int(parts[0], minimum=1) if len(parts) == 1 else None
    if meeting_id is None:
        await reply(update, _usage("cancelmeeting"))
        return
    occurrence = await _managed(update, context, None, meeting_id)
    if occurrence is not None:
        await _confirm_cancel(update, context, occurrence)


async def _confirm_cancel(update: Update, context: BotContext, occurrence: OccurrenceView) -> None:
    series = occurrence.meeting.repeat_weeks > 0
    keep = InlineKeyboardButton(button_label("Keep it"), callback_data=callbacks.pack("mt", "keep"))
    if series:
        rows = [
            [
                InlineKeyboardButton(
                    button_label("Only this one"),
                    callback_data=callbacks.pack("mt", "cx", occurrence.id, "o"),
                )
            ],
            [
                InlineKeyboardButton(
                    button_label("The whole series"),
                    callback_data=callbacks.pack("mt", "cx", occurrence.id, "s"),
                )
            ],
            [keep],
        ]
        heading = _("Cancel this meeting, or the whole series?")
    else:
        rows = [
            [
                InlineKeyboardButton(
                    button_label("Yes, cancel it"),
                    callback_data=callbacks.pack("mt", "cx", occurrence.id, "o"),
                ),
                keep,
            ]
        ]
        heading = _("Cancel this meeting?")
    await edit_or_reply(
        update,
        fanout.card(occurrence, context.viewer.timezone, heading=heading),
        InlineKeyboardMarkup(rows),
    )


async def _cancel(
    update: Update, context: BotContext, occurrence: OccurrenceView, series: bool
) -> None:
    try:
        await context.services.meetings.cancel(
            occurrence.id, whole_series=series, by=context.viewer.id
        )
    except MeetingError as error:
        await _say(update, error.message)
        return
    await _ack(update)
    await edit_or_reply(
        update,
        _("❌ Cancelled. Everyone who hadn't declined is told, and no reminder will go out."),
    )


async def change_callback(update: Update, context: BotContext, parts: list[str]) -> None:
    """``mt:mv:<occurrence>[:<h|d|w|o…|s…>]`` and ``mt:cx:<occurrence>[:<o|s>]``."""
    query = update.callback_query
    assert query is not None
    action = parts[1]
    occurrence_id = parse_int(parts[2], minimum=1)
    option = parts[3] if len(parts) == 4 else None
    if occurrence_id is None or (
        option is not None
        and option not in ("h", "d", "w", "o", "s")
        and not MOVE_TO.fullmatch(option)
    ):
        await stale_button(update)
        return
    occurrence = await _managed(update, context, occurrence_id)
    if occurrence is None:
        return
    if action == "mv" and option is None:
        await query.answer()
        await _offer_moves(update, context, occurrence)
    elif action == "mv" and option in SHIFTS:
        local = local_from_text(occurrence.starts_local) + SHIFTS[option]
        await _move_or_ask(update, context, occurrence, local)
    elif action == "mv" and option and MOVE_TO.fullmatch(option):
        try:
            local = datetime.strptime(option[1:], STAMP)
        except ValueError:
            await stale_button(update)
            return
        await _move(update, context, occurrence, local, series=option[0] == "s")
    elif action == "cx" and option is None:
        await query.answer()
        await _confirm_cancel(update, context, occurrence)
    elif action == "cx" and option in ("o", "s"):
        await _cancel(update, context, occurrence, option == "s")
    else:
        await stale_button(update)
