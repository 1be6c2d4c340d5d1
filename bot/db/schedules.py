"""Schedules: one-off and recurring rules, their next fire time, and every occurrence handled."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    id: int
    kind: str
    ref_id: int
    hub_id: int | None
    rule: str  # once | daily | weekly
    at_local: str  # 'YYYY-MM-DD HH:MM' for once, 'HH:MM' for recurring rules
    weekdays: str | None
    timezone: str
    next_fire: datetime | None
    active: bool


def _row(row: sqlite3.Row) -> ScheduleRow:
    return ScheduleRow(
        id=row["id"],
        kind=row["kind"],
        ref_id=row["ref_id"],
        hub_id=row["hub_id"],
        rule=row["rule"],
        at_local=row["at_local"],
        weekdays=row["weekdays"],
        timezone=row["timezone"],
        next_fire=from_db_time(row["next_fire"]),
        active=bool(row["active"]),
    )


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def insert(
        conn: aiosqlite.Connection,
        *,
        kind: str,
        ref_id: int,
        hub_id: int | None,
        rule: str,
        at_local: str,
        weekdays: str | None,
        timezone: str,
        next_fire: datetime,
    ) -> int:
        """Insert inside the caller's transaction (with the row that the schedule serves)."""
        cursor = await conn.execute(
            """INSERT INTO schedules (kind, ref_id, hub_id, rule, at_local, weekdays, timezone,
                                      next_fire, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                kind,
                ref_id,
                hub_id,
                rule,
                at_local,
                weekdays,
                timezone,
                to_db_time(next_fire),
                to_db_time(utcnow()),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, schedule_id: int) -> ScheduleRow | None:
        row = await self._db.fetch_one("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        return None if row is None else _row(row)

    async def for_ref(self, kind: str, ref_id: int) -> ScheduleRow | None:
        row = await self._db.fetch_one(
            "SELECT * FROM schedules WHERE kind = ? AND ref_id = ? ORDER BY id DESC LIMIT 1",
            (kind, ref_id),
        )
        return None if row is None else _row(row)

    async def active(self) -> list[ScheduleRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM schedules WHERE active = 1 AND next_fire IS NOT NULL ORDER BY next_fire"
        )
        return [_row(r) for r in rows]

    async def due(self, now: datetime) -> list[ScheduleRow]:
        rows = await self._db.fetch_all(
            """SELECT * FROM schedules WHERE active = 1 AND next_fire IS NOT NULL
               AND next_fire <= ? ORDER BY next_fire""",
            (to_db_time(now),),
        )
        return [_row(r) for r in rows]

    @staticmethod
    async def claim_occurrence(
        conn: aiosqlite.Connection,
        schedule_id: int,
        occurrence: datetime,
        outcome: str,
        reason: str | None = None,
    ) -> bool:
        """Record an occurrence as handled; False when it already was (fired twice)."""
        cursor = await conn.execute(
            """INSERT INTO schedule_runs (schedule_id, occurrence, outcome, handled_at, reason)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (schedule_id, to_db_time(occurrence), outcome, to_db_time(utcnow()), reason),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def mark_skipped(
        conn: aiosqlite.Connection, schedule_id: int, occurrence: datetime, reason: str
    ) -> None:
        """The handler declined a claimed occurrence (a holiday): recorded as skipped, and why."""
        await conn.execute(
            """UPDATE schedule_runs SET outcome = 'skipped', reason = ?
               WHERE schedule_id = ? AND occurrence = ?""",
            (reason, schedule_id, to_db_time(occurrence)),
        )

    @staticmethod
    async def set_next(
        conn: aiosqlite.Connection, schedule_id: int, next_fire: datetime | None
    ) -> None:
        await conn.execute(
            "UPDATE schedules SET next_fire = ?, active = ? WHERE id = ?",
            (to_db_time(next_fire) if next_fire else None, int(next_fire is not None), schedule_id),
        )

    async def deactivate(self, schedule_id: int) -> None:
        await self._db.execute("UPDATE schedules SET active = 0 WHERE id = ?", (schedule_id,))

    async def runs(self, schedule_id: int) -> list[tuple[datetime, str]]:
        rows = await self._db.fetch_all(
            """SELECT occurrence, outcome FROM schedule_runs WHERE schedule_id = ?
               ORDER BY occurrence""",
            (schedule_id,),
        )
        return [(datetime.fromisoformat(r[0]), r[1]) for r in rows]
