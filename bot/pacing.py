"""Outgoing pacing: one budget for every message the bot sends, and one slot clock per chat.

Telegram allows about 30 messages a second overall, one a second in a private chat and twenty a
minute in a group; past them it answers 429 with ``retry_after``. python-telegram-bot's own
``AIORateLimiter`` pauses *every* request after one 429 and knows nothing of per-chat limits, so the
bot uses this limiter instead, shared by direct replies and the delivery worker:

- the overall budget is an ``AsyncLimiter`` every sending request passes through;
- each chat has a slot clock (monotonic, sub-second): when it may take its next message, one a
  second in a private chat; in a group at most twenty in any minute and a second apart. Direct
  replies and the worker both take slots from it, so a group's replies and its announcements
  together stay within its limit;
- a 429 moves that chat's clock to when Telegram allows it again, and nothing else waits.

An update handler must never wait long on Telegram: a direct reply to a chat that is out of budget
is not waited for but handed to ``overflow`` (the outbox), which sends it when the chat's slot
comes. See ``bot/handlers/common.py`` for the reply side and ``bot/services/delivery.py`` for the
worker's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from enum import Enum
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
# A group's messages are at least this far apart (and at most ``group_per_minute`` in a minute).
GROUP_SPACING_SECONDS = 1.0
# Above this many a minute a group's minute is not tracked (tests and benchmarks set it high).
MAX_WINDOW = 1000
# Seconds of a private chat's budget a direct reply may borrow (see ``TelegramPacer.claim``).
PRIVATE_BURST_SECONDS = 2.0
# The longest a direct request waits in place for a chat that Telegram paused: past it the caller
# gets the 429 at once and hands the message to the outbox.
INLINE_WAIT_SECONDS = 1.0

# (chat id, HTML text, reply markup as JSON or None, message quoted or None, seconds until the
# chat's slot) -> whether a new outbox row was written (False: an identical reply already waits,
# and this one merged into it)
Overflow = Callable[[int, str, str | None, int | None, float], Awaitable[bool]]


class Slot(Enum):
    """``rate_limit_args`` values: who already took which part of the budget.

    python-telegram-bot drops a falsy ``rate_limit_args`` (``if not rate_limit_args``), so these
    are enum members, which are always truthy.
    """

    CHAT = "chat"  # the caller took the chat's slot; the overall budget is still to pass
    ALL = "all"  # the caller (the delivery worker) took both; send now, never retry in place


def retry_seconds(error: RetryAfter) -> float:
    """Seconds to wait after a 429, whichever type this PTB version reports."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_key(data: dict[str, Any]) -> object:
    chat_id = data.get("chat_id")
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[arg-type]
    return chat_id


