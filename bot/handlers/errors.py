"""The one error handler: log first (without secrets or message text), then tell the person."""

from __future__ import annotations

import logging
import sqlite3

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import BotContext
from bot.i18n import _
from bot.logs import describe_exception

log = logging.getLogger(__name__)


def _describe(update: object) -> str:
    """Ids and kinds only: message text may be private, and URLs may hold the token."""
    if not isinstance(update, Update):
        return "no update"
    kind = next(
        (
            name
            for name in ("message", "callback_query", "my_chat_member", "poll_answer", "poll")
            if getattr(update, name) is not None
        ),
        "other",
    )
    chat = update.effective_chat
    user = update.effective_user
    return (
        f"update {update.update_id} ({kind}) chat {chat.id if chat else None} "
        f"user {user.id if user else None}"
    )


def _is_busy(error: BaseException | None) -> bool:
    return isinstance(error, sqlite3.OperationalError) and (
        "locked" in str(error) or "busy" in str(error)
    )


async def error_handler(update: object, context: BotContext) -> None:
    """Log the error (no message text: bot.logs drops exception messages), then tell the person."""
    error = context.error
    if isinstance(error, Forbidden):
        # They blocked the bot, or removed it from the group, while we were answering: a fact
        # about them, not a fault of ours, and there is no one left to tell.
        log.info("%s: %s", _describe(update), describe_exception(error))
        return
    if update is None and isinstance(error, NetworkError):
        # Polling failed: bot.startup.WatchedRequest said once that the connection is lost, and
        # python-telegram-bot retries with back-off. One line per failed poll would be noise.
        log.debug("polling failed: %s", describe_exception(error))
        return
    log.error(
        "error while handling %s: %s",
        _describe(update),
        describe_exception(error) if error is not None else "no error",
        exc_info=error,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    text = (
        _("The database is busy right now. Please try again in a moment.")
        if _is_busy(error)
        else _(
            "Sorry, something went wrong. Please try again; "
            "if it happens again, tell your facilitator."
        )
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", describe_exception(exc))
