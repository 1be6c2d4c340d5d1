"""Quick polls: create, answers, close, reminders; the rest lives beside this module.

Creating a poll writes it, its send rows and its closing schedule in one transaction; the sends
(and, once it closes, the stops and the results) are the poll sender's work (``poll_sends``),
durable across restarts and never in an update handler's path, but for a group poll's one
sendPoll, tried at once so a refusal is told to the facilitator there and then. A poll's closing
time is a ``once`` schedule (kind ``poll_close``): firing marks the poll closed and cancels its
pending sends; the sender stops its messages and posts the results from their final counts. The
reminder to non-voters is a ``once`` schedule too (``poll_remind``), chosen at most once per poll
(``polls.remind_at``), fanned out to the members who have not voted when it fires. Results and
the notes after a fan-out are built in ``poll_results``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite
from telegram import Bot

from bot.config import DeliveryConfig
from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import MembershipRepository
from bot.db.outbox import NewMessage, OutboxRepository, OutboxRow
from bot.db.poll_sends import PollSendRepository
from bot.db.polls import PollRepository, PollRow
from bot.db.schedules import ScheduleRow
from bot.i18n import _, use_locale
from bot.pacing import TelegramPacer
from bot.services.poll_render import render_reminder
from bot.services.poll_results import RESULTS_KIND, PollOutcomes, poll_view
from bot.services.poll_sends import PollSender
from bot.services.poll_types import (
    CLOSE_KIND,
    CLOSED,
    REMIND_KIND,
    PollError,
    PollResults,
    PollView,
    check_closes_at,
    clean_options,
    clean_question,
)
from bot.services.scheduling import Scheduler

log = logging.getLogger(__name__)

__all__ = ["CLOSE_KIND", "REMIND_KIND", "RESULTS_KIND", "PollService"]

GRACE = timedelta(days=400)  # a poll closes however late the bot comes back
REMIND_GRACE = timedelta(hours=12)


def _minute_ceiling(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local.strftime("%Y-%m-%d %H:%M")


class PollService:
    def __init__(
        self,
        db: Database,
        polls: PollRepository,
        hubs: HubRepository,
        memberships: MembershipRepository,
        scheduler: Scheduler,
        bot: Bot,
        *,
        default_locale: str,
        pacer: TelegramPacer | None = None,
        delivery: DeliveryConfig | None = None,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
        wake_delivery: Callable[[], None] | None = None,
        locale_of: Callable[[int], Awaitable[str]] | None = None,
    ) -> None:
        self._db = db
        self._repo = polls
        self._hubs = hubs
        self._memberships = memberships
        self._scheduler = scheduler
        self._sends = PollSendRepository(db)
        self.outcomes = PollOutcomes(
            db,
            polls,
            self._sends,
            hubs,
            memberships,
            default_locale=default_locale,
            locale_of=locale_of,
        )
        self.sender = PollSender(
            db,
            polls,
            self._sends,
            self.outcomes,
            scheduler,
            bot,
            pacer,
            delivery or DeliveryConfig(),
            on_blocked=on_blocked,
            wake_delivery=wake_delivery,
        )
        scheduler.register(CLOSE_KIND, self._fire_close, grace=GRACE)
        scheduler.register(REMIND_KIND, self._fire_remind, grace=REMIND_GRACE)
        scheduler.after_fire(self.sender.wake)  # a poll closed on time: stop it now

    async def start(self) -> None:
        """Resume the fan-outs and stops a restart interrupted (``post_init``)."""
        await self.sender.start()

    async def stop(self) -> None:
        await self.sender.stop()

    async def drain(self) -> None:
        """Wait until nothing is due to send or stop (tests, benchmarks)."""
        await self.sender.drain()

    def now(self) -> datetime:
        return self._scheduler.clock.now()

    # -- reading

    async def _view(self, row: PollRow, hub: HubRow | None = None) -> PollView:
        return poll_view(row, hub or await self._hubs.get(row.hub_id))

    async def get(self, poll_id: int) -> PollView | None:
        row = await self._repo.get(poll_id)
        return None if row is None else await self._view(row)

    async def for_hubs(self, hub_ids: Sequence[int]) -> list[PollView]:
        return [await self._view(row) for row in await self._repo.for_hubs(list(hub_ids))]

    async def results(self, poll_id: int) -> PollResults:
        return await self.outcomes.results(poll_id)

    # -- creating

    async def create(
        self,
        *,
        hub_id: int,
        author_id: int,
        question: str,
        options: Sequence[str],
        anonymous: bool = True,
        multiple: bool = False,
        closes_at: datetime | None = None,
        private: bool = False,
    ) -> PollView:
        text = clean_question(question)
        choices = clean_options(options)
        now = self.now()
        check_closes_at(closes_at, now)
        if anonymous and private:
            # Each member's own poll message would tell the bot (and its database) their answer.
            raise PollError(
                _(
                    "An anonymous poll can only go to the hub's group: sent to each member "
                    "privately, each answer would be known. Switch anonymous off, or send it to "
                    "the group."
                )
            )
        hub = await self._hubs.get(hub_id)
        if hub is None:
            raise PollError(_("That hub no longer exists."))
        if not private and not hub.attached:
            raise PollError(
                _(
                    "The hub {hub} has no group yet: send the poll to each member instead.",
                    hub=hub.name,
                )
            )
        chats = (
            [m.user.id for m in await self._memberships.members_of(hub_id)]
            if private
            else [hub.chat_id]
        )
        async with self._db.transaction() as conn:
            poll_id = await PollRepository.insert(
                conn,
                hub_id=hub_id,
                author_id=author_id,
                question=text,
                options=choices,
                anonymous=anonymous,
                multiple=multiple,
                private=private,
                closes_at=closes_at,
                now=now,
            )
            # The sends are rows with the poll: a restart resumes them (poll_sends).
            await PollSendRepository.add(conn, poll_id, [c for c in chats if c is not None])
            schedule_id = None
            if closes_at is not None:
                schedule_id = await self._scheduler.add(
                    conn,
                    kind=CLOSE_KIND,
                    ref_id=poll_id,
                    hub_id=hub_id,
                    rule="once",
                    at_local=_minute_ceiling(closes_at, ZoneInfo(hub.timezone)),
                    timezone=hub.timezone,
                )
        if schedule_id is not None:
            await self._scheduler.arm(schedule_id)
        row = await self._repo.get(poll_id)
        assert row is not None
        if not private:
            assert hub.chat_id is not None
            await self.sender.send_now(row, hub.chat_id)  # PollError: refused, and removed
        self.sender.wake()
        return await self._view(row, hub)

    async def still_to_post(self, poll_id: int) -> bool:
        """Whether a send of the poll waits for another try (Telegram asked to wait, or could
        not be reached): a group poll Confirm could not post at once."""
        return (await self.outcomes.reach(poll_id)).waiting > 0

    # -- answers

    async def record_answer(self, tg_poll_id: str, user_id: int, option_ids: Sequence[int]) -> bool:
        """A named poll's answer (empty: a retracted vote); False for an unknown poll or a voter
        outside the hub. An answer read after the stop still counts, and may be the one the
        results of the closed poll wait for: the sender looks again."""
        recorded = await self._repo.record_vote(tg_poll_id, user_id, option_ids, self.now())
        if recorded:
            message = await self._repo.message_by_tg(tg_poll_id)
            if message is not None and message.closed:
                self.sender.wake()
        return recorded

    async def record_counts(
        self, tg_poll_id: str, counts: Sequence[int], total: int, update_id: int
    ) -> bool:
        """The counts of one message of a poll (``poll`` updates) while Telegram holds it open;
        False when a newer update was applied already (or the message is stopped)."""
        return await self._repo.set_counts(tg_poll_id, counts, total, update_id)

    # -- closing

    async def close(self, poll_id: int) -> PollView:
        """Mark the poll closed and cancel its pending sends; the sender stops its messages
        and posts the results in the background (a large private poll has many)."""
        row = await self._repo.get(poll_id)
        if row is None:
            raise PollError(_("There is no poll {ref}.", ref=f"#{poll_id}"))
        async with self._db.transaction() as conn:
            closed = await self._close_in(conn, row)
        if not closed:
            raise PollError(_("This poll is already closed."))
        schedule = await self._scheduler_for(row.id)
        if schedule is not None:
            await self._scheduler.cancel(schedule)
        self.sender.wake()
        return await self._view(row)

    async def _scheduler_for(self, poll_id: int) -> int | None:
        value = await self._db.fetch_value(
            "SELECT id FROM schedules WHERE kind = ? AND ref_id = ? AND active = 1",
            (CLOSE_KIND, poll_id),
        )
        return None if value is None else int(value)

    async def _close_in(self, conn: aiosqlite.Connection, row: PollRow) -> bool:
        if not await PollRepository.close(conn, row.id, self.now()):
            return False
        await PollSendRepository.cancel_pending(conn, row.id)
        return True

    async def _fire_close(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        row = await self._repo.get(schedule.ref_id)
        if row is None or row.status == CLOSED:
            return "gone"
        await self._close_in(conn, row)
        return None  # the scheduler's after_fire wakes the sender once this commits

    # -- reminders

    async def remind_non_voters(self, poll_id: int, at: datetime) -> PollView:
        row = await self._repo.get(poll_id)
        if row is None:
            raise PollError(_("There is no poll {ref}.", ref=f"#{poll_id}"))
        if row.anonymous:
            raise PollError(
                _(
                    "This poll is anonymous: nobody, not even the bot, knows who voted, "
                    "so it cannot remind only those who haven't."
                )
            )
        if row.status == CLOSED:
            raise PollError(_("This poll is already closed."))
        if at <= self.now():
            raise PollError(_("That time has already passed. Please choose a later one."))
        if row.closes_at is not None and at >= row.closes_at:
            raise PollError(_("The poll closes before then. Please choose an earlier time."))
        hub = await self._hubs.get(row.hub_id)
        zone = hub.timezone if hub else "UTC"
        async with self._db.transaction() as conn:
            if not await PollRepository.set_remind(conn, poll_id, at):
                raise PollError(_("A reminder for this poll is already planned."))
            schedule_id = await self._scheduler.add(
                conn,
                kind=REMIND_KIND,
                ref_id=poll_id,
                hub_id=row.hub_id,
                rule="once",
                at_local=_minute_ceiling(at, ZoneInfo(zone)),
                timezone=zone,
            )
        await self._scheduler.arm(schedule_id)
        return await self._view(row, hub)

    async def check_reminders(self, rows: list[OutboxRow]) -> dict[int, str]:
        """The delivery worker's check: a reminder waiting (quiet hours, a busy chat) goes not
        once its poll has closed or its member has voted meanwhile."""
        stale: dict[int, str] = {}
        for poll_id in {row.ref_id for row in rows if row.ref_id is not None}:
            poll = await self._repo.get(poll_id)
            mine = [row for row in rows if row.ref_id == poll_id]
            if poll is None or poll.status == CLOSED:
                stale.update({row.id: "poll closed" for row in mine})
                continue
            votes = await self._repo.votes(poll_id)
            stale.update({row.id: "voted" for row in mine if votes.get(row.user_id or 0)})
        return stale

    async def _fire_remind(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        row = await self._repo.get(schedule.ref_id)
        if row is None or row.status == CLOSED:
            return "closed"
        results = await self.results(row.id)
        view = await self._view(row)
        rows = []
        for person in results.non_voters or []:
            with use_locale(await self.outcomes.locale_of(person.user_id)):
                text = render_reminder(view)
            rows.append(
                NewMessage(
                    f"{REMIND_KIND}:{row.id}:{person.user_id}",
                    person.user_id,
                    REMIND_KIND,
                    text,
                    user_id=person.user_id,
                    ref_id=row.id,
                    holdable=True,
                )
            )
        await OutboxRepository.add_many(conn, rows)
        return None
