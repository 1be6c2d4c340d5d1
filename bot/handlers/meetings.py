"""/meeting (typed form), /meetings, /movemeeting, /cancelmeeting; buttons under ``mt``.

RSVP presses are in bot/handlers/meeting_rsvp.py. Roles are checked on every command and every
button: the buttons may be old or forged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n
from bot.buttons import button_label, hub_in_label
from bot.context import BotContext
from bot.handlers import meeting_flow
from bot.handlers.common import args_text, edit_or_reply, refuse, reply, stale_button
from bot.handlers.meeting_rsvp import answer_label, rsvp_callback
from bot.i18n import _
from bot.parsing import parse_int
from bot.services import meeting_fanout as fanout
from bot.services.meeting_types import MeetingError, OccurrenceView, parse_local, parse_typed

TYPED = "meeting_typed"  # user_data: a typed meeting waiting for its hub to be chosen
SHIFTS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


async def meeting_command(update: Update, context: BotContext) -> None:
    text = args_text(update)
    if not text:
        await meeting_flow.start_flow(update, context)
        return
    try:
        parse_typed(text)
    except MeetingError as error:
        await meeting_flow.start_flow(update, context, error.message)
        return
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        hub = await context.services.hubs.for_chat(chat.id)
        hubs = [hub] if hub else []
    else:
        hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    hubs = [
        h for h in hubs if await context.services.access.can_facilitate(h.id, context.viewer.id)
    ]
    if not hubs:
        await refuse(update, context, "meeting", None)
        return
    if len(hubs) > 1:
        assert context.user_data is not None
        context.user_data[TYPED] = text
        buttons = [
            [
                InlineKeyboardButton(
                    hub_in_label(h.name), callback_data=callbacks.pack("mt", "h", h.id)
                )
            ]
            for h in hubs
        ]
        await reply(update, _("Which hub?"), InlineKeyboardMarkup(buttons))
        return
    await _create(update, context, hubs[0].id, text)


async def _create(update: Update, context: BotContext, hub_id: int, text: str) -> None:
    try:
        typed = parse_typed(text)
        meeting = await context.services.meetings.create(
            hub_id=hub_id,
            author_id=context.viewer.id,
            title=typed.title,
            place=typed.place,
            starts_local=typed.starts_local,
            duration=typed.duration,
        )
    except MeetingError as error:
        await meeting_flow.start_flow(update, context, error.message)
        return
    occurrence = await context.services.meetings.next_occurrence(meeting.id)
    assert occurrence is not None
    await edit_or_reply(
        update,
        fanout.card(occurrence, context.viewer.timezone, heading=_("✅ The meeting is planned:"))
        + "\n\n"
        + _("It is posted in the hub's group and sent to every member."),
    )


async def _pick_hub(update: Update, context: BotContext, hub_id: int) -> None:
    if not await context.services.access.can_facilitate(hub_id, context.viewer.id):
        await refuse(update, context, "meeting", hub_id)
        return
    assert context.user_data is not None
    text = context.user_data.pop(TYPED, None)
    assert update.callback_query is not None
    await update.callback_query.answer()
    if not text:
        await stale_button(update)
        return
    await _create(update, context, hub_id, text)


# -- /meetings


def _answers_text(answers: dict[str, list]) -> str:
    lines = []
    for key in ("yes", "maybe", "no"):
        names = ", ".join(i18n.show(a.name) for a in answers[key]) or "—"
        lines.append(_("{answer}: {names}", answer=answer_label(key), names=i18n.Html(names)))
    return "\n".join(lines)


def _manage_row(occurrence: OccurrenceView) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            button_label("🔁 Move"), callback_data=callbacks.pack("mt", "mv", occurrence.id)
        ),
        InlineKeyboardButton(
            button_label("❌ Cancel it"), callback_data=callbacks.pack("mt", "cx", occurrence.id)
        ),
    ]


async def meetings_command(update: Update, context: BotContext) -> None:
    services = context.services
    memberships = await services.hubs.memberships(context.viewer.id)
    hub_ids = [m.hub.id for m in memberships]
    upcoming = await services.meetings.upcoming(hub_ids, limit=10)
    if not upcoming:
        await reply(update, _("No meetings are planned in your hubs."))
        return
    mine = await services.meetings.answers_of([o.id for o in upcoming], context.viewer.id)
    for occurrence in upcoming:
        answer = mine.get(occurrence.id)
        text = fanout.card(occurrence, context.viewer.timezone)
        text += "\n\n" + (
            _("Your answer: {answer}", answer=answer_label(answer))
            if answer
            else _("You haven't answered yet.")
        )
        markup = fanout.rsvp_keyboard(occurrence.id, answer)
        if await services.access.can_facilitate(occurrence.meeting.hub_id, context.viewer.id):
            text += "\n\n" + fanout.counts_line(await services.meetings.counts(occurrence.id))
            text += "\n" + _answers_text(await services.meetings.answers(occurrence.id))
            markup = InlineKeyboardMarkup([*markup.inline_keyboard, _manage_row(occurrence)])
        await reply(update, text, markup)


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
    return occurrence


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
        await _offer_moves(update, occurrence)
        return
    if len(parts) != 3:
        await reply(update, _usage("movemeeting"))
        return
    try:
        local = parse_local(parts[1], parts[2])
    except MeetingError as error:
        await reply(update, error.message)
        return
    await _move(update, context, occurrence, local)


async def _offer_moves(update: Update, occurrence: OccurrenceView) -> None:
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
        fanout.card(occurrence, occurrence.meeting.timezone, heading=_("Move this meeting?"))
        + "\n\n"
        + _(
            "Choose a shift, or type the new time: /movemeeting {id} YYYY-MM-DD HH:MM",
            id=occurrence.meeting.id,
        ),
        InlineKeyboardMarkup([row]),
    )


async def _move(
    update: Update, context: BotContext, occurrence: OccurrenceView, local: datetime
) -> None:
    try:
        moved = await context.services.meetings.move(occurrence.id, local, by=context.viewer.id)
    except MeetingError as error:
        await _say(update, error.message)
        return
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
        await _confirm_cancel(update, occurrence)


async def _confirm_cancel(update: Update, occurrence: OccurrenceView) -> None:
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
        fanout.card(occurrence, occurrence.meeting.timezone, heading=heading),
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
    await edit_or_reply(
        update,
        _("❌ Cancelled. Everyone who hadn't declined is told, and no reminder will go out."),
    )


# -- buttons


async def meetings_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    if action == "r":
        await rsvp_callback(update, context)
        return
    if action == "keep" and len(parts) == 2:
        await query.answer()
        await edit_or_reply(update, _("Nothing changed."))
        return
    if action == "h" and (found := callbacks.unpack(query.data, "mt", str, int)):
        await _pick_hub(update, context, found[1])
        return
    if action in ("mv", "cx") and len(parts) in (3, 4):
        occurrence_id = parse_int(parts[2], minimum=1)
        option = parts[3] if len(parts) == 4 else None
        if occurrence_id is None or (
            option is not None and option not in ("h", "d", "w", "o", "s")
        ):
            await stale_button(update)
            return
        occurrence = await _managed(update, context, occurrence_id)
        if occurrence is None:
            return
        if action == "mv" and option is None:
            await query.answer()
            await _offer_moves(update, occurrence)
        elif action == "mv" and option in SHIFTS:
            await query.answer()
            local = datetime.strptime(occurrence.starts_local, "%Y-%m-%d %H:%M") + SHIFTS[option]
            await _move(update, context, occurrence, local)
        elif action == "cx" and option is None:
            await query.answer()
            await _confirm_cancel(update, occurrence)
        elif action == "cx" and option in ("o", "s"):
            await query.answer()
            await _cancel(update, context, occurrence, option == "s")
        else:
            await stale_button(update)
        return
    await stale_button(update)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("meeting", meeting_command))
    app.add_handler(CommandHandler("meetings", meetings_command))
    app.add_handler(CommandHandler("movemeeting", movemeeting_command))
    app.add_handler(CommandHandler("cancelmeeting", cancelmeeting_command))
    app.add_handler(CallbackQueryHandler(meetings_callback, pattern=callbacks.pattern("mt")))
