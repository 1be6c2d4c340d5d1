"""/meeting (typed form), /meetings, /movemeeting, /cancelmeeting; buttons under ``mt``.

RSVP presses are in bot/handlers/meeting_rsvp.py. Roles are checked on every command and every
button: the buttons may be old or forged.
"""

from __future__ import annotations

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n
from bot.buttons import button_label, hub_in_label
from bot.context import BotContext
from bot.handlers import meeting_changes, meeting_flow
from bot.handlers.common import args_text, edit_or_reply, refuse, reply, stale_button
from bot.handlers.meeting_rsvp import answer_label, rsvp_callback
from bot.i18n import _
from bot.services import meeting_fanout as fanout
from bot.services.meeting_types import MeetingError, OccurrenceView, parse_typed

TYPED = "meeting_typed"  # user_data: a typed meeting waiting for its hub to be chosen


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
    if not text:
        await stale_button(update)
        return
    await update.callback_query.answer()
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
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await _group_meetings(update, context, chat.id)
        return
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


async def _group_meetings(update: Update, context: BotContext, chat_id: int) -> None:
    """In a group: only the meetings of the hub that owns it, as its group post shows them.

    Never the viewer's own answer, never who answered: everyone in the group reads this.
    """
    services = context.services
    hub = await services.hubs.for_chat(chat_id)
    upcoming = await services.meetings.upcoming([hub.id], limit=10) if hub else []
    if hub is None or not upcoming:
        await reply(update, _("No meetings are planned in your hubs."))
        return
    for occurrence in upcoming:
        counts = await services.meetings.counts(occurrence.id)
        text = fanout.post_text(occurrence, hub.timezone, counts)
        await reply(update, text, fanout.rsvp_keyboard(occurrence.id, calendar=False))


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
        await meeting_changes.change_callback(update, context, parts)
        return
    await stale_button(update)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("meeting", meeting_command))
    app.add_handler(CommandHandler("meetings", meetings_command))
    app.add_handler(CommandHandler("movemeeting", meeting_changes.movemeeting_command))
    app.add_handler(CommandHandler("cancelmeeting", meeting_changes.cancelmeeting_command))
    app.add_handler(CallbackQueryHandler(meetings_callback, pattern=callbacks.pattern("mt")))
