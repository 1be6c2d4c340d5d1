"""The delivery worker's hooks: progress reports, quiet-hours holds and stale-row checks.

Each hook is registered by the service that owns a kind of outbox row (bot/app.py wires them);
the worker (bot/services/delivery.py) asks them about rows before sending and tells them about
rows that reached a final state. A hook that fails is logged and the rows go out as they are:
better a message during quiet hours than a worker stuck on one bad row.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.db.outbox import OutboxRepository, OutboxRow

log = logging.getLogger(__name__)

# Called with the ref ids of ``kind`` whose rows reached a final state (e.g. to report a broadcast).
ProgressHook = Callable[[set[int]], Awaitable[None]]
# Given due holdable rows, holds those whose member is in quiet hours or paused; returns their ids.
HoldHook = Callable[[list[OutboxRow]], Awaitable[set[int]]]
# Given due rows of its kind, names those no longer worth sending (e.g. a reminder of a meeting
# that was cancelled or has started) with why; the worker cancels them instead of sending.
CheckHook = Callable[[list[OutboxRow]], Awaitable[dict[int, str]]]


class DeliveryHooks:
    """The hooks registered with the delivery worker, and how it calls them."""

    def __init__(self, outbox: OutboxRepository) -> None:
        self._outbox = outbox
        self._progress: dict[str, ProgressHook] = {}
        self._hold: HoldHook | None = None
        self._checks: dict[str, CheckHook] = {}

    def on_progress(self, kind: str, hook: ProgressHook) -> None:
        self._progress[kind] = hook

    def on_hold(self, hook: HoldHook) -> None:
        self._hold = hook

    def on_check(self, kind: str, hook: CheckHook) -> None:
        self._checks[kind] = hook

    def reports(self, row: OutboxRow) -> bool:
        """Whether a progress hook wants to hear that ``row`` is done."""
        return row.ref_id is not None and row.kind in self._progress

    async def check(self, rows: list[OutboxRow]) -> set[int]:
        """Cancel the rows their kind's check hook calls stale; return the ids dropped."""
        dropped: set[int] = set()
        if not self._checks or not any(row.kind in self._checks for row in rows):
            return dropped
        for kind, hook in self._checks.items():
            mine = [row for row in rows if row.kind == kind]
            if not mine:
                continue
            try:
                stale = await hook(mine)
            except Exception:
                log.exception("checking %s rows failed; sending them", kind)
                continue
            for reason in set(stale.values()):
                ids = [row_id for row_id, why in stale.items() if why == reason]
                await self._outbox.cancel_rows(ids, reason)
                dropped.update(ids)  # cancelled now, or no longer pending anyway
        return dropped

    async def hold(self, rows: list[OutboxRow]) -> set[int]:
        """Ask the hold hook about the holdable ``rows``; return the ids it held."""
        holdable = [row for row in rows if row.holdable]
        if self._hold is None or not holdable:
            return set()
        try:
            return await self._hold(holdable)
        except Exception:
            # Better a message during quiet hours than a worker stuck on one bad row.
            log.exception("deciding quiet hours failed; sending without holding")
            return set()

    async def report(self, finished: dict[str, set[int]]) -> None:
        """Tell each kind's progress hook which of its ref ids finished."""
        for kind, ref_ids in finished.items():
            try:
                await self._progress[kind](ref_ids)
            except Exception:
                log.exception("progress hook for %s failed", kind)
