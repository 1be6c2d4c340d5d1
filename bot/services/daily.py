"""A daily maintenance job (retention, backups) on the scheduler's clock.

Each job runs once a day at a UTC hour. When it last ran is kept in ``maintenance_runs``: a day
missed while the bot was down is caught up at start-up (once, not once per missed day). A
repeating JobQueue job checks every minute; tests move the clock and call ``run_due``.
These jobs write no outbox rows and keep out of the ``schedules`` table on purpose: they are
not hub features and must not count among the occurrences that wake the delivery worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram.ext import ContextTypes, JobQueue

from bot.clock import Clock
from bot.db.maintenance import MaintenanceRepository

log = logging.getLogger(__name__)

CHECK_SECONDS = 60


def next_due(last_run: datetime, hour: int) -> datetime:
    """The first ``hour``:00 UTC strictly after ``last_run``."""
    moment = last_run.replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment if moment > last_run else moment + timedelta(days=1)


class DailyJob:
    def __init__(
        self,
        kind: str,
        work: Callable[[], Awaitable[object]],
        runs: MaintenanceRepository,
        clock: Clock,
    ) -> None:
        self.kind = kind
        self._work = work
        self._runs = runs
        self._clock = clock
        self._hour: int | None = None
        self._lock = asyncio.Lock()
        self._job_queue: JobQueue | None = None

    async def install(self, hour: int | None) -> None:
        """Run daily at ``hour`` UTC (None: never); call once the database is open."""
        self._hour = hour
        if hour is not None:
            await self._runs.ensure(self.kind, self._clock.now().replace(microsecond=0))

    def start(self, job_queue: JobQueue) -> None:
        if self._hour is None:
            return
        self._job_queue = job_queue
        job_queue.run_repeating(
            self._check,
            interval=CHECK_SECONDS,
            first=CHECK_SECONDS,
            name=f"daily:{self.kind}",
            job_kwargs={"misfire_grace_time": CHECK_SECONDS, "coalesce": True},
        )

    def stop(self) -> None:
        if self._job_queue is not None:
            for job in self._job_queue.get_jobs_by_name(f"daily:{self.kind}"):
                job.schedule_removal()

    async def _check(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run_due()

    async def run_due(self) -> bool:
        """Run the job if its hour has come since it last ran; True if it ran."""
        if self._hour is None or self._lock.locked():
            return False
        async with self._lock:
            last = await self._runs.last_run(self.kind)
            now = self._clock.now().replace(microsecond=0)
            if last is None or next_due(last, self._hour) > now:
                return False
            if not await self._runs.claim(self.kind, last, now):
                return False
            try:
                await self._work()
            except Exception:  # the bot goes on; the next day tries again
                log.exception("the daily %s job failed", self.kind)
            return True
