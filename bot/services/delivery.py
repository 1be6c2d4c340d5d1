"""The delivery worker: drains the outbox under Telegram's limits and records every outcome.

Pacing: the Bot's ``TelegramPacer`` holds the overall messages-per-second budget that direct
replies share; this worker adds Telegram's per-chat limits (one message a second in a private
chat, twenty a minute in a group), which python-telegram-bot's own limiter does not apply.

Restarts: rows are claimed ('sending') in one transaction before they are sent and their outcomes
written in one transaction after, so a graceful stop, which lets the batch in flight finish,
loses and repeats nothing. The one window no design closes: a request that reached Telegram but
whose answer never came back (the process killed mid-send, a timeout after Telegram accepted).
Telegram's sendMessage has no idempotency key, so such a message is either lost or repeated.
Policy: repeat it (at least once). A duplicate announcement costs a moment; a missing one (a moved
meeting, a cancelled session) costs the member. The row's reason says it was resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.config import DeliveryConfig
from bot.db.database import utcnow
from bot.db.outbox import OutboxRepository, OutboxRow, Outcome, Status
from bot.pacing import retry_seconds

log = logging.getLogger(__name__)

# A batch is about half a second of sending at the configured pace (at most 64 at once), so a
# graceful stop, which lets the batches in flight finish, takes about a second.
MAX_BATCH = 64
# Batches in flight at once: one is claimed while another waits for Telegram's answers. Order
# per chat still holds: a chat with a message in flight has nothing claimable.
LANES = 2
# Called after each batch with the (kind, ref_id) pairs whose rows reached a final state.
ProgressHook = Callable[[set[int]], Awaitable[None]]


def _classify_forbidden(message: str) -> tuple[Status, str]:
    text = message.lower()
    if "blocked by the user" in text:
        return Status.BLOCKED, "blocked the bot"
    if "can't initiate conversation" in text or "bot can't send messages to bots" in text:
        return Status.NOT_STARTED, "never started the bot"
    if "deactivated" in text:
        return Status.FAILED, "account deleted"
    return Status.FAILED, message


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        outbox: OutboxRepository,
        config: DeliveryConfig,
        *,
        on_blocked: Callable[[int], Awaitable[None]],
        on_migrated: Callable[[int, int], Awaitable[None]],
        concurrency: int = 4,
    ) -> None:
        self._bot = bot
        self._outbox = outbox
        self._config = config
        self._on_blocked = on_blocked
        self._on_migrated = on_migrated
        self._progress_hooks: dict[str, ProgressHook] = {}
        self._next_allowed: dict[int, datetime] = {}
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._busy = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._batch = max(1, min(MAX_BATCH, int(config.messages_per_second / 2)))
        self._sending = asyncio.Semaphore(concurrency)

    def on_progress(self, kind: str, hook: ProgressHook) -> None:
        """Tell ``hook`` which of its ref ids had rows finish (e.g. to report a broadcast)."""
        self._progress_hooks[kind] = hook

    # -- life cycle

    async def start(self) -> None:
        recovered = await self._outbox.recover_interrupted()
        if recovered:
            log.warning(
                "%s message(s) were mid-send when the bot stopped; sending again", recovered
            )
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._run(), name=f"delivery-lane-{lane}") for lane in range(LANES)
        ]

    async def stop(self) -> None:
        """Finish the batches in flight, record them, and stop."""
        self._stopping = True
        self._wake.set()
        await asyncio.gather(*self._tasks)
        self._tasks = []

    def wake(self) -> None:
        """New rows were written: look now rather than at the next timer."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("delivery batch failed; retrying shortly")
                sent = 0
                await asyncio.sleep(1)
            if sent or self._stopping:
                continue
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        # Clear before looking: a wake() that lands while we query is kept, not lost.
        self._wake.clear()
        next_due = await self._outbox.next_due()
        timeout = 60.0 if next_due is None else (next_due - utcnow()).total_seconds()
        if timeout <= 0 or self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), min(timeout, 60.0))

    # -- one batch

    def _paced_until(self, chat_id: int) -> datetime | None:
        allowed = self._next_allowed.get(chat_id)
        return allowed if allowed is not None and allowed > utcnow() else None

    def _reserve(self, chat_id: int) -> None:
        """Take the chat's next slot: 1/s in a private chat, 20/min in a group."""
        if chat_id > 0:
            interval = 1 / self._config.private_chat_per_second
        else:
            interval = 60 / self._config.group_per_minute
        self._next_allowed[chat_id] = utcnow() + timedelta(seconds=interval)
        if len(self._next_allowed) > 50_000:  # forget chats whose slot has long passed
            now = utcnow()
            self._next_allowed = {c: t for c, t in self._next_allowed.items() if t > now}

    async def run_once(self) -> int:
        """Send one batch of due messages; return how many were attempted."""
        self._busy += 1
        try:
            rows = await self._outbox.claim_due(utcnow(), self._batch, self._paced_until)
            for row in rows:
                self._reserve(row.chat_id)
            outcomes = list(await asyncio.gather(*(self._send(row) for row in rows)))
            await self._outbox.record(outcomes)
            await self._after(rows, outcomes)
            return len(rows)
        finally:
            self._busy -= 1
            async with self._progress:
                self._progress.notify_all()

    async def _send(self, row: OutboxRow) -> Outcome:
        markup = (
            InlineKeyboardMarkup.de_json(json.loads(row.reply_markup), self._bot)
            if row.reply_markup
            else None
        )
        try:
            async with self._sending:
                message = await self._bot.send_message(
                    row.chat_id, row.text, reply_markup=markup, rate_limit_args=0
                )
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            return self._retry(row, f"429: retry after {wait:g} s", wait, counts=False)
        except Forbidden as exc:
            status, reason = _classify_forbidden(exc.message)
            return Outcome(row.id, status, reason)
        except ChatMigrated as exc:
            await self._on_migrated(row.chat_id, exc.new_chat_id)
            await self._outbox.move_chat(row.chat_id, exc.new_chat_id)
            return self._retry(row, "group became a supergroup", 0, counts=False)
        except BadRequest as exc:
            # Retrying cannot help: the chat is gone or the message is malformed.
            return Outcome(row.id, Status.FAILED, exc.message)
        except NetworkError as exc:  # includes TimedOut
            if row.attempts >= self._config.max_attempts:
                return Outcome(row.id, Status.FAILED, f"network: {exc.message}")
            backoff = self._config.retry_backoff_seconds * 2 ** (row.attempts - 1)
            return self._retry(row, f"network: {exc.message}", backoff * random.uniform(1, 1.5))  # noqa: S311
        except TelegramError as exc:
            return Outcome(row.id, Status.FAILED, exc.message)
        return Outcome(row.id, Status.SENT, message_id=message.message_id)

    def _retry(
        self, row: OutboxRow, reason: str, seconds: float, *, counts: bool = True
    ) -> Outcome:
        if seconds > 0:
            self._next_allowed[row.chat_id] = utcnow() + timedelta(seconds=seconds)
        return Outcome(
            row.id,
            Status.PENDING,
            reason,
            not_before=utcnow() + timedelta(seconds=seconds),
            refund_attempt=not counts,
        )

    async def _after(self, rows: list[OutboxRow], outcomes: list[Outcome]) -> None:
        finished: dict[str, set[int]] = {}
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome.status is Status.BLOCKED and row.user_id is not None:
                await self._on_blocked(row.user_id)
            if outcome.status is not Status.PENDING and row.ref_id is not None:
                finished.setdefault(row.kind, set()).add(row.ref_id)
        for kind, ref_ids in finished.items():
            hook = self._progress_hooks.get(kind)
            if hook is not None:
                await hook(ref_ids)
        if any(o.status is Status.PENDING for o in outcomes):
            self._wake.set()

    # -- for tests and benchmarks

    async def idle(self) -> None:
        """Wait until nothing is due now and no batch is in flight."""
        await self._wait(until_drained=False)

    async def drained(self) -> None:
        """Wait until every message has a final outcome (retries included)."""
        await self._wait(until_drained=True)

    async def _wait(self, *, until_drained: bool) -> None:
        async with self._progress:
            while True:
                if self._busy:
                    await self._progress.wait()
                    continue
                next_due = await self._outbox.next_due()
                if next_due is None:
                    return
                delay = (next_due - utcnow()).total_seconds()
                if delay > 0 and not until_drained:
                    return
                if delay <= 0:
                    self._wake.set()  # work is due: make sure a lane is looking
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), max(delay, 0) + 1)
