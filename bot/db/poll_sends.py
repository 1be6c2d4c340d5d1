"""The durable fan-out of quick polls: one send row per chat, the stops, results once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time
from bot.db.polls import PollMessage, message_from_row

PENDING, SENDING, SENT = "pending", "sending", "sent"
BLOCKED, NOT_STARTED, FAILED, CANCELLED = "blocked", "not_started", "failed", "cancelled"


@dataclass(frozen=True, slots=True)
class PollSend:
    poll_id: int
    chat_id: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Reach:
    """Where a poll's fan-out stands: counts of send rows by status."""

    counts: dict[str, int]

    def __getitem__(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def refused(self) -> int:
        return self[BLOCKED] + self[NOT_STARTED] + self[FAILED]

    @property
    def waiting(self) -> int:
        return self[PENDING] + self[SENDING]


class PollSendRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the sends

    @staticmethod
    async def add(conn: aiosqlite.Connection, poll_id: int, chat_ids: Sequence[int]) -> None:
        await conn.executemany(
            "INSERT OR IGNORE INTO poll_sends (poll_id, chat_id) VALUES (?, ?)",
            [(poll_id, chat_id) for chat_id in chat_ids],
        )

    async def recover(self) -> int:
        """Rows 'sending' when the bot stopped go again (at least once)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE poll_sends SET status = 'pending' WHERE status = 'sending'"
            )
            return cursor.rowcount

    async def due(self, now: datetime, limit: int) -> list[PollSend]:
        rows = await self._db.fetch_all(
            """SELECT poll_id, chat_id, attempts FROM poll_sends
               WHERE status = 'pending' AND (not_before IS NULL OR not_before <= ?)
               ORDER BY poll_id, chat_id LIMIT ?""",
            (to_db_time(now), limit),
        )
        return [PollSend(r["poll_id"], r["chat_id"], r["attempts"]) for r in rows]

    async def next_due(self) -> datetime | None:
        """The soonest time a pending send or a stop waits for (None: nothing waits)."""
        value = await self._db.fetch_value(
            """SELECT MIN(t) FROM (
                 SELECT not_before AS t FROM poll_sends
                 WHERE status = 'pending' AND not_before IS NOT NULL
                 UNION ALL
                 SELECT m.stop_after FROM poll_messages m JOIN polls p ON p.id = m.poll_id
                 WHERE p.status = 'closed' AND m.closed = 0 AND m.stop_after IS NOT NULL)"""
        )
        return from_db_time(value)

    async def claim(self, poll_id: int, chat_id: int) -> bool:
        """Mark the send 'sending' if it is pending and its poll still open (checked here, just
        before the request, so a poll closed meanwhile sends nothing more)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE poll_sends SET status = 'sending', attempts = attempts + 1
                   WHERE poll_id = ? AND chat_id = ? AND status = 'pending'
                   AND EXISTS (SELECT 1 FROM polls WHERE id = ? AND status = 'open')""",
                (poll_id, chat_id, poll_id),
            )
            if cursor.rowcount:
                return True
            await conn.execute(
                """UPDATE poll_sends SET status = 'cancelled', reason = 'poll closed'
                   WHERE poll_id = ? AND chat_id = ? AND status = 'pending'""",
                (poll_id, chat_id),
            )
            return False

    async def sent(self, poll_id: int, chat_id: int, message_id: int, tg_poll_id: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                """INSERT OR IGNORE INTO poll_messages (poll_id, chat_id, message_id, tg_poll_id)
                   VALUES (?, ?, ?, ?)""",
                (poll_id, chat_id, message_id, tg_poll_id),
            )
            await conn.execute(
                """UPDATE poll_sends SET status = 'sent', reason = NULL, not_before = NULL
                   WHERE poll_id = ? AND chat_id = ?""",
                (poll_id, chat_id),
            )

    async def finish(self, poll_id: int, chat_id: int, status: str, reason: str | None) -> None:
        await self._db.execute(
            "UPDATE poll_sends SET status = ?, reason = ? WHERE poll_id = ? AND chat_id = ?",
            (status, reason, poll_id, chat_id),
        )

    async def put_off(
        self, poll_id: int, chat_id: int, at: datetime, reason: str | None, *, refund: bool
    ) -> None:
        """Pending again, not before ``at``; ``refund``: the attempt does not count."""
        await self._db.execute(
            """UPDATE poll_sends SET status = 'pending', not_before = ?, reason = ?,
                      attempts = attempts - ?
               WHERE poll_id = ? AND chat_id = ?""",
            (to_db_time(at), reason, int(refund), poll_id, chat_id),
        )

    @staticmethod
    async def cancel_pending(conn: aiosqlite.Connection, poll_id: int) -> int:
        cursor = await conn.execute(
            """UPDATE poll_sends SET status = 'cancelled', reason = 'poll closed'
               WHERE poll_id = ? AND status = 'pending'""",
            (poll_id,),
        )
        return cursor.rowcount

    async def reach(self, poll_id: int) -> Reach:
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) FROM poll_sends WHERE poll_id = ? GROUP BY status",
            (poll_id,),
        )
        return Reach({row[0]: row[1] for row in rows})

    # -- the stops

    async def to_stop(self, now: datetime, limit: int) -> list[PollMessage]:
        """Messages of closed polls Telegram still holds open, whose retry time has come."""
        rows = await self._db.fetch_all(
            """SELECT m.* FROM poll_messages m JOIN polls p ON p.id = m.poll_id
               WHERE p.status = 'closed' AND m.closed = 0
               AND (m.stop_after IS NULL OR m.stop_after <= ?)
               ORDER BY m.poll_id, m.chat_id LIMIT ?""",
            (to_db_time(now), limit),
        )
        return [message_from_row(row) for row in rows]

    async def stopped(
        self, poll_id: int, chat_id: int, counts: Sequence[int] | None, total: int | None
    ) -> None:
        """The message is stopped (or can never be); its final counts when Telegram gave them."""
        if counts is None:
            sql, params = (
                "UPDATE poll_messages SET closed = 1 WHERE poll_id = ? AND chat_id = ?",
                (poll_id, chat_id),
            )
        else:
            sql = """UPDATE poll_messages SET closed = 1, counts = ?, total = ?
                     WHERE poll_id = ? AND chat_id = ?"""
            params = (json.dumps(list(counts)), total or 0, poll_id, chat_id)  # type: ignore[assignment]
        await self._db.execute(sql, params)

    async def stop_later(
        self, poll_id: int, chat_id: int, at: datetime, *, failed: bool = True
    ) -> int:
        """A stop to try again at ``at``; returns the failed attempts so far (``failed``: this
        one counts; a 429 does not, so waits Telegram asks for never use up the retries)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                """UPDATE poll_messages SET stop_attempts = stop_attempts + ?, stop_after = ?
                   WHERE poll_id = ? AND chat_id = ?""",
                (int(failed), to_db_time(at), poll_id, chat_id),
            )
            cursor = await conn.execute(
                "SELECT stop_attempts FROM poll_messages WHERE poll_id = ? AND chat_id = ?",
                (poll_id, chat_id),
            )
            row = await cursor.fetchone()
            return 0 if row is None else int(row[0])

    # -- what is left to say once sends and stops are done

    async def results_due(self, closed_before: datetime | None) -> list[int]:
        """Closed polls whose every message is stopped and whose results are not queued.

        A named poll's results wait, besides, until the answers read account for every voter
        Telegram counted at the stop (answers cast before it may be read after it: the bot was
        down, or busy) — or, for answers that never count (someone outside the hub voted in
        the group), until it closed before ``closed_before`` (None: not yet)."""
        rows = await self._db.fetch_all(
            """SELECT id FROM polls p WHERE status = 'closed' AND results_queued = 0
               AND NOT EXISTS (SELECT 1 FROM poll_messages m
                               WHERE m.poll_id = p.id AND m.closed = 0)
               AND NOT EXISTS (SELECT 1 FROM poll_sends s
                               WHERE s.poll_id = p.id AND s.status = 'sending')
               AND (p.anonymous = 1 OR p.closed_at <= ?
                    OR (SELECT COUNT(*) FROM poll_votes v
                        WHERE v.poll_id = p.id AND v.option_ids != '[]')
                       >= (SELECT COALESCE(SUM(m.total), 0) FROM poll_messages m
                           WHERE m.poll_id = p.id))
               ORDER BY id""",
            (None if closed_before is None else to_db_time(closed_before),),
        )
        return [row[0] for row in rows]

    async def answers_awaited_since(self) -> datetime | None:
        """When the earliest poll whose results wait for answers closed (None: none waits)."""
        value = await self._db.fetch_value(
            """SELECT MIN(closed_at) FROM polls p WHERE status = 'closed' AND results_queued = 0
               AND anonymous = 0
               AND NOT EXISTS (SELECT 1 FROM poll_messages m
                               WHERE m.poll_id = p.id AND m.closed = 0)"""
        )
        return from_db_time(value)

    async def reports_due(self) -> list[int]:
        """Private polls whose fan-out ended and whose author has not been told."""
        rows = await self._db.fetch_all(
            """SELECT id FROM polls p WHERE private = 1 AND report_queued = 0
               AND NOT EXISTS (SELECT 1 FROM poll_sends s WHERE s.poll_id = p.id
                               AND s.status IN ('pending', 'sending'))
               ORDER BY id"""
        )
        return [row[0] for row in rows]

    @staticmethod
    async def mark_results(conn: aiosqlite.Connection, poll_id: int) -> bool:
        cursor = await conn.execute(
            "UPDATE polls SET results_queued = 1 WHERE id = ? AND results_queued = 0", (poll_id,)
        )
        return cursor.rowcount > 0

    @staticmethod
    async def mark_report(conn: aiosqlite.Connection, poll_id: int) -> bool:
        cursor = await conn.execute(
            "UPDATE polls SET report_queued = 1 WHERE id = ? AND report_queued = 0", (poll_id,)
        )
        return cursor.rowcount > 0

    @staticmethod
    async def delete_poll(conn: aiosqlite.Connection, poll_id: int) -> None:
        """A poll Telegram refused: no row, no messages, no sends (its schedules go apart)."""
        await conn.execute("DELETE FROM polls WHERE id = ?", (poll_id,))
