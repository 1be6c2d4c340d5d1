"""Quick polls: the polls, the messages Telegram holds them in, and the answers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class PollRow:
    id: int
    hub_id: int
    author_id: int
    question: str
    options: tuple[str, ...]
    anonymous: bool
    multiple: bool
    private: bool
    closes_at: datetime | None
    status: str
    created_at: datetime
    remind_at: datetime | None


@dataclass(frozen=True, slots=True)
class PollMessage:
    poll_id: int
    chat_id: int
    message_id: int
    tg_poll_id: str
    counts: tuple[int, ...] | None
    total: int
    closed: bool


def _poll(row: sqlite3.Row) -> PollRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return PollRow(
        id=row["id"],
        hub_id=row["hub_id"],
        author_id=row["author_id"],
        question=row["question"],
        options=tuple(json.loads(row["options"])),
        anonymous=bool(row["anonymous"]),
        multiple=bool(row["multiple"]),
        private=bool(row["private"]),
        closes_at=from_db_time(row["closes_at"]),
        status=row["status"],
        created_at=created,
        remind_at=from_db_time(row["remind_at"]),
    )


def message_from_row(row: sqlite3.Row) -> PollMessage:
    counts = row["counts"]
    return PollMessage(
        poll_id=row["poll_id"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        tg_poll_id=row["tg_poll_id"],
        counts=None if counts is None else tuple(json.loads(counts)),
        total=row["total"],
        closed=bool(row["closed"]),
    )


class PollRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def insert(
        conn: aiosqlite.Connection,
        *,
        hub_id: int,
        author_id: int,
        question: str,
        options: Sequence[str],
        anonymous: bool,
        multiple: bool,
        private: bool,
        closes_at: datetime | None,
        now: datetime,
    ) -> int:
        cursor = await conn.execute(
            """INSERT INTO polls (hub_id, author_id, question, options, anonymous, multiple,
                                  private, closes_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                hub_id,
                author_id,
                question,
                json.dumps(list(options), ensure_ascii=False),
                int(anonymous),
                int(multiple),
                int(private),
                None if closes_at is None else to_db_time(closes_at),
                to_db_time(now),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, poll_id: int) -> PollRow | None:
        row = await self._db.fetch_one("SELECT * FROM polls WHERE id = ?", (poll_id,))
        return None if row is None else _poll(row)

    async def for_hubs(self, hub_ids: Sequence[int]) -> list[PollRow]:
        if not hub_ids:
            return []
        marks = ",".join("?" * len(hub_ids))
        rows = await self._db.fetch_all(
            f"SELECT * FROM polls WHERE hub_id IN ({marks}) ORDER BY id DESC",  # noqa: S608
            tuple(hub_ids),
        )
        return [_poll(row) for row in rows]

    async def messages(self, poll_id: int) -> list[PollMessage]:
        rows = await self._db.fetch_all(
            "SELECT * FROM poll_messages WHERE poll_id = ? ORDER BY chat_id", (poll_id,)
        )
        return [message_from_row(row) for row in rows]

    async def message_by_tg(self, tg_poll_id: str) -> PollMessage | None:
        row = await self._db.fetch_one(
            "SELECT * FROM poll_messages WHERE tg_poll_id = ?", (tg_poll_id,)
        )
        return None if row is None else message_from_row(row)

    async def set_counts(
        self, tg_poll_id: str, counts: Sequence[int], total: int, update_id: int
    ) -> bool:
        """Apply a ``poll`` update's counts unless a newer update was applied already (updates
        run concurrently, so an older one may come last) or the message is stopped (its counts
        are then stopPoll's final ones)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE poll_messages SET counts = ?, total = ?, update_id = ?
                   WHERE tg_poll_id = ? AND closed = 0
                   AND (update_id IS NULL OR update_id < ?)""",
                (json.dumps(list(counts)), total, update_id, tg_poll_id, update_id),
            )
            return cursor.rowcount > 0

    async def record_vote(
        self, tg_poll_id: str, user_id: int, option_ids: Sequence[int], now: datetime
    ) -> bool:
        """Record a member's answer (empty: retracted); False for an unknown poll or a voter who
        is not a member of the poll's hub.

        A message already stopped takes it too: Telegram sends no answer for a vote after the
        stop, so this one was cast while the poll was open, and read late (the bot was down, or
        busy, when it came). The results wait for such answers (``results_due``)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO poll_votes (poll_id, user_id, option_ids, updated_at)
               SELECT m.poll_id, ?, ?, ? FROM poll_messages m JOIN polls p ON p.id = m.poll_id
               -- only the hub's members count: not a stranger in the group or a forwarded poll
               JOIN memberships ms ON ms.hub_id = p.hub_id AND ms.user_id = ?
               WHERE m.tg_poll_id = ?
               ON CONFLICT (poll_id, user_id) DO UPDATE
               SET option_ids = excluded.option_ids, updated_at = excluded.updated_at""",
                (user_id, json.dumps(list(option_ids)), to_db_time(now), user_id, tg_poll_id),
            )
            return cursor.rowcount > 0

    async def votes(self, poll_id: int) -> dict[int, tuple[int, ...]]:
        rows = await self._db.fetch_all(
            "SELECT user_id, option_ids FROM poll_votes WHERE poll_id = ?", (poll_id,)
        )
        return {row["user_id"]: tuple(json.loads(row["option_ids"])) for row in rows}

    @staticmethod
    async def close(conn: aiosqlite.Connection, poll_id: int, now: datetime) -> bool:
        """Mark the poll closed; False if it already was (closing twice does nothing)."""
        cursor = await conn.execute(
            "UPDATE polls SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
            (to_db_time(now), poll_id),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def set_remind(conn: aiosqlite.Connection, poll_id: int, at: datetime) -> bool:
        """Set the reminder-once marker; False if a reminder was already chosen."""
        cursor = await conn.execute(
            "UPDATE polls SET remind_at = ? WHERE id = ? AND remind_at IS NULL",
            (to_db_time(at), poll_id),
        )
        return cursor.rowcount > 0