class TelegramPacer(BaseRateLimiter[Slot]):
    """Share one messages-per-second budget and a slot clock per chat; a 429 pauses one chat."""

    def __init__(
        self,
        messages_per_second: float,
        *,
        private_chat_per_second: float = 1.0,
        group_per_minute: float = 20.0,
        max_retries: int = 1,
    ) -> None:
        # A tenth of a second's budget per bucket: a whole second's worth sent in one burst
        # would overshoot Telegram's per-second window and earn 429s.
        self._limiter = AsyncLimiter(max(1.0, messages_per_second / 10), 0.1)
        self._private_interval = 1 / private_chat_per_second
        # A group: at most ``group_per_minute`` in any minute, and a second between messages.
        self._group_interval = min(GROUP_SPACING_SECONDS, 60 / group_per_minute)
        self._group_window = int(group_per_minute) if group_per_minute <= MAX_WINDOW else 0
        self._max_retries = max_retries
        self._next_slot: dict[object, float] = {}
        self._sent: dict[object, deque[float]] = {}  # a group's sends in the last minute
        self._paused_until: dict[object, float] = {}
        self._backlog: dict[int, int] = {}
        self.overflow: Overflow | None = None

    async def initialize(self) -> None:
        """Nothing to set up: the limiter is created with the pacer."""

    async def shutdown(self) -> None:
        self._next_slot.clear()
        self._sent.clear()
        self._paused_until.clear()
        self._backlog.clear()

    # -- the per-chat slot clock

    def _interval(self, chat_id: object) -> float:
        if isinstance(chat_id, int) and chat_id > 0:
            return self._private_interval
        return self._group_interval  # groups, supergroups and channels (negative ids, @names)

    def paused_for(self, chat_id: object) -> float:
        """Seconds Telegram still holds ``chat_id`` back after a 429 (0 when it does not)."""
        until = self._paused_until.get(chat_id)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._paused_until[chat_id]
            return 0.0
        return left

    def _minute_full_for(self, chat_id: object, now: float) -> float:
        """Seconds until a group's last minute has room again (0 if it has now)."""
        sent = self._sent.get(chat_id)
        if not sent or not self._group_window:
            return 0.0
        while sent and sent[0] <= now - 60:
            sent.popleft()
        return sent[0] + 60 - now if len(sent) >= self._group_window else 0.0

    def _note_sent(self, chat_id: object, now: float) -> None:
        if self._group_window and not (isinstance(chat_id, int) and chat_id > 0):
            self._sent.setdefault(chat_id, deque(maxlen=self._group_window)).append(now)

    def ready_in(self, chat_id: object) -> float:
        """Seconds until ``chat_id`` may take a message (0 when it may now)."""
        now = time.monotonic()
        slot = self._next_slot.get(chat_id)
        budget = 0.0 if slot is None else max(0.0, slot - now)
        return max(budget, self._minute_full_for(chat_id, now), self.paused_for(chat_id))

    def claim(self, chat_id: object, *, burst: float = 0.0) -> bool:
        """Take the chat's next slot if it is free now; False (nothing taken) when it is not.

        ``burst`` lends that many seconds of the chat's future budget: a person tapping a button
        and typing a command within a second gets both answers at once (Telegram tolerates such
        short bursts in a private chat), while announcements keep to the plain spacing.
        """
        now = time.monotonic()
        if self.paused_for(chat_id) > 0 or self._minute_full_for(chat_id, now) > 0:
            return False
        slot = self._next_slot.get(chat_id, now)
        if slot - now > burst:
            return False
        self._next_slot[chat_id] = max(slot, now) + self._interval(chat_id)
        self._note_sent(chat_id, now)
        if len(self._next_slot) > 50_000:  # forget chats whose slot has long passed
            self._next_slot = {c: t for c, t in self._next_slot.items() if t > now}
            self._sent = {c: s for c, s in self._sent.items() if s and s[-1] > now - 60}
        return True

    def claim_reply(self, chat_id: int) -> bool:
        """A direct reply's claim: a private chat may borrow a little; a group may not."""
        return self.claim(chat_id, burst=PRIVATE_BURST_SECONDS if chat_id > 0 else 0.0)

    def _count(self, chat_id: object) -> None:
        """A send that claimed no slot (an edit after a button press) still uses the budget.

        It does not wait for the slot: the person just pressed a button and watches for the
        answer, and Telegram tolerates such bursts; only a 429 pause holds it back.
        """
        now = time.monotonic()
        self._next_slot[chat_id] = max(self._next_slot.get(chat_id, now), now) + self._interval(
            chat_id
        )
        self._note_sent(chat_id, now)

    def pause(self, chat_id: object, seconds: float) -> None:
        """Hold back sends to ``chat_id`` for ``seconds`` (Telegram told us to)."""
        until = time.monotonic() + seconds
        self._paused_until[chat_id] = max(until, self._paused_until.get(chat_id, 0.0))

    # -- replies that wait in the outbox

    def has_backlog(self, chat_id: int) -> bool:
        """Whether replies to this chat wait in the outbox (a new one must queue behind them)."""
        return self._backlog.get(chat_id, 0) > 0

    async def defer(
        self, chat_id: int, text: str, reply_markup: str | None, reply_to: int | None = None
    ) -> None:
        """Hand a reply to the outbox, to go out when the chat's slot comes."""
        if self.overflow is None:
            raise RuntimeError("no overflow: the pacer is not wired to an outbox")
        if await self.overflow(chat_id, text, reply_markup, reply_to, self.ready_in(chat_id)):
            self._backlog[chat_id] = self._backlog.get(chat_id, 0) + 1

    def backlog_done(self, chat_id: int) -> None:
        """One deferred reply to ``chat_id`` reached its outcome."""
        left = self._backlog.get(chat_id, 0) - 1
        if left > 0:
            self._backlog[chat_id] = left
        else:
            self._backlog.pop(chat_id, None)

    # -- the overall budget

    async def overall_slot(self) -> None:
        """Wait for a share of the overall messages-per-second budget."""
        await self._limiter.acquire()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Slot | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint not in SENDING_METHODS:
            return await callback(*args, **kwargs)
        chat_id = _chat_key(data)
        if rate_limit_args is Slot.ALL:
            return await self._call(callback, args, kwargs, chat_id)
        counted = rate_limit_args is Slot.CHAT
        for attempt in range(self._max_retries + 1):
            wait = self.paused_for(chat_id)
            if wait > INLINE_WAIT_SECONDS:
                raise RetryAfter(timedelta(seconds=max(1, round(wait))))
            if wait:
                await asyncio.sleep(wait)
            if not counted:
                self._count(chat_id)
                counted = True
            async with self._limiter:
                try:
                    return await self._call(callback, args, kwargs, chat_id)
                except RetryAfter as exc:
                    if attempt == self._max_retries or retry_seconds(exc) > INLINE_WAIT_SECONDS:
                        raise
                    log.info("429 for chat %s: retrying in %.1f s", chat_id, retry_seconds(exc))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        chat_id: object,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.pause(chat_id, retry_seconds(exc))
            raise
