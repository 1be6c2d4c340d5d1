"""The aiosqlite connection pair: one writer behind a lock, one reader.

SQLite allows one writer at a time. Funnelling every write through one connection and an asyncio
lock, inside ``BEGIN IMMEDIATE``, means a transaction never interleaves with another coroutine's
statements and never fails half-way on a lock upgrade. Reads use a second connection so that they
see only committed data and never wait for a write (WAL mode).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.db.migrate import apply_migrations

Params = Sequence[Any] | dict[str, Any]


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime, second precision."""
    return datetime.now(UTC).replace(microsecond=0)


def to_db_time(moment: datetime) -> str:
    """Store times as UTC ISO-8601 text, which sorts and compares correctly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; attach a time zone first")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_db_time(text: str | None) -> datetime | None:
    """Read a stored UTC timestamp back as an aware datetime."""
    if text is None:
        return None
    return datetime.fromisoformat(text)


class Database:
    """Owns the connections; repositories borrow them through read helpers and ``transaction()``."""

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._commits = 0

    @property
    def commits(self) -> int:
        """Write transactions that changed rows so far: a read is current while this stays."""
        return self._commits

    async def open(self, *, migrate: bool = True) -> int:
        """Open both connections and bring the schema up to date; return the schema version."""
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode = WAL")
        version = await apply_migrations(self._writer) if migrate else 0
        self._reader = await self._connect()
        return version

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: autocommit, so transactions are exactly the ones we BEGIN.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one ``BEGIN IMMEDIATE`` transaction roll back on errors."""
        async with self._write_lock:
            conn = self.writer
            changes = conn.total_changes
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            committed = False
            try:
                await conn.execute("COMMIT")
                committed = True
            finally:
                # A transaction that changed nothing (the delivery worker finding no work) leaves
                # every cached read current.
                if not committed or conn.total_changes != changes:
                    self._commits += 1

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer, for statements that are each atomic on their own (autocommit).

        For a hot path where each statement stands alone: no ``BEGIN``/``COMMIT`` round trips to
        aiosqlite's thread. Still under the writer lock, so no other coroutine's transaction is
        open on the connection meanwhile.
        """
        async with self._write_lock:
            conn = self.writer
            changes = conn.total_changes
            try:
                yield conn
            finally:
                if conn.total_changes != changes:
                    self._commits += 1  # each statement committed on its own: cached reads go

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; return the last row id."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.lastrowid or 0

    # execute_fetchall is one trip to aiosqlite's thread; execute + fetch + close would be three.
    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.reader.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self.reader.execute_fetchall(sql, params))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def backup(self, target: str | Path) -> None:
        """Copy the live database to ``target`` with SQLite's online backup API."""
        async with aiosqlite.connect(str(target)) as dest:
            await self.writer.backup(dest)
