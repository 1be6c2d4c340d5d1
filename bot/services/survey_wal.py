"""A debounced ``PRAGMA wal_checkpoint(TRUNCATE)`` after an anonymous survey's answers lose
their name (a submit, the deadline).

Wiping a draft (``secure_delete``) zeroes it in the database, but the write-ahead log still holds
the earlier pages, with the member's id next to an overwritten or just-sent answer, until a
checkpoint copies the pages back and truncates the log. Checkpointing after every submit would put
a full checkpoint on the answer's path; instead ``request()`` returns at once and a background task
runs one checkpoint for a burst of requests, a short ``delay`` after the first and at most once
every ``interval`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable

from bot.db.database import Database
from bot.logs import describe_exception

log = logging.getLogger(__name__)


class WalCheckpoint:
    def __init__(
        self,
        db: Database,
        *,
        delay: float = 2.0,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self.delay = delay
        self.interval = interval
        self._clock = clock
        self._last = -math.inf  # when the last checkpoint ran
        self._asked: float | None = None  # when the first request still pending came
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> bool:
        return self._asked is not None

    def request(self) -> None:
        """Ask for a checkpoint soon; never waits (called on the answer's path)."""
        if self._asked is None:
            self._asked = self._clock()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run_later())

    def wait(self) -> float | None:
        """Seconds until the pending checkpoint is due (None: nothing asked)."""
        if self._asked is None:
            return None
        due = max(self._asked + self.delay, self._last + self.interval)
        return max(0.0, due - self._clock())

    async def _run_later(self) -> None:
        while (seconds := self.wait()) is not None:
            await asyncio.sleep(seconds)
            try:
                await self.run_pending()
            except Exception as error:  # the next request tries again
                log.warning("WAL checkpoint failed: %s", describe_exception(error))
                return

    async def run_pending(self) -> bool:
        """Run the asked-for checkpoint now (the task calls this when due; tests drive it)."""
        if self._asked is None:
            return False
        self._asked = None
        self._last = self._clock()
        # Under the writer's lock, between transactions: nothing half-written is checkpointed.
        async with self._db.statements() as conn:
            await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    async def stop(self) -> None:
        """At shutdown: the pending checkpoint runs now rather than being lost."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        try:
            await self.run_pending()
        except Exception as error:
            log.warning("WAL checkpoint failed: %s", describe_exception(error))
