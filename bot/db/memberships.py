"""Memberships: who belongs to which hub, and in which role."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.db.cache import ReadCache
from bot.db.database import Database, from_db_time, to_db_time, utcnow
from bot.db.hubs import HubRow, hub_from_row
from bot.db.users import UserRow, user_from_row


class Role(StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


@dataclass(frozen=True, slots=True)
class Membership:
    hub: HubRow
    role: Role
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class Member:
    user: UserRow
    role: Role
    joined_at: datetime


def _joined(row: sqlite3.Row) -> datetime:
    joined = from_db_time(row["joined_at"])
    assert joined is not None
    return joined


class MembershipRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._hubs_of: ReadCache[int, tuple[Membership, ...]] = ReadCache(db)

    async def add(self, hub_id: int, user_id: int, role: Role = Role.MEMBER) -> bool:
        """Add a membership; return False when the user already belongs to the hub."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO memberships (hub_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT (hub_id, user_id) DO NOTHING""",
                (hub_id, user_id, role.value, to_db_time(utcnow())),
            )
            return cursor.rowcount > 0

    async def remove(self, hub_id: int, user_id: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM memberships WHERE hub_id = ? AND user_id = ?", (hub_id, user_id)
            )
            return cursor.rowcount > 0

    async def role(self, hub_id: int, user_id: int) -> Role | None:
        value = await self._db.fetch_value(
            "SELECT role FROM memberships WHERE hub_id = ? AND user_id = ?", (hub_id, user_id)
        )
        return None if value is None else Role(value)

    async def set_role(self, hub_id: int, user_id: int, role: Role) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE memberships SET role = ? WHERE hub_id = ? AND user_id = ? AND role <> ?",
                (role.value, hub_id, user_id, role.value),
            )
            return cursor.rowcount > 0

    async def demote_unless_last(self, hub_id: int, user_id: int) -> bool | None:
        """Demote a facilitator unless they are the hub's last one (None: refused as last)."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                """SELECT COUNT(*) FROM memberships WHERE hub_id = ? AND role = 'facilitator'""",
                (hub_id,),
            ) as cursor:
                row = await cursor.fetchone()
            facilitators = row[0] if row else 0
            async with conn.execute(
                "SELECT role FROM memberships WHERE hub_id = ? AND user_id = ?", (hub_id, user_id)
            ) as cursor:
                current = await cursor.fetchone()
            if current is None or current[0] != Role.FACILITATOR:
                return False
            if facilitators <= 1:
                return None
            await conn.execute(
                "UPDATE memberships SET role = 'member' WHERE hub_id = ? AND user_id = ?",
                (hub_id, user_id),
            )
            return True

    async def hubs_of(self, user_id: int, *, cached: bool = False) -> list[Membership]:
        """The user's hubs, most recently joined first.

        ``cached``: a listing to show (/start's, on every /start) may come from memory while no
        write has committed since; role checks read the database.
        """
        hit = self._hubs_of.get(user_id) if cached else None
        if hit is not None:
            return list(hit)
        token = self._hubs_of.token()
        rows = await self._db.fetch_all(
            """SELECT h.*, m.role, m.joined_at FROM memberships m JOIN hubs h ON h.id = m.hub_id
               WHERE m.user_id = ? ORDER BY m.joined_at DESC, h.id DESC""",
            (user_id,),
        )
        hubs = tuple(Membership(hub_from_row(r), Role(r["role"]), _joined(r)) for r in rows)
        self._hubs_of.put(user_id, hubs, token)
        return list(hubs)

    async def members_of(self, hub_id: int) -> list[Member]:
        """Facilitators first, then members by name."""
        rows = await self._db.fetch_all(
            """SELECT u.*, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
               WHERE m.hub_id = ?
               ORDER BY m.role = 'facilitator' DESC, u.first_name COLLATE NOCASE, u.id""",
            (hub_id,),
        )
        return [Member(user_from_row(r), Role(r["role"]), _joined(r)) for r in rows]
