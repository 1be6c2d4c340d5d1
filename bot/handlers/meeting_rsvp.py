"""RSVP buttons ``mt:r:<occurrence>:<y|m|n>``: on the group post and on private copies.

Members of the hub only; a cancelled or started meeting says so. In a private chat the member's
own message shows their choice; the group post's counts follow through the paced editor.
"""

from __future__ import annotations

from telegram import Chat, Message, Update

from bot import callbacks
from bot.context import BotContext
from bot.handlers.common import stale_button
from bot.i18n import _
from bot.services import meeting_fanout as fanout
from bot.services.meeting_types import LETTERS, MeetingError


def answer_label(answer: str | None) -> str:
    return {
        "yes": _("Going"),
        "maybe": _("Maybe"),
        "no": _("Can't"),
    }.get(answer or "", "—")


def _toast(answer: str) -> str:
    return {
        "yes": _("✅ You're going. See you there!"),
        "maybe": _("🤔 Maybe: you can change it any time before the start."),
        "no": _("Thanks for letting us know. No reminders for this one."),
    }[answer]


async def rsvp_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    found = callbacks.unpack(query.data, "mt", str, int, str)
    if found is None or found[0] != "r" or found[2] not in LETTERS:
        await stale_button(update)
        return
    _r, occurrence_id, letter = found
    answer = LETTERS[letter]
    try:
        await context.services.meetings.rsvp(occurrence_id, context.viewer.id, answer)
    except MeetingError as error:
        await query.answer(error.message, show_alert=True)
        return
    await query.answer(_toast(answer))
    message = query.message
    if (
        isinstance(message, Message)
        and message.chat.type == Chat.PRIVATE
        and message.reply_markup is not None
    ):
        markup = fanout.rsvp_keyboard(occurrence_id, answer)
        if markup != message.reply_markup:
            await query.edit_message_reply_markup(markup)
