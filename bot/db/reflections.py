"""Reflections: what a member wrote to a prompt, in parts (texts, voice notes, photos)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time


class PartKind(StrEnum):
    TEXT = "text"
    VOICE = "voice"
    PHOTO = "photo"


@dataclass(frozen=True, slots=True)
class ReflectionRow:
    id: int
    user_id: int
    hub_id: int | None
    send_id: int | None
    prompt_text: str
    created_at: datetime
    updated_at: datetime
    shared_at: datetime | None
    shared_anonymously: bool | None
    hub_name: str | None = None  # None when the hub is gone


@dataclass(frozen=True, slots=True)
class PartRow:
    id: int
    reflection_id: int
    kind: PartKind
    text: str
    file_id: str | None
    message_id: int
    created_at: datetime


def _time(text: str) -> datetime:
    moment = from_db_time(text)
    assert moment is not None
    return moment


def _reflection(row: sqlite3.Row) -> ReflectionRow:
    anonymous = row["shared_anonymously"]
    return ReflectionRow(
        id=row["id"],
        user_id=row["user_id"],
        hub_id=row["hub_id"],
        send_id=row["send_id"],
        prompt_text=row["prompt_text"],
        created_at=_time(row["created_at"]),
        updated_at=_time(row["updated_at"]),
        shared_at=from_db_time(row["shared_at"]),
        shared_anonymously=None if anonymous is None else bool(anonymous),
        hub_name=row["hub_name"],
    )


def _part(row: sqlite3.Row) -> PartRow:
    return PartRow(
        id=row["id"],
        reflection_id=row["reflection_id"],
        kind=PartKind(row["kind"]),
        text=row["text"],
        file_id=row["file_id"],
        message_id=row["message_id"],
        created_at=_time(row["created_at"]),
    )


_SELECT = """SELECT r.*, h.name AS hub_name FROM reflections r
             LEFT JOIN hubs h ON h.id = r.hub_id"""


class ReflectionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes (inside the caller's transaction)

    @staticmethod
    async def create(
        conn: aiosqlite.Connection,
        *,
        user_id: int,
        hub_id: int | None,
        send_id: int | None,
        prompt_text: str,
        at: datetime,
    ) -> int:
        now = to_db_time(at)
        cursor = await conn.execute(
            """INSERT INTO reflections (user_id, hub_id, send_id, prompt_text, created_at,
                                        updated_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (user_id, hub_id, send_id, prompt_text, now, now),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def add_part(
        conn: aiosqlite.Connection,
        reflection_id: int,
        *,
        kind: PartKind,
        text: str,
        file_id: str | None,
        message_id: int,
        at: datetime,
    ) -> int:
        """Append a part; the reflection's ``updated_at`` moves on, which opens its window again."""
        now = to_db_time(at)
        cursor = await conn.execute(
            """INSERT INTO reflection_parts (reflection_id, kind, text, file_id, message_id,
                                             created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (reflection_id, kind.value, text, file_id, message_id, now),
        )
        await conn.execute(
            "UPDATE reflections SET updated_at = ? WHERE id = ?", (now, reflection_id)
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def mark_shared(
        conn: aiosqlite.Connection, reflection_id: int, anonymous: bool, at: datetime
    ) -> bool:
        """Record the share once; False if it was shared already."""
        cursor = await conn.execute(
            """UPDATE reflections SET shared_at = ?, shared_anonymously = ?
               WHERE id = ? AND shared_at IS NULL""",
            (to_db_time(at), int(anonymous), reflection_id),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def text_length_in(conn: aiosqlite.Connection, reflection_id: int) -> int:
        rows = await conn.execute_fetchall(
            "SELECT COALESCE(SUM(LENGTH(text)), 0) FROM reflection_parts WHERE reflection_id = ?",
            (reflection_id,),
        )
        return int(next(iter(rows))[0])

    @staticmethod
    async def for_send_in(conn: aiosqlite.Connection, user_id: int, send_id: int) -> int | None:
        rows = await conn.execute_fetchall(
            "SELECT id FROM reflections WHERE user_id = ? AND send_id = ? ORDER BY id LIMIT 1",
            (user_id, send_id),
        )
        row = next(iter(rows), None)
        return None if row is None else int(row[0])

    @staticmethod
    async def latest_since_in(
        conn: aiosqlite.Connection, user_id: int, since: datetime
    ) -> int | None:
        """The member's reflection whose last part came after ``since`` (its window is open)."""
        rows = await conn.execute_fetchall(
            """SELECT id FROM reflections WHERE user_id = ? AND updated_at >= ?
               ORDER BY updated_at DESC, id DESC LIMIT 1""",
            (user_id, to_db_time(since)),
        )
        row = next(iter(rows), None)
        return None if row is None else int(row[0])

    # -- reads

    async def get(self, reflection_id: int) -> ReflectionRow | None:
        row = await self._db.fetch_one(f"{_SELECT} WHERE r.id = ?", (reflection_id,))
        return None if row is None else _reflection(row)

    async def for_send(self, user_id: int, send_id: int) -> ReflectionRow | None:
        row = await self._db.fetch_one(
            f"{_SELECT} WHERE r.user_id = ? AND r.send_id = ? ORDER BY r.id LIMIT 1",
            (user_id, send_id),
        )
        return None if row is None else _reflection(row)

    async def parts(self, reflection_ids: list[int]) -> dict[int, list[PartRow]]:
        """The parts of each reflection, in the order they were written."""
        out: dict[int, list[PartRow]] = {rid: [] for rid in reflection_ids}
        if not reflection_ids:
            return out
        marks = ", ".join("?" * len(reflection_ids))
        rows = await self._db.fetch_all(
            f"""SELECT * FROM reflection_parts WHERE reflection_id IN ({marks})
                ORDER BY reflection_id, id""",  # noqa: S608
            reflection_ids,
        )
        for row in rows:
            out[row["reflection_id"]].append(_part(row))
        return out

    async def count(self, user_id: int) -> int:
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM reflections WHERE user_id = ?", (user_id,)
            )
        )

    async def page(self, user_id: int, offset: int, limit: int) -> list[ReflectionRow]:
        """The member's reflections, newest first."""
        rows = await self._db.fetch_all(
            f"""{_SELECT} WHERE r.user_id = ?
                ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?""",
            (user_id, limit, offset),
        )
        return [_reflection(row) for row in rows]
