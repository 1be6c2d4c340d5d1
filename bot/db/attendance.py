"""Attendance and feedback after a meeting: SQL only (bot/services/attendance.py decides).

Who was asked for feedback and whether they answered (``meeting_feedback_requests``) is kept
apart from the answers (``meeting_feedback``): no query here joins the two, and an answer names
its author only in ``signed_by``, which is set only when the member chose to sign it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.db.database import Database, to_db_time


@dataclass(frozen=True, slots=True)
class FeedbackAnswer:
    rating: int
    comment: str | None
    signer: str | None  # the member's name when they signed it; None: anonymous


@dataclass(frozen=True, slots=True)
class RequestCounts:
    asked: int
    answered: int


class AttendanceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- attendance

    async def marks(self, occurrence_id: int) -> dict[int, bool]:
        """The saved attendance: member id → present."""
        rows = await self._db.fetch_all(
            "SELECT user_id, present FROM meeting_attendance WHERE occurrence_id = ?",
            (occurrence_id,),
        )
        return {int(r[0]): bool(r[1]) for r in rows}

    @staticmethod
    async def save_in(
        conn: aiosqlite.Connection, occurrence_id: int, marks: dict[int, bool], now: datetime
    ) -> None:
        """Replace the occurrence's attendance with ``marks`` and stamp ``attendance_at``."""
        await conn.execute(
            "DELETE FROM meeting_attendance WHERE occurrence_id = ?", (occurrence_id,)
        )
        await conn.executemany(
            "INSERT INTO meeting_attendance (occurrence_id, user_id, present) VALUES (?, ?, ?)",
            [(occurrence_id, user_id, int(present)) for user_id, present in marks.items()],
        )
        await conn.execute(
            "UPDATE meeting_occurrences SET attendance_at = ? WHERE id = ?",
            (to_db_time(now), occurrence_id),
        )

    async def recent(
        self, hub_ids: list[int], since: datetime, now: datetime, limit: int
    ) -> list[int]:
        """Occurrences in these hubs that started between ``since`` and ``now``, latest first."""
        if not hub_ids:
            return []
        marks = ", ".join("?" * len(hub_ids))
        rows = await self._db.fetch_all(
            f"""SELECT o.id FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id
                WHERE m.hub_id IN ({marks}) AND o.status = 'scheduled' AND m.status = 'scheduled'
                  AND o.starts_at > ? AND o.starts_at <= ?
                ORDER BY o.starts_at DESC, o.id DESC LIMIT ?""",  # noqa: S608
            (*hub_ids, to_db_time(since), to_db_time(now), limit),
        )
        return [int(r[0]) for r in rows]

    # -- feedback requests (who was asked)

    @staticmethod
    async def feedback_on_in(conn: aiosqlite.Connection, hub_id: int) -> bool:
        rows = await conn.execute_fetchall(
            "SELECT meeting_feedback FROM hubs WHERE id = ?", (hub_id,)
        )
        row = next(iter(rows), None)
        return bool(row and row[0])

    async def feedback_on(self, hub_id: int) -> bool:
        return bool(
            await self._db.fetch_value("SELECT meeting_feedback FROM hubs WHERE id = ?", (hub_id,))
        )

    @staticmethod
    async def add_requests_in(
        conn: aiosqlite.Connection, occurrence_id: int, user_ids: list[int], now: datetime
    ) -> list[int]:
        """Ask these members (those asked before are skipped); return the newly asked."""
        rows = await conn.execute_fetchall(
            "SELECT user_id FROM meeting_feedback_requests WHERE occurrence_id = ?",
            (occurrence_id,),
        )
        asked = {int(r[0]) for r in rows}
        new = [user_id for user_id in user_ids if user_id not in asked]
        await conn.executemany(
            """INSERT INTO meeting_feedback_requests (occurrence_id, user_id) VALUES (?, ?)
               ON CONFLICT DO NOTHING""",
            [(occurrence_id, user_id) for user_id in new],
        )
        if new:
            await conn.execute(
                """UPDATE meeting_occurrences SET feedback_at = ?
                   WHERE id = ? AND feedback_at IS NULL""",
                (to_db_time(now), occurrence_id),
            )
        return new

    async def request(self, occurrence_id: int, user_id: int) -> bool | None:
        """Whether the member answered (None: they were not asked)."""
        value = await self._db.fetch_value(
            """SELECT answered FROM meeting_feedback_requests
               WHERE occurrence_id = ? AND user_id = ?""",
            (occurrence_id, user_id),
        )
        return None if value is None else bool(value)

    async def request_counts(self, occurrence_id: int) -> RequestCounts:
        row = await self._db.fetch_one(
            """SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM meeting_feedback_requests
               WHERE occurrence_id = ?""",
            (occurrence_id,),
        )
        return RequestCounts(int(row[0]), int(row[1])) if row else RequestCounts(0, 0)

    # -- answers (what was said)

    @staticmethod
    async def answer_in(
        conn: aiosqlite.Connection,
        occurrence_id: int,
        user_id: int,
        *,
        rating: int,
        comment: str | None,
        signed: bool,
    ) -> bool:
        """Mark the request answered and store the answer; False if it was answered before.

        The answer row carries the member only when ``signed``; the request row says only that
        they answered, not what.
        """
        cursor = await conn.execute(
            """UPDATE meeting_feedback_requests SET answered = 1
               WHERE occurrence_id = ? AND user_id = ? AND answered = 0""",
            (occurrence_id, user_id),
        )
        if cursor.rowcount == 0:
            return False
        await conn.execute(
            """INSERT INTO meeting_feedback (occurrence_id, rating, comment, signed_by)
               VALUES (?, ?, ?, ?)""",
            (occurrence_id, rating, comment, user_id if signed else None),
        )
        return True

    async def answers(self, occurrence_id: int) -> list[FeedbackAnswer]:
        """The answers, signed ones with their author's name; unsigned ones in no telling order."""
        rows = await self._db.fetch_all(
            """SELECT f.rating, f.comment, u.first_name, u.last_name, f.signed_by
               FROM meeting_feedback f LEFT JOIN users u ON u.id = f.signed_by
               WHERE f.occurrence_id = ?
               ORDER BY f.signed_by IS NULL, f.comment COLLATE NOCASE, f.rating""",
            (occurrence_id,),
        )
        out = []
        for r in rows:
            signer = None
            if r[4] is not None:
                signer = " ".join(p for p in (r[2], r[3]) if p) or str(r[4])
            out.append(FeedbackAnswer(int(r[0]), r[1], signer))
        return out
