"""What a send's failure means: Telegram's errors classified into outbox outcomes.

The delivery worker (bot/services/delivery.py) handles the two errors that change its own state,
a 429 and a group that became a supergroup; every other error is read here, with its reason.
"""

from __future__ import annotations

import random
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.config import DeliveryConfig
from bot.db.database import utcnow
from bot.db.outbox import OutboxRow, Outcome, Status


def classify_forbidden(message: str) -> tuple[Status, str]:
    """The status and reason of a 403: blocked, never started, or gone."""
    text = message.lower()
    if "blocked by the user" in text:
        return Status.BLOCKED, "blocked the bot"
    if "can't initiate conversation" in text or "bot can't send messages to bots" in text:
        return Status.NOT_STARTED, "never started the bot"
    if "deactivated" in text:
        return Status.FAILED, "account deleted"
    return Status.FAILED, message


def retry_outcome(row: OutboxRow, reason: str, seconds: float, *, counts: bool = True) -> Outcome:
    """Send ``row`` again in ``seconds``; an attempt that does not count is refunded."""
    return Outcome(
        row.id,
        Status.PENDING,
        reason,
        not_before=utcnow() + timedelta(seconds=seconds),
        refund_attempt=not counts,
    )


def error_outcome(row: OutboxRow, exc: TelegramError, config: DeliveryConfig) -> Outcome:
    """The outcome of a send that failed with ``exc`` (not a 429, not a migrated group)."""
    if isinstance(exc, Forbidden):
        status, reason = classify_forbidden(exc.message)
        return Outcome(row.id, status, reason)
    if isinstance(exc, BadRequest):
        # Retrying cannot help: the chat is gone or the message is malformed.
        return Outcome(row.id, Status.FAILED, exc.message)
    if isinstance(exc, NetworkError):  # includes TimedOut
        if row.attempts >= config.max_attempts:  # attempts made before this one
            return Outcome(row.id, Status.FAILED, f"network: {exc.message}")
        backoff = config.retry_backoff_seconds * 2 ** (row.attempts - 1)
        return retry_outcome(row, f"network: {exc.message}", backoff * random.uniform(1, 1.5))  # noqa: S311
    return Outcome(row.id, Status.FAILED, exc.message)
