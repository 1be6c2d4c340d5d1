"""The durable fan-out of quick polls, and their stops: a background worker over ``poll_sends``.

Creating a poll writes one ``poll_sends`` row per chat it goes to (each member's private chat, or
the hub's group) in the poll's own transaction; this worker sends them one by one, paced by the
Bot's rate limiter (``TelegramPacer``: the overall budget and each chat's slot, shared with the
delivery worker and direct replies), outside any update handler. It starts with the bot and
resumes what a restart interrupted; a row 'sending' at a kill -9 is sent again (at least once,
as the outbox does: sendPoll has no idempotency key).

Closing a poll only marks it closed and cancels its pending sends (in one transaction); this
worker then stops every message of a closed poll that Telegram still holds open, at start-up too,
so a crash between the close and stopPoll leaves no poll open. A send racing the close (in flight
when it committed) is stopped right after. Each send is checked against the poll's status in the
same statement that claims it.

Once a closed poll's messages are all stopped, its results are built from the final counts and
written to the outbox in the transaction that marks them queued (once, across crashes). A named
poll's results also wait until the answers read account for the voters stopPoll counted: a vote
cast while the bot was down is read only after the stop (the close fires at start-up, before the
pending updates), and Telegram sends no answer for a vote after the stop, so every one read late
counts. Answers that never will (a stranger in the group) are waited for ``ANSWERS_GRACE`` after
the close (or the start, whichever is later), then the results go with the hub's members' votes.

Once a private poll's sends are all done, its author is told how many were reached and why the
others were not. A group poll Telegram refuses is removed, with its schedules, and its author is
told.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram import Bot, InputPollOption
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.config import DeliveryConfig
from bot.db.database import Database, utcnow
from bot.db.outbox import OutboxRepository, Status
from bot.db.poll_sends import BLOCKED, FAILED, NOT_STARTED, PollSendRepository
from bot.db.polls import PollMessage, PollRepository, PollRow
from bot.pacing import Slot, TelegramPacer, retry_seconds
from bot.services.delivery_outcomes import classify_forbidden
from bot.services.poll_results import PollOutcomes
from bot.services.poll_types import CLOSE_KIND, CLOSED, REMIND_KIND, PollError
from bot.services.scheduling import Scheduler

log = logging.getLogger(__name__)

ANSWERS_GRACE = timedelta(minutes=1)  # how long results wait for answers Telegram counted
BATCH = 50  # rows read per pass; the stops of a poll closed meanwhile come first in the next
SENT_NOW, LATER, REFUSED = "sent", "later", "refused"
_STATUS = {Status.BLOCKED: BLOCKED, Status.NOT_STARTED: NOT_STARTED, Status.FAILED: FAILED}


class PollSender:
    def __init__(
        self,
        db: Database,
        polls: PollRepository,
        sends: PollSendRepository,
        outcomes: PollOutcomes,
        scheduler: Scheduler,
        bot: Bot,
        pacer: TelegramPacer | None,
        config: DeliveryConfig,
        *,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        wake_delivery: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._repo = polls
        self._sends = sends
        self._outcomes = outcomes
        self._scheduler = scheduler
        self._bot = bot
        self._pacer = pacer
        self._config = config
        self._on_blocked = on_blocked
        self._wake_delivery = wake_delivery or (lambda: None)
        self._wake = asyncio.Event()
        self._idle = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._pass_no = 0
        self._idle_no = 0
        self._started_at = scheduler.clock.now()

    # -- life cycle

    async def start(self) -> None:
        recovered = await self._sends.recover()
        if recovered:
            log.warning("%s poll(s) were mid-send when the bot stopped; sending again", recovered)
        self._stopping = False
        # Answers cast while the bot was down are read once it polls again: after this start.
        self._started_at = self._scheduler.clock.now()
        self._task = asyncio.create_task(self._run(), name="poll-sender")

    async def stop(self) -> None:
        """Finish the request in flight; leave the rest for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> None:
        """Wait for a pass that found nothing due (tests, benchmarks)."""
        asked = self._pass_no
        self._wake.set()
        async with self._idle:
            while self._task is not None and not self._task.done() and self._idle_no <= asked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), 0.1)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._pass_no += 1
            number = self._pass_no
            try:
                busy = await self._pass()
            except Exception:
                log.exception("the poll sender failed; trying again shortly")
                await asyncio.sleep(1)
                continue
            if busy or self._stopping:
                continue
            self._idle_no = number
            async with self._idle:
                self._idle.notify_all()
            next_due = await self._sends.next_due()
            timeout = 60.0 if next_due is None else (next_due - utcnow()).total_seconds()
            answers_until = await self._answers_wait_until()
            if answers_until is not None:
                timeout = min(
                    timeout, (answers_until - self._scheduler.clock.now()).total_seconds()
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(max(timeout, 0.01), 60.0))

    async def _pass(self) -> bool:
        """Stop what closed, say what finished, send what is due; True if anything was done."""
        busy = False
        for message in await self._sends.to_stop(utcnow(), BATCH):
            if self._stopping:
                return True
            await self._stop(message)
            busy = True
        busy = await self._finish() or busy
        polls: dict[int, PollRow | None] = {}
        for send in await self._sends.due(utcnow(), BATCH):
            if self._stopping:
                return True
            busy = True
            if send.poll_id not in polls:
                polls[send.poll_id] = await self._repo.get(send.poll_id)
            row = polls[send.poll_id]
            if row is None:
                continue
            if self._pacer is not None:
                await self._pacer.overall_slot()
                if not self._pacer.claim(send.chat_id):
                    at = utcnow() + timedelta(seconds=self._pacer.ready_in(send.chat_id))
                    await self._sends.put_off(row.id, send.chat_id, at, None, refund=False)
                    continue
            if not await self._sends.claim(row.id, send.chat_id):
                continue  # the poll closed: nothing more goes out
            await self._send(row, send.chat_id, send.attempts + 1, inline=False)
            fresh = await self._repo.get(row.id)
            if fresh is None or fresh.status == CLOSED:
                break  # closed meanwhile: the next pass stops what was just sent
        return busy

    # -- sending

    async def send_now(self, row: PollRow, chat_id: int) -> None:
        """Send a group poll from the creating handler; PollError if Telegram refuses it (the
        poll is then removed). A 429 or a network error leaves it to the worker."""
        if not await self._sends.claim(row.id, chat_id):
            return
        if await self._send(row, chat_id, 1, inline=True) == REFUSED:
            raise PollError(await self._outcomes.refused_text(row))

    async def _send(self, row: PollRow, chat_id: int, attempts: int, *, inline: bool) -> str:
        try:
            # Plain text: the bot's default parse mode is HTML, and "Q&A day?" or "<3 days"
            # would be refused (400) or formatted.
            message = await self._bot.send_poll(
                chat_id,
                row.question,
                [InputPollOption(option, text_parse_mode=None) for option in row.options],
                is_anonymous=row.anonymous,
                allows_multiple_answers=row.multiple,
                question_parse_mode=None,
                rate_limit_args=None if inline else Slot.ALL,
            )
        except RetryAfter as error:
            at = utcnow() + timedelta(seconds=retry_seconds(error))
            await self._sends.put_off(row.id, chat_id, at, "429", refund=True)
            self.wake()
            return LATER
        except Forbidden as error:
            status, reason = classify_forbidden(error.message)
            return await self._refused(row, chat_id, _STATUS[status], reason, inline=inline)
        except BadRequest as error:
            return await self._refused(row, chat_id, FAILED, error.message, inline=inline)
        except TelegramError as error:  # the network, a timeout, a migrated group
            if attempts >= self._config.max_attempts:
                return await self._refused(
                    row, chat_id, FAILED, f"network: {error.message}", inline=inline
                )
            backoff = self._config.retry_backoff_seconds * 2 ** (attempts - 1)
            at = utcnow() + timedelta(seconds=backoff * random.uniform(1, 1.5))  # noqa: S311
            await self._sends.put_off(
                row.id, chat_id, at, f"network: {error.message}", refund=False
            )
            self.wake()
            return LATER
        assert message.poll is not None
        await self._sends.sent(row.id, chat_id, message.message_id, message.poll.id)
        return SENT_NOW

    async def _refused(
        self, row: PollRow, chat_id: int, status: str, reason: str, *, inline: bool
    ) -> str:
        log.info("poll %s not sent to %s: %s", row.id, chat_id, reason)
        if row.private:
            await self._sends.finish(row.id, chat_id, status, reason)
            if status == BLOCKED and self._on_blocked is not None:
                await self._on_blocked(chat_id)
            return REFUSED
        # A group poll Telegram refuses is no poll: no row, no closing, no reminder.
        for schedule_id in await self._schedules_of(row.id):
            await self._scheduler.cancel(schedule_id)
        notice = None if inline else await self._outcomes.refused_message(row)
        async with self._db.transaction() as conn:
            await PollSendRepository.delete_poll(conn, row.id)
            if notice is not None:
                await OutboxRepository.add_many(conn, [notice])
        if notice is not None:
            self._wake_delivery()
        return REFUSED

    async def _schedules_of(self, poll_id: int) -> list[int]:
        rows = await self._db.fetch_all(
            "SELECT id FROM schedules WHERE kind IN (?, ?) AND ref_id = ? AND active = 1",
            (CLOSE_KIND, REMIND_KIND, poll_id),
        )
        return [row[0] for row in rows]

    # -- stopping

    async def _stop(self, message: PollMessage) -> None:
        if self._pacer is not None:
            await self._pacer.overall_slot()
        try:
            poll = await self._bot.stop_poll(message.chat_id, message.message_id)
        except (Forbidden, BadRequest) as error:
            # Deleted, already stopped, a chat that blocked the bot: it can never be stopped.
            log.info("stopPoll %s in %s: %s", message.poll_id, message.chat_id, error)
            await self._sends.stopped(message.poll_id, message.chat_id, None, None)
            return
        except RetryAfter as error:
            # Flood control is no failure: it uses none of the network errors' attempts.
            at = utcnow() + timedelta(seconds=retry_seconds(error))
            await self._sends.stop_later(message.poll_id, message.chat_id, at, failed=False)
            return
        except TelegramError as error:
            at = utcnow() + timedelta(seconds=self._config.retry_backoff_seconds)
            attempts = await self._sends.stop_later(message.poll_id, message.chat_id, at)
            if attempts >= self._config.max_attempts:
                log.warning(
                    "stopPoll %s in %s gave up: %s", message.poll_id, message.chat_id, error
                )
                await self._sends.stopped(message.poll_id, message.chat_id, None, None)
            return
        await self._sends.stopped(
            message.poll_id,
            message.chat_id,
            [option.voter_count for option in poll.options],
            poll.total_voter_count,
        )

    # -- what follows: results once every message is stopped, the author's report

    def _answers_closed_before(self) -> datetime | None:
        """Named polls closed before this have waited long enough for their late answers."""
        before = self._scheduler.clock.now() - ANSWERS_GRACE
        return before if before >= self._started_at else None

    async def _answers_wait_until(self) -> datetime | None:
        """When the earliest named poll waiting for its answers stops waiting (if to come)."""
        since = await self._sends.answers_awaited_since()
        if since is None:
            return None
        until = max(since, self._started_at) + ANSWERS_GRACE
        return until if until > self._scheduler.clock.now() else None

    async def _finish(self) -> bool:
        wrote = False
        for poll_id in await self._sends.results_due(self._answers_closed_before()):
            row = await self._repo.get(poll_id)
            if row is None:
                continue
            messages = await self._outcomes.results_messages(row)
            async with self._db.transaction() as conn:
                if await PollSendRepository.mark_results(conn, poll_id):
                    await OutboxRepository.add_many(conn, messages)
            wrote = True
        for poll_id in await self._sends.reports_due():
            row = await self._repo.get(poll_id)
            if row is None:
                continue
            report = await self._outcomes.report_message(row)
            async with self._db.transaction() as conn:
                if await PollSendRepository.mark_report(conn, poll_id):
                    await OutboxRepository.add_many(conn, [report])
            wrote = True
        if wrote:
            self._wake_delivery()
        return wrote
