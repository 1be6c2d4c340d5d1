"""The delivery worker: drains the outbox under Telegram's limits and records every outcome.

Pacing: the Bot's ``TelegramPacer`` holds the overall messages-per-second budget and each chat's
slot clock (one message a second in a private chat, twenty a minute in a group), shared with
direct replies, so a group's replies and its announcements together stay within its limit.

The crash window. A feeder reads due rows into memory without claiming them; ``concurrency``
senders each take one, wait for the chat's slot and the overall budget, and only then claim the
row ('sending') and send it. Claims and outcomes are written by a group commit (one transaction
for whatever the senders did while the previous one ran, well under 50 ms), and a sender takes its
next row only once its outcome is committed. So at any instant at most ``concurrency`` rows are
'sending': after a kill -9 those are the only ones sent again, and a graceful stop, which lets
the requests in flight finish, repeats nothing. The one window no design closes is a request that
reached Telegram but whose answer never came back: ``sendMessage`` has no idempotency key, so
such a message is either lost or repeated. Policy: repeat it (at least once). A duplicate
announcement costs a moment; a missing one (a moved meeting) costs the member. The row's reason
says it was resent.

Quiet hours and pauses. Before queueing a page, the feeder asks the hold hook (QuietService) about
its holdable rows; those it holds get ``held_until`` and drop out of the indexes the feeder reads,
so they cost nothing and block no later row to the same chat until the release job frees them.
The hooks live in ``delivery_hooks``; what a failed send means, in ``delivery_outcomes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, RetryAfter, TelegramError

from bot.config import DeliveryConfig
from bot.db.database import utcnow
from bot.db.outbox import EDIT_KIND, OutboxRepository, OutboxRow, Outcome, Status
from bot.pacing import Slot, TelegramPacer, retry_seconds
from bot.services.delivery_hooks import CheckHook, DeliveryHooks, HoldHook, ProgressHook
from bot.services.delivery_outcomes import error_outcome, retry_outcome
from bot.services.group_commit import GroupCommit

log = logging.getLogger(__name__)

# Rows read ahead into memory (unclaimed, so a crash costs nothing): about a quarter of a
# second at the configured pace, at least two per sender.
MAX_PREFETCH = 256
# While rows are in flight, progress hooks hear of finished rows at most this often.
PROGRESS_BATCH_SECONDS = 0.2
# A 429 about a private chat with at most this retry_after holds back every sender, not one chat.
GLOBAL_HOLD_MAX_SECONDS = 5.0
# The kind of outbox row that holds a direct reply the chat had no budget for.
REPLY_KIND = "reply"

__all__ = ["CheckHook", "DeliveryWorker", "HoldHook", "ProgressHook"]


class DeliveryWorker:
    def __init__(
        self,
        bot: Bot,
        outbox: OutboxRepository,
        config: DeliveryConfig,
        pacer: TelegramPacer,
        *,
        on_blocked: Callable[[int], Awaitable[None]],
        on_migrated: Callable[[int, int], Awaitable[None]],
        concurrency: int = 4,
    ) -> None:
        self._bot = bot
        self._outbox = outbox
        self._config = config
        self._pacer = pacer
        self._on_blocked = on_blocked
        self._on_migrated = on_migrated
        self._concurrency = concurrency
        self._commit = GroupCommit(outbox)
        self._hooks = DeliveryHooks(outbox)
        self._finished: dict[str, set[int]] = {}
        self._blocked: set[int] = set()
        self._reporting: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[OutboxRow | None] = asyncio.Queue()
        self._held: set[int] = set()  # chats with a row in memory: queued or in flight
        self._read_up_to = 0  # the feeder's place in the outbox
        self._soonest: float | None = None  # monotonic time a row put off or retried is due
        self._held_back_until = 0.0  # monotonic: Telegram asked the whole bot to slow down
        self._prefetch = max(
            2 * concurrency, min(MAX_PREFETCH, int(config.messages_per_second / 4))
        )
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def on_progress(self, kind: str, hook: ProgressHook) -> None:
        """Tell ``hook`` which of its ref ids had rows finish (e.g. to report a broadcast)."""
        self._hooks.on_progress(kind, hook)

    def on_hold(self, hook: HoldHook) -> None:
        """Ask ``hook`` about holdable rows before sending them (quiet hours and pauses)."""
        self._hooks.on_hold(hook)

    def on_check(self, kind: str, hook: CheckHook) -> None:
        """Ask ``hook`` about due rows of ``kind`` before sending (or holding) them."""
        self._hooks.on_check(kind, hook)

    # -- life cycle

    async def start(self) -> None:
        recovered = await self._outbox.recover_interrupted()
        if recovered:
            log.warning(
                "%s message(s) were mid-send when the bot stopped; sending again", recovered
            )
        self._stopping = False
        self._tasks = [asyncio.create_task(self._feed(), name="delivery-feeder")] + [
            asyncio.create_task(self._send_loop(), name=f"delivery-sender-{n}")
            for n in range(self._concurrency)
        ]

    async def stop(self) -> None:
        """Let the requests in flight finish and record them; leave the rest pending."""
        self._stopping = True
        self._wake.set()
        while not self._queue.empty():  # read ahead but not claimed: they stay pending
            row = self._queue.get_nowait()
            if row is not None:
                self._release(row)
        for _ in range(self._concurrency):
            self._queue.put_nowait(None)
        await asyncio.gather(*self._tasks)
        await self._commit.drain()
        if self._reporting is not None:
            await asyncio.gather(self._reporting, return_exceptions=True)
        self._tasks = []

    def wake(self) -> None:
        """New rows were written: look now rather than at the next timer."""
        self._wake.set()

    async def defer_reply(
        self, chat_id: int, text: str, reply_markup: str | None, reply_to: int | None, delay: float
    ) -> bool:
        """Queue a direct reply the chat had no budget for (the pacer's overflow)."""
        at = utcnow() + timedelta(seconds=delay)
        key = f"{REPLY_KIND}:{chat_id}:{uuid.uuid4().hex}"
        added = await self._outbox.add_reply(
            key, chat_id, REPLY_KIND, text, reply_markup, reply_to, at
        )
        self.wake()
        return added

    # -- the feeder: reads due rows ahead, claims nothing

    async def _feed(self) -> None:
        while not self._stopping:
            # Clear before reading: a wake() that lands while we read is kept, not lost.
            self._wake.clear()
            try:
                more = await self._feed_once()
            except Exception:
                log.exception("reading the outbox failed; retrying shortly")
                await asyncio.sleep(1)
                continue
            if self._stopping:
                return
            if len(self._held) > self._prefetch // 2:
                await self._wait_for_wake(1.0)  # a release at half-empty wakes us
            elif more:
                continue  # a full page: more rows are due now
            elif self._held:
                # The end of what is due; the rows in flight wake us as they finish, and rows
                # put off (a chat's slot, a retry) are due at the time we noted.
                await self._wait_for_wake(min(1.0, self._until_soonest()))
            else:
                await self._sleep_until_due()

    async def _feed_once(self) -> bool:
        """Queue due rows whose chat is free; True if the page was full (more may be due)."""
        room = self._prefetch - len(self._held)
        if room <= 0:
            return False
        # Read on from the last row read, so rows already in memory are not read again and again;
        # at the end, start over from the oldest (rows put off or retried may be due by then).
        rows = await self._outbox.due(utcnow(), room, self._read_up_to)
        more = len(rows) == room
        self._read_up_to = rows[-1].id if more else 0
        if self._stopping:
            return False
        dropped = await self._hooks.check(rows)  # stale rows are cancelled, not sent
        if dropped:
            rows = [row for row in rows if row.id not in dropped]
            more = True  # rows queued behind the dropped ones in their chats are due now
        held = await self._hooks.hold(rows)  # quiet hours and pauses
        if held:
            self._held_rows([row for row in rows if row.id in held])
            rows = [row for row in rows if row.id not in held]
            more = True  # rows queued behind the held ones in their chats are due now
        for row in rows:
            if row.chat_id in self._held:
                continue
            wait = self._pacer.ready_in(row.chat_id)
            if wait > 0:
                self._put_off(row.id, wait)
                continue
            self._held.add(row.chat_id)
            self._queue.put_nowait(row)
        return more

    def _held_rows(self, rows: list[OutboxRow]) -> None:
        """Rows held for quiet hours count as done for now: their cause may report."""
        for row in rows:
            if self._hooks.reports(row):
                self._finished.setdefault(row.kind, set()).add(row.ref_id)
        if self._finished and (self._reporting is None or self._reporting.done()):
            self._reporting = asyncio.create_task(self._report(), name="delivery-progress")

    def _put_off(self, row_id: int, seconds: float) -> None:
        """The row's chat has no slot for ``seconds``: write that down, and look again then."""
        self._commit.postpone(row_id, utcnow() + timedelta(seconds=seconds))
        self._note_due_in(seconds)

    def _note_due_in(self, seconds: float) -> None:
        at = time.monotonic() + seconds
        if self._soonest is None or at < self._soonest:
            self._soonest = at

    def _until_soonest(self) -> float:
        if self._soonest is None:
            return 60.0
        left = self._soonest - time.monotonic()
        if left <= 0:
            self._soonest = None
        return max(left, 0.0)

    async def _wait_for_wake(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(seconds, 0.01))

    async def _sleep_until_due(self) -> None:
        """Nothing in memory: ask the outbox when its next row is due (new rows wake us)."""
        next_due = await self._outbox.next_due()
        if self._stopping:
            return
        timeout = 60.0 if next_due is None else (next_due - utcnow()).total_seconds()
        # A row due now but not fed is being put off (its write is on its way): look again soon.
        await self._wait_for_wake(
            min(timeout, self._until_soonest(), 60.0) if timeout > 0 else 0.05
        )

    def _release(self, row: OutboxRow) -> None:
        self._held.discard(row.chat_id)
        if len(self._held) <= self._prefetch // 2:
            self._wake.set()

    # -- the senders: one row at a time each

    async def _send_loop(self) -> None:
        while (row := await self._queue.get()) is not None:
            try:
                await self._deliver(row)
            except Exception:
                log.exception("delivering outbox row %s failed; it stays queued", row.id)
                await asyncio.sleep(1)
            finally:
                self._release(row)
                async with self._progress:
                    self._progress.notify_all()

    async def _deliver(self, row: OutboxRow) -> None:
        if self._stopping:
            return
        held = self._held_back_until - time.monotonic()
        if held > 0:
            await asyncio.sleep(held)
        await self._pacer.overall_slot()
        if self._stopping:
            return
        if not self._pacer.claim(row.chat_id):  # a direct reply took the chat's slot meanwhile
            self._put_off(row.id, self._pacer.ready_in(row.chat_id))
            return
        if not await self._commit.claim(row.id):
            return  # no longer pending: cancelled while it waited
        outcome = await self._send(row)
        committed = self._commit.record(outcome)
        committed.add_done_callback(lambda done: self._recorded(row, outcome, done))

    async def _send(self, row: OutboxRow) -> Outcome:
        markup = (
            InlineKeyboardMarkup.de_json(json.loads(row.reply_markup), self._bot)
            if row.reply_markup
            else None
        )
        if row.kind == EDIT_KIND and row.reply_to_message_id is not None:
            return await self._edit(row, markup)
        try:
            quote = (
                ReplyParameters(row.reply_to_message_id, allow_sending_without_reply=True)
                if row.reply_to_message_id is not None
                else None
            )
            message = await self._bot.send_message(
                row.chat_id,
                row.text,
                reply_markup=markup,
                reply_parameters=quote,
                rate_limit_args=Slot.ALL,
            )
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if row.chat_id > 0 and wait <= GLOBAL_HOLD_MAX_SECONDS:
                # A private chat kept to its own pace, so Telegram means the bot's overall
                # rate: every sender waits, instead of meeting the same 429 for each recipient.
                self._held_back_until = max(self._held_back_until, time.monotonic() + wait)
            return retry_outcome(row, f"429: retry after {wait:g} s", wait, counts=False)
        except ChatMigrated as exc:
            await self._on_migrated(row.chat_id, exc.new_chat_id)
            await self._outbox.move_chat(row.chat_id, exc.new_chat_id)
            return retry_outcome(row, "group became a supergroup", 0, counts=False)
        except TelegramError as exc:  # blocked, bad request, network: see delivery_outcomes
            return error_outcome(row, exc, self._config)
        return Outcome(row.id, Status.SENT, message_id=message.message_id)

    async def _edit(self, row: OutboxRow, markup: InlineKeyboardMarkup | None) -> Outcome:
        """An ``EDIT_KIND`` row: edit the message it names, retried like a send."""
        message_id = row.reply_to_message_id
        try:
            await self._bot.edit_message_text(
                row.text, row.chat_id, message_id, reply_markup=markup, rate_limit_args=Slot.ALL
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:  # already showing it (edited elsewhere)
                return error_outcome(row, exc, self._config)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            return retry_outcome(row, f"429: retry after {wait:g} s", wait, counts=False)
        except TelegramError as exc:
            return error_outcome(row, exc, self._config)
        return Outcome(row.id, Status.SENT, message_id=message_id)

    def _recorded(self, row: OutboxRow, outcome: Outcome, done: asyncio.Future[bool]) -> None:
        """The row's outcome is committed: wake, release a backlog slot, tell the hooks."""
        if done.cancelled() or done.exception() is not None:
            return  # not recorded: the row stays 'sending' and is sent again at start-up
        if outcome.status is Status.PENDING:
            if outcome.not_before is not None:
                self._note_due_in((outcome.not_before - utcnow()).total_seconds())
            self._wake.set()
            return
        if row.chat_id < 0:
            # A group's rows wait for the one before them (posts, their edits): the next may be
            # due now that this one is recorded (the feeder read before it was).
            self._wake.set()
        if row.kind == REPLY_KIND:
            self._pacer.backlog_done(row.chat_id)
        if outcome.status is Status.BLOCKED and row.user_id is not None:
            self._blocked.add(row.user_id)
        if self._hooks.reports(row):
            self._finished.setdefault(row.kind, set()).add(row.ref_id)
        if not (self._blocked or self._finished):
            return
        if self._reporting is None or self._reporting.done():
            self._reporting = asyncio.create_task(self._report(), name="delivery-progress")

    async def _report(self) -> None:
        """Mark blocked members and tell the progress hooks, batched while the last call ran."""
        if self._held:  # more will finish in a moment: tell the hooks a batch, not each row
            await asyncio.sleep(PROGRESS_BATCH_SECONDS)
        while self._finished or self._blocked:
            blocked, self._blocked = self._blocked, set()
            for user_id in blocked:
                try:
                    await self._on_blocked(user_id)
                except Exception:
                    log.exception("could not mark user %s unreachable", user_id)
            finished, self._finished = self._finished, {}
            await self._hooks.report(finished)
            self._wake.set()  # a hook may have queued a message (a delivery report)

    # -- for tests and benchmarks

    async def idle(self) -> None:
        """Wait until nothing is due now and nothing is in flight."""
        await self._wait(until_drained=False)

    async def drained(self) -> None:
        """Wait until every message has a final outcome (retries included), or is held."""
        await self._wait(until_drained=True)

    def _busy(self) -> bool:
        reporting = self._reporting is not None and not self._reporting.done()
        return bool(self._held) or self._commit.busy() or reporting

    async def _wait(self, *, until_drained: bool) -> None:
        async with self._progress:
            while True:
                if self._busy():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._progress.wait(), 0.1)
                    continue
                next_due = await self._outbox.next_due()
                if self._busy():
                    continue  # a row was read and claimed while we asked: it is no longer pending
                if next_due is None:
                    return
                delay = (next_due - utcnow()).total_seconds()
                if delay > 0 and not until_drained:
                    return
                if delay <= 0:
                    self._wake.set()  # work is due: make sure the feeder is looking
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._progress.wait(), delay + 1 if delay > 0 else 0.05)
