"""The delivery worker's group commit: the senders' claims and outcomes, batched into few writes.

A sender claims a row ('sending') just before its request leaves and must see that written first;
its outcome is queued and written with the next claim (one round trip for both) or within 20 ms.
Writes run one at a time, in the order they were queued, so a sender's next row is never
'sending' in the database before its previous row's outcome is.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.db.outbox import OutboxRepository, Outcome

log = logging.getLogger(__name__)

# The longest an outcome waits to ride along with a claim before it is written on its own.
OUTCOME_DELAY_SECONDS = 0.02
# Wait before writing outcomes again after the database refused them (busy, say).
RETRY_WRITE_SECONDS = 0.5


class GroupCommit:
    """Batches the senders' claims, outcomes and postponements into one write at a time.

    Whatever arrives while a write runs goes into the next one, so the latency is one write and
    the cost per message falls as the pace rises.
    """

    def __init__(self, outbox: OutboxRepository) -> None:
        self._outbox = outbox
        self._claims: list[tuple[int, asyncio.Future[bool]]] = []
        self._outcomes: list[tuple[Outcome, asyncio.Future[bool]]] = []
        self._postponed: list[tuple[int, datetime]] = []
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def claim(self, row_id: int) -> bool:
        """Mark the row 'sending'; False if it is no longer pending (cancelled meanwhile)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._claims.append((row_id, future))
        self._start()
        return await future

    def record(self, outcome: Outcome) -> asyncio.Future[bool]:
        """Queue an outcome; it commits with (or before) the sender's next claim.

        Claims and outcomes commit in the order they were queued, so a sender's next row is never
        'sending' in the database before its previous row's outcome is: at most one claimed row
        per sender, whatever the pace.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._outcomes.append((outcome, future))
        # Rides along with the next claim (one round trip for both) or goes alone within 20 ms.
        if self._timer is None:
            self._timer = loop.call_later(OUTCOME_DELAY_SECONDS, self._start)
        return future

    def busy(self) -> bool:
        return bool(self._outcomes) or (self._task is not None and not self._task.done())

    def postpone(self, row_id: int, until: datetime) -> None:
        """Put a row off until its chat's slot (no one waits for this write)."""
        self._postponed.append((row_id, until))
        self._start()

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush(), name="delivery-commit")

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let senders woken in this same turn of the loop join in
        while self._claims or self._outcomes or self._postponed:
            claims, self._claims = self._claims, []
            outcomes, self._outcomes = self._outcomes, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            postponed, self._postponed = self._postponed, []
            try:
                claimed = await self._outbox.apply(
                    [row_id for row_id, _ in claims], [o for o, _ in outcomes], postponed
                )
            except Exception as exc:  # e.g. the database is busy
                # Claims fail (those rows stay pending, unsent); outcomes are kept and written
                # with the next try, since their requests did go out.
                log.warning("writing delivery outcomes failed (%s); trying again", type(exc))
                for _, future in claims:
                    if not future.done():
                        future.set_exception(exc)
                self._outcomes[:0] = outcomes
                await asyncio.sleep(RETRY_WRITE_SECONDS)
                continue
            for row_id, future in claims:
                future.set_result(row_id in claimed)
            for _, future in outcomes:
                future.set_result(True)

    async def drain(self) -> None:
        """Write what is queued and wait for it (at stop)."""
        self._start()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
