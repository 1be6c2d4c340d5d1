"""The outbox: one row per message to deliver, claimed one by one as each request leaves."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import aiosqlite

from bot.db.database import Database, to_db_time, utcnow

T = TypeVar("T")

# A row that edits a message already in a chat instead of sending one: the message to edit is
# in ``reply_to_message_id``. Durable (retried on 429 and network errors, kept across restarts).
EDIT_KIND = "post_edit"


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    NOT_STARTED = "not_started"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = frozenset(
    {Status.SENT, Status.BLOCKED, Status.NOT_STARTED, Status.FAILED, Status.CANCELLED}
)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to put in the outbox; ``key`` makes writing it twice a no-op."""

    key: str
    chat_id: int
    kind: str
    text: str
    user_id: int | None = None
    ref_id: int | None = None
    reply_markup: str | None = None
    status: Status = Status.PENDING
    reason: str | None = None
    holdable: bool = False  # quiet hours and pauses may hold it back (prompts, nudges)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: int
    user_id: int | None
    kind: str
    ref_id: int | None
    text: str
    reply_markup: str | None
    attempts: int
    reply_to_message_id: int | None = None  # a deferred reply quotes the command it answers
    holdable: bool = False  # quiet hours and pauses may hold it back


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one claimed row."""

    id: int
    status: Status
    reason: str | None = None
    message_id: int | None = None
    not_before: datetime | None = None  # set for a retry
    refund_attempt: bool = False  # a 429 or a migration is not the message's fault


def _chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Slices small enough for SQLite's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _placeholders(rows: int, columns: int) -> str:
    row = "(" + ", ".join("?" * columns) + ")"
    return ", ".join([row] * rows)


def _row(row: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        ref_id=row["ref_id"],
        text=row["text"],
        reply_markup=row["reply_markup"],
        attempts=row["attempts"],
        reply_to_message_id=row["reply_to_message_id"],
        holdable=bool(row["holdable"]),
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    async def add_many(conn: aiosqlite.Connection, messages: Iterable[NewMessage]) -> int:
        """Insert inside the caller's transaction; rows whose key exists are skipped.

        One ``executemany``: a fan-out to 10,000 members is one statement, not 10,000 awaits.
        """
        now = to_db_time(utcnow())
        before = conn.total_changes
        await conn.executemany(
            """INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, text, reply_markup,
                                   status, reason, holdable, not_before, created_at,
                                   updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (key) DO NOTHING""",
            [
                (
                    m.key,
                    m.chat_id,
                    m.user_id,
                    m.kind,
                    m.ref_id,
                    m.text,
                    m.reply_markup,
                    m.status.value,
                    m.reason,
                    int(m.holdable),
                    now,
                    now,
                    now,
                )
                for m in messages
            ],
        )
        return conn.total_changes - before

    async def add(self, messages: Iterable[NewMessage]) -> int:
        async with self._db.transaction() as conn:
            return await self.add_many(conn, messages)

    async def due(self, now: datetime, limit: int, after_id: int = 0) -> list[OutboxRow]:
        """Up to ``limit`` rows (ids above ``after_id``) that may be sent now, oldest first.

        Only the oldest unfinished row of each chat is eligible, so one recipient's messages go
        out in order even while an earlier one waits for a retry. Held rows (quiet hours, a
        pause) are neither eligible nor in the way of later rows. A row is claimed ('sending')
        only when its request is about to leave: see ``apply``.
        """
        rows = await self._db.fetch_all(
            """SELECT o.* FROM outbox o INDEXED BY outbox_pending_by_id
               WHERE o.status = 'pending' AND o.held_until IS NULL
                 AND o.not_before <= ? AND o.id > ?
                 AND NOT EXISTS (SELECT 1 FROM outbox e
                                 WHERE e.chat_id = o.chat_id AND e.id < o.id
                                   AND e.status IN ('pending', 'sending')
                                   AND e.held_until IS NULL)
               ORDER BY o.id LIMIT ?""",
            (to_db_time(now), after_id, limit),
        )
        return [_row(row) for row in rows]

    async def apply(
        self,
        claims: Sequence[int],
        outcomes: Sequence[Outcome],
        postponed: Sequence[tuple[int, datetime]] = (),
    ) -> set[int]:
        """Write what the senders did since the last call: the delivery worker's group commit.

        ``outcomes`` are what Telegram answered; ``postponed`` rows wait for their chat's slot;
        ``claims`` are rows whose request is about to leave: marked 'sending' (one attempt more)
        if still pending (a cancelled announcement's are not), and their ids returned. Each is
        one statement, atomic on its own, run in this order: a sender's previous row has its
        outcome before its next row is claimed, so no more rows are ever 'sending' than there
        are senders.
        """
        now = to_db_time(utcnow())
        claimed: set[int] = set()
        async with self._db.statements() as conn:
            for chunk in _chunks(outcomes):
                await conn.execute(
                    f"""UPDATE outbox SET status = v.column2,
                                          reason = COALESCE(v.column3, outbox.reason),
                                          message_id = COALESCE(v.column4, outbox.message_id),
                                          not_before = COALESCE(v.column5, outbox.not_before),
                                          attempts = outbox.attempts - v.column6,
                                          updated_at = ?
                        FROM (VALUES {_placeholders(len(chunk), 6)}) AS v
                        WHERE outbox.id = v.column1""",  # noqa: S608
                    [
                        now,
                        *(
                            value
                            for o in chunk
                            for value in (
                                o.id,
                                o.status.value,
                                o.reason,
                                o.message_id,
                                to_db_time(o.not_before) if o.not_before else None,
                                int(o.refund_attempt),
                            )
                        ),
                    ],
                )
            for chunk in _chunks(postponed):
                await conn.execute(
                    f"""UPDATE outbox SET not_before = v.column2
                        FROM (VALUES {_placeholders(len(chunk), 2)}) AS v
                        WHERE outbox.id = v.column1 AND +outbox.status = 'pending'""",  # noqa: S608
                    [value for row_id, until in chunk for value in (row_id, to_db_time(until))],
                )
            for chunk in _chunks(claims):
                rows = await conn.execute_fetchall(
                    f"""UPDATE outbox SET status = 'sending', attempts = attempts + 1,
                                          updated_at = ?
                        WHERE id IN ({", ".join("?" * len(chunk))}) AND +status = 'pending'
                        RETURNING id""",  # noqa: S608
                    (now, *chunk),
                )
                claimed.update(row[0] for row in rows)
        return claimed

    async def add_reply(
        self,
        key: str,
        chat_id: int,
        kind: str,
        text: str,
        reply_markup: str | None,
        reply_to_message_id: int | None,
        at: datetime,
    ) -> bool:
        """Queue a reply that could not go out at once; False if an identical one already waits.

        Only in groups: thirty people sending /help in one flooded group get one answer when the
        group's slot comes, not thirty. In a private chat every answer is kept.
        """
        now = to_db_time(utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO outbox (key, chat_id, kind, text, reply_markup, reply_to_message_id,
                                       status, not_before, created_at, updated_at)
                   SELECT ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?
                   -- a private chat (positive id) keeps every answer; a group merges
                   WHERE ? > 0 OR NOT EXISTS (SELECT 1 FROM outbox
                                     WHERE chat_id = ? AND status IN ('pending', 'sending')
                                       AND held_until IS NULL AND kind = ?
                                       AND text = ? AND reply_markup IS ?)
                   ON CONFLICT (key) DO NOTHING""",
                (
                    key,
                    chat_id,
                    kind,
                    text,
                    reply_markup,
                    reply_to_message_id,
                    to_db_time(at),
                    now,
                    now,
                    chat_id,
                    chat_id,
                    kind,
                    text,
                    reply_markup,
                ),
            )
            return cursor.rowcount > 0

    async def recover_interrupted(self) -> int:
        """Rows left 'sending' by a process that died mid-send: send them again (see README)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE outbox SET status = 'pending',
                                     reason = 'resent: the previous run stopped mid-send'
                   WHERE status = 'sending'"""
            )
            return cursor.rowcount

    async def next_due(self) -> datetime | None:
        """When the next row becomes sendable (rows queued behind an earlier one, or held, do not
        count: held rows come back through the release job)."""
        value = await self._db.fetch_value(
            """SELECT MIN(o.not_before) FROM outbox o
               WHERE o.status = 'pending' AND o.held_until IS NULL
                 AND NOT EXISTS (SELECT 1 FROM outbox e
                                 WHERE e.chat_id = o.chat_id AND e.id < o.id
                                   AND e.status IN ('pending', 'sending')
                                   AND e.held_until IS NULL)"""
        )
        return None if value is None else datetime.fromisoformat(value)

    async def unfinished(self, kind: str, ref_id: int) -> bool:
        """Whether any row of this cause still waits to be sent (held rows wait for quiet hours
        to end, not for the worker: they do not count)."""
        return bool(
            await self._db.fetch_value(
                """SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = ? AND ref_id = ?
                                  AND status IN ('pending', 'sending') AND held_until IS NULL)""",
                (kind, ref_id),
            )
        )

    async def counts(self, kind: str, ref_id: int) -> dict[Status, int]:
        """Rows by status, with those the retention job deleted (kept in ``delivery_counts``)."""
        rows = await self._db.fetch_all(
            """SELECT status, SUM(n) FROM (
                   SELECT status, COUNT(*) AS n FROM outbox
                   WHERE kind = ? AND ref_id = ? GROUP BY status
                   UNION ALL
                   SELECT status, count AS n FROM delivery_counts WHERE kind = ? AND ref_id = ?
               ) GROUP BY status""",
            (kind, ref_id, kind, ref_id),
        )
        return {Status(r[0]): r[1] for r in rows}

    async def failure_reasons(self, kind: str, ref_id: int) -> dict[str, int]:
        rows = await self._db.fetch_all(
            """SELECT reason, COUNT(*) FROM outbox
               WHERE kind = ? AND ref_id = ? AND status = 'failed' GROUP BY reason""",
            (kind, ref_id),
        )
        return {r[0] or "": r[1] for r in rows}

    @staticmethod
    async def add_edit_in(
        conn: aiosqlite.Connection,
        key: str,
        chat_id: int,
        message_id: int,
        text: str,
        reply_markup: str | None = None,
    ) -> None:
        """Queue an edit of ``message_id`` in ``chat_id`` to ``text`` (see ``EDIT_KIND``)."""
        now = to_db_time(utcnow())
        await conn.execute(
            """INSERT INTO outbox (key, chat_id, kind, text, reply_markup, reply_to_message_id,
                                   status, not_before, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)""",
            (key, chat_id, EDIT_KIND, text, reply_markup, message_id, now, now, now),
        )

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its pending messages follow it."""
        await self._db.execute(
            """UPDATE outbox SET chat_id = ?
               WHERE chat_id = ? AND status IN ('pending', 'sending') AND held_until IS NULL""",
            (new_chat_id, old_chat_id),
        )

    @staticmethod
    async def cancel_pending(
        conn: aiosqlite.Connection,
        kind: str,
        ref_ids: Sequence[int],
        reason: str,
        *,
        user_id: int | None = None,
    ) -> int:
        """Cancel the pending (or held) rows of ``kind`` for these causes, one member's or all."""
        cancelled = 0
        for chunk in _chunks(ref_ids):
            cursor = await conn.execute(
                f"""UPDATE outbox SET status = 'cancelled', reason = ?, held_until = NULL,
                        updated_at = ?
                    WHERE kind = ? AND status = 'pending'
                      AND ref_id IN ({",".join("?" * len(chunk))})
                      AND (? IS NULL OR user_id = ?)""",  # noqa: S608 - placeholders only
                (reason, to_db_time(utcnow()), kind, *chunk, user_id, user_id),
            )
            cancelled += cursor.rowcount
        return cancelled

    async def cancel_rows(self, row_ids: Sequence[int], reason: str) -> set[int]:
        """Cancel these rows if still pending; return the ids cancelled."""
        done: set[int] = set()
        async with self._db.transaction() as conn:
            for chunk in _chunks(row_ids):
                rows = await conn.execute_fetchall(
                    f"""UPDATE outbox SET status = 'cancelled', reason = ?, held_until = NULL,
                            updated_at = ?
                        WHERE status = 'pending' AND id IN ({",".join("?" * len(chunk))})
                        RETURNING id""",  # noqa: S608 - placeholders only
                    (reason, to_db_time(utcnow()), *chunk),
                )
                done.update(row[0] for row in rows)
        return done

    # -- quiet hours and pauses: held rows stay 'pending' with ``held_until`` set

    async def hold(self, holds: Sequence[tuple[int, datetime]]) -> set[int]:
        """Hold these pending rows until the given times; return the ids actually held."""
        held: set[int] = set()
        async with self._db.transaction() as conn:
            for chunk in _chunks(holds):
                rows = await conn.execute_fetchall(
                    f"""UPDATE outbox SET held_until = v.column2
                        FROM (VALUES {_placeholders(len(chunk), 2)}) AS v
                        WHERE outbox.id = v.column1 AND +outbox.status = 'pending'
                        RETURNING outbox.id""",  # noqa: S608
                    [value for row_id, until in chunk for value in (row_id, to_db_time(until))],
                )
                held.update(row[0] for row in rows)
        return held

    async def release_due(self, now: datetime) -> int:
        """Release rows whose hold ended by ``now``: the worker decides about them again."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET held_until = NULL WHERE held_until <= ?", (to_db_time(now),)
            )
            return cursor.rowcount

    async def release_user(self, user_id: int) -> int:
        """Release a member's held rows (their settings changed): the worker decides again."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE outbox SET held_until = NULL
                   WHERE user_id = ? AND held_until IS NOT NULL""",
                (user_id,),
            )
            return cursor.rowcount

    async def release_hub_members(self, hub_id: int) -> int:
        """Release the held rows of a hub's members (the hub's zone changed)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """UPDATE outbox SET held_until = NULL
                   WHERE held_until IS NOT NULL
                     AND user_id IN (SELECT user_id FROM memberships WHERE hub_id = ?)""",
                (hub_id,),
            )
            return cursor.rowcount

    _HELD_COUNT = """SELECT COUNT(*) FROM outbox WHERE kind = ? AND ref_id = ?
                     AND status = 'pending' AND held_until IS NOT NULL"""

    async def held_count(self, kind: str, ref_id: int) -> int:
        """Rows of this cause held back by quiet hours or a pause."""
        return int(await self._db.fetch_value(self._HELD_COUNT, (kind, ref_id)) or 0)

    @classmethod
    async def held_count_in(cls, conn: aiosqlite.Connection, kind: str, ref_id: int) -> int:
        """``held_count`` inside the caller's transaction."""
        rows = await conn.execute_fetchall(cls._HELD_COUNT, (kind, ref_id))
        return int(next(iter(rows))[0])

    async def held_for(self, user_id: int) -> list[tuple[int, datetime]]:
        """A member's held rows and when each is held until (oldest first)."""
        rows = await self._db.fetch_all(
            """SELECT id, held_until FROM outbox
               WHERE user_id = ? AND held_until IS NOT NULL AND status = 'pending'
               ORDER BY id""",
            (user_id,),
        )
        return [(row[0], datetime.fromisoformat(row[1])) for row in rows]
