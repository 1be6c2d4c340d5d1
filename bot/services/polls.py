"""Quick polls: create (sendPoll to a group or to each member), answers, close, results.

A poll's closing time is a ``once`` schedule (kind ``poll_close``): firing marks the poll closed
and writes its results to the outbox in the same transaction, so it closes on time across
restarts and posts its results once; the stopPoll calls follow outside the transaction (answers
after the close are ignored anyway). The reminder to non-voters is a ``once`` schedule too
(``poll_remind``), chosen at most once per poll (``polls.remind_at``), fanned out to the members
who have not voted when it fires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite
from telegram import Bot, InputPollOption
from telegram.error import TelegramError

from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import MembershipRepository
from bot.db.outbox import NewMessage, OutboxRepository, OutboxRow
from bot.db.polls import PollRepository, PollRow
from bot.db.schedules import ScheduleRow
from bot.i18n import _, use_locale
from bot.services.poll_render import render_closed, render_reminder
from bot.services.poll_types import (
    CLOSED,
    PollError,
    PollResults,
    PollView,
    Voter,
    check_closes_at,
    clean_options,
    clean_question,
)
from bot.services.scheduling import Scheduler

log = logging.getLogger(__name__)

CLOSE_KIND = "poll_close"
REMIND_KIND = "poll_remind"
RESULTS_KIND = "poll_results"
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
    ) -> None:
        self._db = db
        self._repo = polls
        self._hubs = hubs
        self._memberships = memberships
        self._scheduler = scheduler
        self._bot = bot
        self._default_locale = default_locale
        self._tasks: set[asyncio.Task[None]] = set()
        scheduler.register(CLOSE_KIND, self._fire_close, grace=GRACE)
        scheduler.register(REMIND_KIND, self._fire_remind, grace=REMIND_GRACE)

    def now(self) -> datetime:
        return self._scheduler.clock.now()

    # -- reading

    async def _view(self, row: PollRow, hub: HubRow | None = None) -> PollView:
        hub = hub or await self._hubs.get(row.hub_id)
        return PollView(
            id=row.id,
            hub_id=row.hub_id,
            hub_name=hub.name if hub else "",
            question=row.question,
            options=row.options,
            anonymous=row.anonymous,
            multiple=row.multiple,
            private=row.private,
            closes_at=row.closes_at,
            status=row.status,
            created_at=row.created_at,
            author_id=row.author_id,
            remind_at=row.remind_at,
        )

    async def get(self, poll_id: int) -> PollView | None:
        row = await self._repo.get(poll_id)
        return None if row is None else await self._view(row)

    async def for_hubs(self, hub_ids: Sequence[int]) -> list[PollView]:
        return [await self._view(row) for row in await self._repo.for_hubs(list(hub_ids))]

    async def results(self, poll_id: int) -> PollResults:
        row = await self._repo.get(poll_id)
        if row is None:
            raise PollError(_("There is no poll {ref}.", ref=f"#{poll_id}"))
        size = len(row.options)
        if row.anonymous:
            counts, total = [0] * size, 0
            for message in await self._repo.messages(poll_id):
                for i, count in enumerate((message.counts or ())[:size]):
                    counts[i] += count
                total += message.total
            return PollResults(tuple(counts), total, None, None)
        votes = await self._repo.votes(poll_id)
        counts = [0] * size
        voted = {user for user, options in votes.items() if options}
        for options in votes.values():
            for i in options:
                if 0 <= i < size:
                    counts[i] += 1
        members = await self._memberships.members_of(row.hub_id)
        names = {m.user.id: m.user.full_name for m in members}
        voters = [Voter(uid, names.get(uid, str(uid))) for uid in sorted(voted)]
        non_voters = [Voter(m.user.id, m.user.full_name) for m in members if m.user.id not in voted]
        return PollResults(tuple(counts), len(voted), voters, non_voters)

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
        if private:
            members = [m.user.id for m in await self._memberships.members_of(hub_id)]
            self._spawn(self._send_each(row, members))
        else:
            assert hub.chat_id is not None
            if not await self._send(row, hub.chat_id):
                raise PollError(_("Telegram refused the poll. Please try again in a moment."))
        return await self._view(row, hub)

    async def _send(self, row: PollRow, chat_id: int) -> bool:
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
            )
        except TelegramError as error:
            log.info("poll %s not sent to %s: %s", row.id, chat_id, error)
            return False
        assert message.poll is not None
        await self._repo.add_message(row.id, chat_id, message.message_id, message.poll.id)
        return True

    async def _send_each(self, row: PollRow, user_ids: Sequence[int]) -> None:
        """The private fan-out, in the background; the Bot's pacer keeps Telegram's limits."""
        for user_id in user_ids:
            await self._send(row, user_id)

    def _spawn(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background sends and stops (tests, a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- answers

    async def record_answer(self, tg_poll_id: str, user_id: int, option_ids: Sequence[int]) -> bool:
        """A named poll's answer (empty: a retracted vote); False for unknown or closed polls."""
        return await self._repo.record_vote(tg_poll_id, user_id, option_ids, self.now())

    async def record_counts(self, tg_poll_id: str, counts: Sequence[int], total: int) -> None:
        """The counts of one message of a poll (``poll`` updates), kept while it is open."""
        message = await self._repo.message_by_tg(tg_poll_id)
        if message is None or message.closed:
            return
        await self._repo.set_counts(tg_poll_id, counts, total)

    # -- closing

    async def close(self, poll_id: int) -> PollView:
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
        await self._stop_all(row.id)
        self._scheduler.notify_written()
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
        await OutboxRepository.add_many(conn, await self._results_messages(row))
        return True

    async def _results_messages(self, row: PollRow) -> list[NewMessage]:
        results = await self.results(row.id)
        hub = await self._hubs.get(row.hub_id)
        view = await self._view(row, hub)
        if not row.private:
            if hub is None or not hub.attached:
                return []
            assert hub.chat_id is not None
            with use_locale(hub.locale or self._default_locale):
                text = render_closed(view, results)
            return [
                NewMessage(
                    f"{RESULTS_KIND}:{row.id}", hub.chat_id, RESULTS_KIND, text, ref_id=row.id
                )
            ]
        out = []
        for message in await self._repo.messages(row.id):
            user = await self._user_locale(message.chat_id)
            with use_locale(user):
                text = render_closed(view, results)
            out.append(
                NewMessage(
                    f"{RESULTS_KIND}:{row.id}:{message.chat_id}",
                    message.chat_id,
                    RESULTS_KIND,
                    text,
                    user_id=message.chat_id,
                    ref_id=row.id,
                )
            )
        return out

    async def _user_locale(self, user_id: int) -> str:
        locale = await self._db.fetch_value("SELECT locale FROM users WHERE id = ?", (user_id,))
        return locale or self._default_locale

    async def _stop_all(self, poll_id: int) -> None:
        for message in await self._repo.messages(poll_id):
            if message.closed:
                continue
            try:
                poll = await self._bot.stop_poll(message.chat_id, message.message_id)
                await self._repo.set_counts(
                    message.tg_poll_id,
                    [o.voter_count for o in poll.options],
                    poll.total_voter_count,
                )
            except TelegramError as error:
                log.info("stopPoll %s in %s: %s", poll_id, message.chat_id, error)
            await self._repo.mark_message_closed(poll_id, message.chat_id)

    async def _fire_close(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        row = await self._repo.get(schedule.ref_id)
        if row is None or row.status == CLOSED:
            return "gone"
        await self._close_in(conn, row)
        self._spawn(self._stop_all(row.id))
        return None

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
            with use_locale(await self._user_locale(person.user_id)):
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
