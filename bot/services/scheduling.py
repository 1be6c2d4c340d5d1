"""Schedules as rows, fired through the JobQueue, rebuilt from the database at start-up.

APScheduler computes fire times (its triggers keep local times across daylight-saving changes);
the database decides what has fired. Firing an occurrence records it in ``schedule_runs`` and
writes the outbox rows it causes in the same transaction, so an occurrence fired twice (a job and
the sweeper racing, a restart at the wrong moment) writes nothing the second time.

One job per schedule, for its next occurrence, fans out to the outbox: never one job per member.
A kind may keep its local time in several zones (prompts at each member's own 18:00): its schedule's
next fire is the earliest of the zones' next occurrences, and firing hands the handler that
instant; the handler serves the zones whose occurrence it is.
A sweeper job re-checks the table every minute, so an occurrence APScheduler skipped (its grace
time passed while the event loop was busy) is still handled, within its kind's grace, or skipped
and recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import aiosqlite
from apscheduler.triggers.cron import CronTrigger
from telegram.ext import ContextTypes, JobQueue

from bot.clock import Clock
from bot.db.database import Database
from bot.db.schedules import ScheduleRepository, ScheduleRow

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SWEEP_SECONDS = 60
# The most missed occurrences one catch-up walks through before jumping to the present.
_MAX_CATCH_UP = 1000

# Fans an occurrence out into the outbox, inside the transaction that records it. It may return
# a reason (e.g. 'holiday') to record the occurrence as skipped instead of fired.
FireHandler = Callable[[aiosqlite.Connection, ScheduleRow, datetime], Awaitable[str | None]]
# The zones a schedule keeps its local time in (None: its own ``timezone`` only).
ZonesOf = Callable[[ScheduleRow], Awaitable[Sequence[str] | None]]
AfterFire = Callable[[], None]
LATE = "late"  # the reason of an occurrence skipped because it was past its grace


@dataclass(frozen=True, slots=True)
class Kind:
    handler: FireHandler
    grace: timedelta  # how late an occurrence may still fire; later ones are skipped
    zones: ZonesOf | None = None


def next_occurrence(schedule: ScheduleRow, after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (UTC), or None when there is none."""
    zone = ZoneInfo(schedule.timezone)
    if schedule.rule == "once":
        moment = local_moment(schedule.at_local, zone)
        return moment if moment > after else None
    days = schedule.weekdays if schedule.rule == "weekly" else None
    trigger = _trigger(schedule.at_local, days, schedule.timezone)
    fire = trigger.get_next_fire_time(None, (after + timedelta(seconds=1)).astimezone(zone))
    return None if fire is None else fire.astimezone(after.tzinfo)


@lru_cache(maxsize=4096)
def _trigger(at: str, days: str | None, zone: str) -> CronTrigger:
    """Triggers are immutable; a fan-out over many hubs and zones builds each once."""
    hour, minute = (int(part) for part in at.split(":"))
    return CronTrigger(hour=hour, minute=minute, day_of_week=days, timezone=ZoneInfo(zone))


def next_in_zones(
    schedule: ScheduleRow, after: datetime, zones: Sequence[str] | None
) -> datetime | None:
    """The earliest of the zones' next occurrences (the schedule's own zone for None)."""
    if not zones:
        return next_occurrence(schedule, after)
    moments = [next_occurrence(replace(schedule, timezone=zone), after) for zone in set(zones)]
    found = [moment for moment in moments if moment is not None]
    return min(found) if found else None


def is_occurrence_in(schedule: ScheduleRow, zone: str, moment: datetime) -> bool:
    """Whether ``moment`` is one of the schedule's occurrences in ``zone``."""
    before = moment - timedelta(seconds=1)
    return next_occurrence(replace(schedule, timezone=zone), before) == moment


def local_moment(text: str, zone: ZoneInfo) -> datetime:
    """'YYYY-MM-DD HH:MM' in ``zone`` as an aware datetime (a time in a DST gap moves forward)."""
    naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=zone)


