"""Data minimisation: a daily job deletes delivery details older than ``[retention] days``.

What goes: outbox rows to private chats that are finished (sent, blocked, not started, failed,
cancelled) and were last touched more than ``days`` ago — the text a member was sent and when —
with the counts per status of things sent to many (announcements, invitations) kept in
``delivery_counts``; and the per-chat delivery rows of quick polls closed that long ago.
Unfinished rows (pending, sending, held by quiet hours) always stay, and so do posts in hub
groups (features find a question or a meeting by its post).

Deleting runs in batches, each its own short transaction, so other writers get the database
between batches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import RetentionConfig
from bot.db.maintenance import MaintenanceRepository
from bot.db.retention import RetentionRepository
from bot.services.daily import DailyJob

log = logging.getLogger(__name__)

KIND = "retention"
BATCH = 500


@dataclass(frozen=True, slots=True)
class Purged:
    outbox: int
    poll_sends: int


class RetentionService:
    def __init__(
        self,
        repository: RetentionRepository,
        runs: MaintenanceRepository,
        clock: Clock,
        config: RetentionConfig,
        *,
        batch: int = BATCH,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._config = config
        self._batch = batch
        self.job = DailyJob(KIND, self.run, runs, clock)

    async def install(self) -> None:
        await self.job.install(self._config.hour)

    async def run(self) -> Purged:
        """Delete everything older than the retention period now; log and return the counts."""
        started = time.perf_counter()
        cutoff = self._clock.now() - timedelta(days=self._config.days)
        outbox = await self._drain(self._repository.delete_outbox_batch, cutoff)
        poll_sends = await self._drain(self._repository.delete_poll_sends_batch, cutoff)
        log.info(
            "retention: deleted %d outbox rows and %d poll delivery rows older than %d days "
            "(before %s) in %.2f s",
            outbox,
            poll_sends,
            self._config.days,
            cutoff.strftime("%Y-%m-%d %H:%M UTC"),
            time.perf_counter() - started,
        )
        return Purged(outbox, poll_sends)

    async def _drain(
        self, delete_batch: Callable[[datetime, int], Awaitable[int]], cutoff: datetime
    ) -> int:
        total = 0
        while True:
            deleted = await delete_batch(cutoff, self._batch)
            total += deleted
            if deleted < self._batch:
                return total
            await asyncio.sleep(0)  # let the writers waiting on the lock in between batches
