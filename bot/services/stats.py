"""Hub figures for /stats: activity marks from the gate, and the figures of a hub or the network.

Windows are counted in whole UTC days: "the last 7 days" are today (UTC) and the 6 days before;
"the last 30 days" likewise, and instants (joined, asked, sent) are compared with now minus 30
days. The 12 weeks of the chart are 12 windows of 7 UTC days, the last one ending today.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from telegram.ext import ContextTypes, JobQueue

from bot.clock import Clock
from bot.db.database import to_db_time
from bot.db.hubs import HubRepository, HubRow
from bot.db.stats import WEEKS, RawFigures, StatsRepository, Window
from bot.services.access import AccessService

log = logging.getLogger(__name__)
# Activity marks older than the chart's 12 weeks are deleted by a daily job (data minimisation),
# a batch per transaction so that other writers wait at most a few milliseconds.
KEEP_DAYS = 7 * WEEKS
PRUNE_BATCH = 5000
PRUNE_INTERVAL = 24 * 3600
# Outbox statuses of a finished announcement row, and which of them reached the member.
FINISHED = ("sent", "blocked", "not_started", "failed")


def window_at(now: datetime) -> Window:
    now = now.astimezone(UTC).replace(microsecond=0)
    today = now.date()
    return Window(
        now=to_db_time(now),
        since=to_db_time(now - timedelta(days=30)),
        today=today.isoformat(),
        day7=(today - timedelta(days=6)).isoformat(),
        day30=(today - timedelta(days=29)).isoformat(),
        first_week_day=(today - timedelta(days=7 * WEEKS - 1)).isoformat(),
    )


def median_seconds(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def rate(part: int, whole: int) -> float | None:
    """A share between 0 and 1, or None when there is nothing to divide by."""
    return part / whole if whole > 0 else None


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # the first UTC day of the 7
    members: int  # members at the end of its last day
    active: int  # members who wrote or pressed anything during it


@dataclass(frozen=True, slots=True)
class Figures:
    title: str  # the hub's name, or '' for the network totals
    hubs: int
    raw: RawFigures
    weeks: list[Week]

    @property
    def median_answer(self) -> timedelta | None:
        seconds = median_seconds(self.raw.answer_seconds)
        return None if seconds is None else timedelta(seconds=round(seconds))

    @property
    def delivered(self) -> int:
        return self.raw.delivery.get("sent", 0)

    @property
    def delivery_finished(self) -> int:
        return sum(self.raw.delivery.get(status, 0) for status in FINISHED)

    @property
    def delivery_rate(self) -> float | None:
        return rate(self.delivered, self.delivery_finished)

    @property
    def reflection_rate(self) -> float | None:
        return rate(self.raw.prompts_answered, self.raw.prompts_sent)

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.raw.attended, self.raw.attendance_marked)

    @property
    def poll_rate(self) -> float | None:
        """Named polls: votes over (polls × members), members counted now."""
        return rate(self.raw.named_voters, self.raw.named_polls * self.raw.members)

    @property
    def survey_rate(self) -> float | None:
        return rate(self.raw.survey_finished, self.raw.survey_invited)


def weeks_from(
    today: date, joins: Sequence[str], departures: Sequence[tuple[str, str]], active: dict[int, int]
) -> list[Week]:
    """The 12 weeks, oldest first: members at each week's end, active members during it.

    ``joins`` are current members' join instants, sorted; ``departures`` (joined, left) of
    memberships that ended; ``active`` maps weeks ago (0: the last 7 days) to a count.
    """
    weeks = []
    for ago in range(WEEKS - 1, -1, -1):
        last = today - timedelta(days=7 * ago)
        end = to_db_time(datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
        members = bisect_left(joins, end)
        members += sum(1 for joined, left in departures if joined < end <= left)
        weeks.append(Week(last - timedelta(days=6), members, active.get(ago, 0)))
    return weeks


class StatsService:
    def __init__(
        self, repo: StatsRepository, hubs: HubRepository, access: AccessService, clock: Clock
    ) -> None:
        self._repo = repo
        self._hubs = hubs
        self._access = access
        self._clock = clock
        self._day: str | None = None
        self._seen: set[int] = set()

    async def seen(self, user_id: int) -> None:
        """The person wrote or pressed something: mark today once (the hot path only looks up a
        set; the first mark of a UTC day loads who is marked already, e.g. after a restart)."""
        day = self._clock.now().astimezone(UTC).date().isoformat()
        if day != self._day:
            self._seen = await self._repo.active_today(day)
            self._day = day
        if user_id in self._seen:
            return
        self._seen.add(user_id)
        await self._repo.mark_active(user_id, day)

    async def prune(self) -> int:
        """Delete activity marks and departures of days the figures no longer read (before the
        12 weeks); return how many activity marks went."""
        today = self._clock.now().astimezone(UTC).date()
        before = (today - timedelta(days=KEEP_DAYS - 1)).isoformat()
        total = 0
        while (deleted := await self._repo.prune(before, PRUNE_BATCH)) > 0:
            total += deleted
            await asyncio.sleep(0)  # let updates in between batches
        if total:
            log.info("deleted %s activity marks of days before %s", total, before)
        departed = await self._repo.prune_departures(before)
        if departed:
            log.info("deleted %s departures of days before %s", departed, before)
        return total

    def start(self, job_queue: JobQueue) -> None:
        """Prune once soon after start-up, then every day."""
        for job in job_queue.get_jobs_by_name("stats-prune"):
            job.schedule_removal()
        job_queue.run_repeating(
            self._prune_job,
            interval=PRUNE_INTERVAL,
            first=60,
            name="stats-prune",
            job_kwargs={"misfire_grace_time": PRUNE_INTERVAL, "coalesce": True},
        )

    async def _prune_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.prune()
        except Exception:
            log.exception("deleting old activity marks failed; tomorrow's run tries again")

    async def hubs_for(self, user_id: int) -> list[HubRow]:
        """The hubs whose figures this person may read: theirs, or every hub for an admin."""
        return await self._access.facilitated_hubs(user_id)

    async def may_read(self, hub_id: int, user_id: int) -> bool:
        return await self._access.can_facilitate(hub_id, user_id)

    def is_admin(self, user_id: int) -> bool:
        return self._access.is_admin(user_id)

    async def hub_figures(self, hub: HubRow) -> Figures:
        return await self._figures(hub.name, [hub.id], network=False)

    async def network_figures(self) -> Figures:
        hubs = await self._hubs.all()
        return await self._figures("", [h.id for h in hubs], network=True)

    async def _figures(self, title: str, hub_ids: list[int], *, network: bool) -> Figures:
        now = self._clock.now()
        window = window_at(now)
        raw = await self._repo.figures(hub_ids, window, network=network)
        weeks = weeks_from(
            now.astimezone(UTC).date(),
            await self._repo.joins(hub_ids),
            await self._repo.departures(hub_ids, window.first_week_day, network=network),
            raw.weekly_active,
        )
        return Figures(title, len(hub_ids), raw, weeks)