class Scheduler:
    def __init__(self, db: Database, schedules: ScheduleRepository, clock: Clock) -> None:
        self._db = db
        self._schedules = schedules
        self._clock = clock
        self._kinds: dict[str, Kind] = {}
        self._job_queue: JobQueue | None = None
        self._after_fire: list[AfterFire] = []

    def register(
        self, kind: str, handler: FireHandler, *, grace: timedelta, zones: ZonesOf | None = None
    ) -> None:
        self._kinds[kind] = Kind(handler, grace, zones)

    def after_fire(self, callback: AfterFire) -> None:
        """Called after an occurrence wrote its rows (the delivery worker's wake-up)."""
        self._after_fire.append(callback)

    def notify_written(self) -> None:
        """Rows were written outside a firing (a nudge): wake what ``after_fire`` wakes."""
        for callback in self._after_fire:
            callback()

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- creating and cancelling

    async def add(
        self,
        conn: aiosqlite.Connection,
        *,
        kind: str,
        ref_id: int,
        hub_id: int | None,
        rule: str,
        at_local: str,
        timezone: str,
        weekdays: str | None = None,
        zones: Sequence[str] | None = None,
    ) -> int:
        """Insert a schedule inside the caller's transaction; arm it once that commits.

        ``zones``: the zones its local time is kept in, if not only ``timezone``.
        """
        if kind not in self._kinds:
            raise ValueError(f"no handler for schedule kind {kind!r}")
        draft = ScheduleRow(0, kind, ref_id, hub_id, rule, at_local, weekdays, timezone, None, True)
        first = next_in_zones(draft, self._clock.now(), zones)
        if first is None:
            raise ValueError("the schedule has no occurrence in the future")
        return await self._schedules.insert(
            conn,
            kind=kind,
            ref_id=ref_id,
            hub_id=hub_id,
            rule=rule,
            at_local=at_local,
            weekdays=weekdays,
            timezone=timezone,
            next_fire=first,
        )

    async def arm(self, schedule_id: int) -> None:
        schedule = await self._schedules.get(schedule_id)
        if schedule is not None:
            self._arm(schedule)

    async def cancel(self, schedule_id: int) -> None:
        await self._schedules.deactivate(schedule_id)
        self._disarm(schedule_id)

    async def reschedule(self, schedule_id: int, *, activate: bool = False) -> datetime | None:
        """Recompute the next occurrence from now (zones changed, or a paused schedule resumes).

        An occurrence already due is left for ``run_due``; ``activate`` turns a cancelled
        schedule back on. Returns the next fire time (None: nothing left).
        """
        schedule = await self._schedules.get(schedule_id)
        if schedule is None or (not schedule.active and not activate):
            return None
        now = self._clock.now()
        if schedule.active and schedule.next_fire is not None and schedule.next_fire <= now:
            return schedule.next_fire
        kind = self._kinds.get(schedule.kind)
        zones = await kind.zones(schedule) if kind and kind.zones else None
        upcoming = next_in_zones(schedule, now, zones)
        if upcoming != schedule.next_fire or not schedule.active:
            async with self._db.transaction() as conn:
                await self._schedules.set_next(conn, schedule_id, upcoming)
        await self.arm(schedule_id)
        return upcoming

    # -- the JobQueue

    async def start(self, job_queue: JobQueue) -> None:
        """Rebuild the jobs from the table: catch up on what was missed, arm the rest."""
        self._job_queue = job_queue
        await self.run_due()
        for schedule in await self._schedules.active():
            self._arm(schedule)
        job_queue.run_repeating(
            self._sweep_job,
            interval=SWEEP_SECONDS,
            first=SWEEP_SECONDS,
            name="schedule-sweep",
            job_kwargs={"misfire_grace_time": SWEEP_SECONDS, "coalesce": True},
        )

    def _job_name(self, schedule_id: int) -> str:
        return f"schedule:{schedule_id}"

    def _disarm(self, schedule_id: int) -> None:
        if self._job_queue is not None:
            for job in self._job_queue.get_jobs_by_name(self._job_name(schedule_id)):
                job.schedule_removal()

    def _arm(self, schedule: ScheduleRow) -> None:
        """One job per schedule, for its next occurrence; an older job of the same name goes."""
        self._disarm(schedule.id)
        if self._job_queue is None or schedule.next_fire is None or not schedule.active:
            return
        grace = self._kinds[schedule.kind].grace if schedule.kind in self._kinds else timedelta()
        self._job_queue.run_once(
            self._fire_job,
            when=schedule.next_fire,
            name=self._job_name(schedule.id),
            data=schedule.id,
            # APScheduler's default is one second: a busy loop would drop the occurrence with
            # only a warning. Allow the kind's whole grace; the sweeper backs this up.
            job_kwargs={"misfire_grace_time": int(grace.total_seconds()) or 1, "coalesce": True},
        )

    async def _fire_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run_due()

    async def _sweep_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run_due()

    # -- firing

    async def run_due(self) -> int:
        """Handle every schedule whose next occurrence has come; return occurrences fired."""
        fired = 0
        for schedule in await self._schedules.due(self._clock.now()):
            if schedule.kind not in self._kinds:
                log.error("schedule %s has unknown kind %r", schedule.id, schedule.kind)
                continue
            try:
                fired += await self._catch_up(schedule)
                await self.arm(schedule.id)  # its next occurrence, if any
            except Exception:
                # One broken schedule (a zone this system doesn't know ...) must not stop the
                # others; it stays due and is tried again at the next sweep.
                log.exception("schedule %s (%s) failed to fire", schedule.id, schedule.kind)
        if fired:
            for callback in self._after_fire:
                callback()
        return fired

    async def _catch_up(self, schedule: ScheduleRow) -> int:
        """Fire the latest due occurrence if it is within grace; record older ones as skipped."""
        kind = self._kinds[schedule.kind]
        zones = await kind.zones(schedule) if kind.zones else None
        now = self._clock.now()
        occurrence = schedule.next_fire
        assert occurrence is not None
        due: list[datetime] = []
        while occurrence is not None and occurrence <= now and len(due) < _MAX_CATCH_UP:
            due.append(occurrence)
            occurrence = next_in_zones(schedule, occurrence, zones)
        if occurrence is not None and occurrence <= now:  # very long outage: jump to the present
            occurrence = next_in_zones(schedule, now, zones)
        latest = due[-1]
        fired = 0
        async with self._db.transaction() as conn:
            for moment in due:
                # Within grace: the latest occurrence fires; with several zones, each zone's
                # occurrence is a different instant, so every one within grace fires.
                fire = now - moment <= kind.grace and (moment is latest or zones is not None)
                outcome = "fired" if fire else "skipped"
                if not await self._schedules.claim_occurrence(
                    conn, schedule.id, moment, outcome, None if fire else LATE
                ):
                    continue  # this occurrence was handled already
                if fire:
                    reason = await kind.handler(conn, schedule, moment)
                    if reason is None:
                        fired += 1
                    else:
                        await self._schedules.mark_skipped(conn, schedule.id, moment, reason)
                else:
                    log.warning(
                        "schedule %s (%s) skipped the occurrence of %s: %s late",
                        schedule.id,
                        schedule.kind,
                        moment,
                        now - moment,
                    )
            await self._schedules.set_next(conn, schedule.id, occurrence)
        return fired
