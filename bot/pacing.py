"""Outgoing pacing: one budget for every message the bot sends, and per-chat back-off on 429.

python-telegram-bot's ``AIORateLimiter`` pauses *every* request after one 429 and does not pace
private chats. Here a 429 pauses only the chat it was about, and the overall budget (Telegram allows
about 30 messages a second) is shared by direct replies and by the delivery worker, which goes
through the same Bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Methods that put a message in a chat and so count against Telegram's flood limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendPoll",
        "sendMediaGroup",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendLocation",
        "sendContact",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)


def retry_seconds(error: RetryAfter) -> float:
    """Seconds to wait after a 429, whichever type this PTB version reports."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramPacer(BaseRateLimiter[int]):
    """Share one messages-per-second budget; on 429 pause the affected chat and retry.

    ``rate_limit_args`` is the number of retries after a 429 (default 1 for direct replies); the
    delivery worker passes 0 and reschedules the message itself.
    """

    def __init__(self, messages_per_second: float, *, max_retries: int = 1) -> None:
        # A tenth of a second's budget per bucket: a whole second's worth sent in one burst
        # would overshoot Telegram's per-second window and earn 429s.
        self._limiter = AsyncLimiter(max(1.0, messages_per_second / 10), 0.1)
        self._max_retries = max_retries
        self._paused_until: dict[object, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up: the limiter is created with the pacer."""

    async def shutdown(self) -> None:
        self._paused_until.clear()

    def pause(self, chat_id: object, seconds: float) -> None:
        """Hold back sends to ``chat_id`` for ``seconds`` (Telegram told us to)."""
        until = time.monotonic() + seconds
        self._paused_until[chat_id] = max(until, self._paused_until.get(chat_id, 0.0))

    async def _wait_for_chat(self, chat_id: object) -> None:
        until = self._paused_until.get(chat_id)
        if until is None:
            return
        delay = until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        elif self._paused_until.get(chat_id) == until:
            del self._paused_until[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in SENDING_METHODS:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._wait_for_chat(chat_id)
            async with self._limiter:
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    seconds = retry_seconds(exc)
                    self.pause(chat_id, seconds)
                    if attempt == retries:
                        raise
                    log.info("429 for chat %s: retrying in %.1f s", chat_id, seconds)
        raise AssertionError("unreachable")  # pragma: no cover
