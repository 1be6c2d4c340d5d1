"""Quiet hours and pauses: a member's settings, read one by one or for a page of outbox rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class QuietSettings:
    """A member's quiet hours ('HH:MM' in their zone, or None), pause (UTC) and zone."""

    user_id: int
    quiet_start: str | None
    quiet_end: str | None
    paused_until: datetime | None
    timezone: str | None  # their own, else their latest hub's; None: the bot's default


_SELECT = """
    SELECT u.id, u.quiet_start, u.quiet_end, u.paused_until,
           COALESCE(u.timezone,
                    (SELECT h.timezone FROM memberships m JOIN hubs h ON h.id = m.hub_id
                     WHERE m.user_id = u.id ORDER BY m.joined_at DESC, h.id DESC LIMIT 1))
               AS zone
    FROM users u
"""


def _settings(row: sqlite3.Row) -> QuietSettings:
    return QuietSettings(
        user_id=row["id"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        paused_until=from_db_time(row["paused_until"]),
        timezone=row["zone"],
    )


class QuietRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> QuietSettings | None:
        row = await self._db.fetch_one(_SELECT + " WHERE u.id = ?", (user_id,))
        return None if row is None else _settings(row)

    async def for_users(self, user_ids: Sequence[int]) -> dict[int, QuietSettings]:
        """Settings of those among ``user_ids`` who have quiet hours or a pause at all."""
        found: dict[int, QuietSettings] = {}
        ids = list(dict.fromkeys(user_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await self._db.fetch_all(
                _SELECT
                + f""" WHERE u.id IN ({", ".join("?" * len(chunk))})
                       AND (u.quiet_start IS NOT NULL OR u.paused_until IS NOT NULL)""",
                chunk,
            )
            for row in rows:
                found[row["id"]] = _settings(row)
        return found

    async def with_settings(self) -> set[int]:
        """Ids of members with quiet hours or a pause (read once at start-up)."""
        rows = await self._db.fetch_all(
            "SELECT id FROM users WHERE quiet_start IS NOT NULL OR paused_until IS NOT NULL"
        )
        return {row[0] for row in rows}

    async def set_quiet(self, user_id: int, start: str | None, end: str | None) -> None:
        await self._db.execute(
            "UPDATE users SET quiet_start = ?, quiet_end = ?, updated_at = ? WHERE id = ?",
            (start, end, to_db_time(utcnow()), user_id),
        )

    async def set_paused(self, user_id: int, until: datetime | None) -> None:
        await self._db.execute(
            "UPDATE users SET paused_until = ?, updated_at = ? WHERE id = ?",
            (to_db_time(until) if until else None, to_db_time(utcnow()), user_id),
        )
