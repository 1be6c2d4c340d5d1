"""Broadcasts: an announcement to a hub's members (or every hub's), now or at a set time."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time, utcnow


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    hub_id: int | None  # None: every hub
    sender_id: int
    text: str
    post_in_group: bool
    status: BroadcastStatus
    send_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    urgent: bool = False  # passes members' quiet hours


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    locale: str | None
    language_code: str | None
    hub_locale: str
    blocked: bool


def _row(row: sqlite3.Row) -> BroadcastRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return BroadcastRow(
        id=row["id"],
        hub_id=row["hub_id"],
        sender_id=row["sender_id"],
        text=row["text"],
        post_in_group=bool(row["post_in_group"]),
        status=BroadcastStatus(row["status"]),
        send_at=from_db_time(row["send_at"]),
        created_at=created,
        sent_at=from_db_time(row["sent_at"]),
        urgent=bool(row["urgent"]),
    )


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_draft(
        self, *, hub_id: int | None, sender_id: int, text: str, send_at: datetime | None
    ) -> int:
        return await self._db.execute(
            """INSERT INTO broadcasts (hub_id, sender_id, text, send_at, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (
                hub_id,
                sender_id,
                text,
                to_db_time(send_at) if send_at else None,
                to_db_time(utcnow()),
            ),
        )

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return None if row is None else _row(row)

    async def set_post_in_group(self, broadcast_id: int, on: bool) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET post_in_group = ? WHERE id = ? AND status = 'draft'",
            (int(on), broadcast_id),
        )

    async def set_urgent(self, broadcast_id: int, on: bool) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET urgent = ? WHERE id = ? AND status = 'draft'",
            (int(on), broadcast_id),
        )

    async def set_send_at(self, broadcast_id: int, send_at: datetime) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET send_at = ? WHERE id = ? AND status = 'draft'",
            (to_db_time(send_at), broadcast_id),
        )

    @staticmethod
    async def set_status(
        conn: aiosqlite.Connection,
        broadcast_id: int,
        status: BroadcastStatus,
        *,
        expect: tuple[BroadcastStatus, ...],
    ) -> bool:
        """Move to ``status`` only from one of ``expect``: a double tap changes nothing."""
        marks = ",".join("?" * len(expect))
        cursor = await conn.execute(
            f"""UPDATE broadcasts SET status = ?,
                       sent_at = CASE WHEN ? = 'sending' THEN ? ELSE sent_at END
                WHERE id = ? AND status IN ({marks})""",  # noqa: S608 - placeholders only
            (
                status.value,
                status.value,
                to_db_time(utcnow()),
                broadcast_id,
                *(s.value for s in expect),
            ),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def mark_reported_in(conn: aiosqlite.Connection, broadcast_id: int) -> bool:
        """Done and reported, once: False when another batch got here first."""
        cursor = await conn.execute(
            """UPDATE broadcasts SET status = 'done', reported_at = ?
               WHERE id = ? AND status = 'sending' AND reported_at IS NULL""",
            (to_db_time(utcnow()), broadcast_id),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def recipients(conn: aiosqlite.Connection, hub_id: int | None) -> list[Recipient]:
        """Members of the hub (of every hub for None), each once, with what picks their language."""
        rows = await conn.execute_fetchall(
            """SELECT u.id, u.locale, u.language_code, u.blocked_at IS NOT NULL AS blocked,
                      (SELECT h.locale FROM memberships m2 JOIN hubs h ON h.id = m2.hub_id
                       WHERE m2.user_id = u.id AND (:hub IS NULL OR m2.hub_id = :hub)
                       ORDER BY m2.joined_at DESC LIMIT 1) AS hub_locale
               FROM users u
               WHERE u.id IN (SELECT user_id FROM memberships
                              WHERE :hub IS NULL OR hub_id = :hub)
               ORDER BY u.id""",
            {"hub": hub_id},
        )
        return [Recipient(r[0], r[1], r[2], r[4], bool(r[3])) for r in rows]

    async def recent_for_hubs(
        self, hub_ids: list[int] | None, limit: int = 10
    ) -> list[BroadcastRow]:
        """Recent non-draft broadcasts of these hubs (all, for None), scheduled ones first."""
        where = "" if hub_ids is None else f"AND hub_id IN ({','.join('?' * len(hub_ids))})"
        rows = await self._db.fetch_all(
            f"""SELECT * FROM broadcasts WHERE status <> 'draft' {where}
                ORDER BY status = 'scheduled' DESC, id DESC LIMIT ?""",  # noqa: S608
            (*(hub_ids or ()), limit),
        )
        return [_row(r) for r in rows]
