"""Hubs: one per Telegram group, with a join code, a time zone, a language and settings."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class HubRow:
    id: int
    name: str
    code: str
    chat_id: int | None
    timezone: str
    locale: str
    moderation: bool
    detached_at: datetime | None
    created_at: datetime

    @property
    def attached(self) -> bool:
        return self.chat_id is not None and self.detached_at is None


def hub_from_row(row: sqlite3.Row) -> HubRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return HubRow(
        id=row["id"],
        name=row["name"],
        code=row["code"],
        chat_id=row["chat_id"],
        timezone=row["timezone"],
        locale=row["locale"],
        moderation=bool(row["moderation"]),
        detached_at=from_db_time(row["detached_at"]),
        created_at=created,
    )


class HubRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, *, name: str, code: str, chat_id: int, timezone: str, locale: str, created_by: int
    ) -> int:
        """Insert a hub and make its creator the first facilitator, in one transaction."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO hubs (name, code, chat_id, timezone, locale, created_by, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (name, code, chat_id, timezone, locale, created_by, now),
            )
            hub_id = cursor.lastrowid
            await conn.execute(
                """INSERT INTO memberships (hub_id, user_id, role, joined_at)
                   VALUES (?, ?, 'facilitator', ?)""",
                (hub_id, created_by, now),
            )
        assert hub_id is not None
        return hub_id

    async def get(self, hub_id: int) -> HubRow | None:
        row = await self._db.fetch_one("SELECT * FROM hubs WHERE id = ?", (hub_id,))
        return None if row is None else hub_from_row(row)

    async def by_code(self, code: str) -> HubRow | None:
        row = await self._db.fetch_one("SELECT * FROM hubs WHERE code = ?", (code,))
        return None if row is None else hub_from_row(row)

    async def by_chat(self, chat_id: int) -> HubRow | None:
        row = await self._db.fetch_one("SELECT * FROM hubs WHERE chat_id = ?", (chat_id,))
        return None if row is None else hub_from_row(row)

    async def all(self) -> list[HubRow]:
        return [
            hub_from_row(r)
            for r in await self._db.fetch_all("SELECT * FROM hubs ORDER BY name, id")
        ]

    async def code_exists(self, code: str) -> bool:
        return bool(await self._db.fetch_value("SELECT 1 FROM hubs WHERE code = ?", (code,)))

    async def set_detached(self, hub_id: int, detached: bool) -> None:
        await self._db.execute(
            "UPDATE hubs SET detached_at = ? WHERE id = ?",
            (to_db_time(utcnow()) if detached else None, hub_id),
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Follow a group's upgrade to a supergroup; return whether a hub moved."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE hubs SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )
            return cursor.rowcount > 0

    async def update_settings(
        self,
        hub_id: int,
        *,
        timezone: str | None = None,
        locale: str | None = None,
        moderation: bool | None = None,
    ) -> None:
        await self._db.execute(
            """UPDATE hubs SET timezone = COALESCE(?, timezone), locale = COALESCE(?, locale),
                               moderation = COALESCE(?, moderation)
               WHERE id = ?""",
            (timezone, locale, None if moderation is None else int(moderation), hub_id),
        )
