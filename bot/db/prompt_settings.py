"""Prompt settings of hubs (timing, nudge hours, holidays) and members (prompts off), in SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

from bot.db.database import Database, to_db_time


class PromptSettingsQueries:
    """Mixed into ``PromptRepository``: the queries behind the hub's and members' settings."""

    _db: Database

    async def _update(self, sql: str, params: Sequence[object]) -> int:
        """One write statement; the rows it changed (``Database.execute`` gives the row id)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

    async def settings(self, hub_id: int) -> tuple[str, int] | None:
        row = await self._db.fetch_one(
            "SELECT prompt_timing, nudge_hours FROM hubs WHERE id = ?", (hub_id,)
        )
        return None if row is None else (row[0], row[1])

    async def set_timing(self, hub_id: int, timing: str) -> None:
        await self._db.execute("UPDATE hubs SET prompt_timing = ? WHERE id = ?", (timing, hub_id))

    async def set_nudge_hours(self, hub_id: int, hours: int) -> None:
        await self._db.execute("UPDATE hubs SET nudge_hours = ? WHERE id = ?", (hours, hub_id))

    async def holidays(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._db.fetch_all(
            "SELECT id, first_day, last_day FROM hub_holidays WHERE hub_id = ? ORDER BY first_day",
            (hub_id,),
        )

    async def add_holiday(self, hub_id: int, first: date, last: date, now: datetime) -> int:
        return await self._db.execute(
            """INSERT INTO hub_holidays (hub_id, first_day, last_day, created_at)
               VALUES (?, ?, ?, ?)""",
            (hub_id, first.isoformat(), last.isoformat(), to_db_time(now)),
        )

    async def remove_holiday(self, hub_id: int, holiday_id: int) -> bool:
        return (
            await self._update(
                "DELETE FROM hub_holidays WHERE id = ? AND hub_id = ?", (holiday_id, hub_id)
            )
            > 0
        )

    async def set_member_prompts(self, hub_id: int, user_id: int, on: bool) -> bool:
        return (
            await self._update(
                "UPDATE memberships SET prompts_off = ? WHERE hub_id = ? AND user_id = ?",
                (int(not on), hub_id, user_id),
            )
            > 0
        )

    async def member_settings(self, user_id: int) -> list[tuple[int, bool]]:
        rows = await self._db.fetch_all(
            """SELECT m.hub_id, m.prompts_off = 0 FROM memberships m JOIN hubs h ON h.id = m.hub_id
               WHERE m.user_id = ? ORDER BY h.name COLLATE NOCASE""",
            (user_id,),
        )
        return [(r[0], bool(r[1])) for r in rows]

    async def schedule_ids(self, hub_id: int) -> list[int]:
        """Active prompt schedules of a hub (to re-time them when its timing changes)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM schedules WHERE kind = 'prompt' AND hub_id = ? AND active = 1",
            (hub_id,),
        )
        return [r[0] for r in rows]

    async def set_schedule_zone(self, hub_id: int, timezone: str) -> None:
        await self._update(
            "UPDATE schedules SET timezone = ? WHERE kind = 'prompt' AND hub_id = ?",
            (timezone, hub_id),
        )
