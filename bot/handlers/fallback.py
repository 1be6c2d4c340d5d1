"""Whatever no feature handled: unknown commands, stale or forged buttons, stray text."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.common import reply, stale_button
from bot.i18n import _

# Stray text is answered after the text-input consumers (groups 10+) had their chance.
STRAY_TEXT_GROUP = 90


async def unknown_command(update: Update, context: BotContext) -> None:
    """Answer unknown commands in private, and in groups only when addressed to this bot."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None and message.text is not None
    command = message.text.split(maxsplit=1)[0].lower()
    if chat.type != Chat.PRIVATE and not command.endswith(f"@{context.bot.username}".lower()):
        return  # probably meant for another bot in the group
    await reply(update, _("I don't know that command. /help lists what you can do."))


async def stray_text(update: Update, context: BotContext) -> None:
    await reply(
        update, _("I only understand commands and buttons. Send /help to see what you can do.")
    )


async def unknown_callback(update: Update, context: BotContext) -> None:
    await stale_button(update)


def register(app: Application) -> None:
    """Register last: in group 0 these catch only what no feature handler matched."""
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(CallbackQueryHandler(unknown_callback))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, stray_text),
        group=STRAY_TEXT_GROUP,
    )
