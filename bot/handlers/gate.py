"""The gate: runs first for every update, records the sender and sets their language.

It also stops what the bot must not act on (other bots, edited commands, channel posts) with
``ApplicationHandlerStop``, so feature handlers never see it.
"""

from __future__ import annotations

from telegram import Chat, Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot import i18n
from bot.context import AWAITING, BotContext, set_viewer

GROUP = -100


async def gate_update(update: Update, context: BotContext) -> None:
    """Record who wrote, choose their locale and time zone, and drop what we ignore."""
    set_viewer(None)
    i18n.set_locale(context.services.config.i18n.default_locale)
    if update.edited_message or update.edited_channel_post or update.channel_post:
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None:
        return  # e.g. poll state updates: they carry no person
    if user.is_bot:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    private = chat is not None and chat.type == Chat.PRIVATE
    text = update.message.text if update.message is not None else None
    if text and text.startswith("/") and context.user_data is not None:
        # A new command abandons whatever the bot was waiting for the person to type.
        context.user_data.pop(AWAITING, None)
    # Only a message or a button press means the person has the chat open; a my_chat_member
    # update in private may be them blocking the bot.
    wrote = private and (update.message is not None or update.callback_query is not None)
    viewer = await context.services.users.record(
        user.id,
        user.first_name,
        user.last_name,
        user.username,
        user.language_code,
        private=wrote,
        chat_id=None if private or chat is None else chat.id,
    )
    set_viewer(viewer)
    i18n.set_locale(viewer.locale)
    if counts_as_activity(update):
        # "Active" for /stats: wrote or pressed anything (one mark a day, kept in memory).
        await context.services.stats.seen(user.id)


def counts_as_activity(update: Update) -> bool:
    """Whether the sender did something: wrote, sent a file or a poll, pressed, voted.

    Service messages (joined, left, title or photo changed, pinned...) carry no text and no
    attachment: they happen to a person, so they do not make them "active".
    """
    if update.callback_query or update.poll_answer:
        return True
    message = update.message
    if message is None:
        return False
    return bool(message.text or message.caption) or message.effective_attachment is not None


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, gate_update), group=GROUP)
