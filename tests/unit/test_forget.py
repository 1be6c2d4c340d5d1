"""The erasure behind /forgetme: it covers every column of the schema that can hold a member, it
is one transaction, and a busy database erases nothing and says so."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.db.hubs import HubRepository
from bot.db.mydata import ERASURE, MyDataRepository, leftovers
from bot.services.forget import ForgetBusyError, ForgetService, LastFacilitatorError

NOW = "2026-12-01T08:00:00Z"
USER, OTHER = 4242, 4343
# Columns that hold a person by their name (every table added later is held to it too).
PERSON_COLUMN = re.compile(r"^(user_id|\w+_by|author_id|sender_id|asker_id|created_by)$")
# Where a private chat's id is the member's id.
CHAT_COLUMNS = {("outbox", "chat_id"), ("poll_messages", "chat_id"), ("poll_sends", "chat_id")}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "hub.sqlite3", busy_timeout_ms=50)
    await database.open()
    yield database
    await database.close()


def _person_columns(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    """Every (table, column) that refers to users or is named like a person."""
    found = set(CHAT_COLUMNS)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            if fk[2] == "users":
                found.add((table, fk[3]))
        for column in conn.execute(f'PRAGMA table_info("{table}")'):
            if PERSON_COLUMN.match(column[1]):
                found.add((table, column[1]))
    return found


async def test_every_column_that_can_hold_a_member_has_an_erasure_step(db: Database) -> None:
    conn = sqlite3.connect(db.path)
    try:
        columns = _person_columns(conn)
    finally:
        conn.close()
    assert ("users", "id") not in columns  # the row itself goes by the last step
    missing = [
        (table, column)
        for table, column in sorted(columns)
        if not any(
            re.search(rf"\b{table}\b", step.sql) and re.search(rf"\b{column}\b", step.sql)
            for step in ERASURE
        )
    ]
    # A branch adding a table with a member's id adds its step to bot/db/mydata.py ERASURE.
    assert missing == []
    assert ERASURE[-1].sql == "DELETE FROM users WHERE id = :id"


async def _seed(db: Database) -> None:
    async with db.transaction() as conn:
        for uid, name in ((USER, "Quilla"), (OTHER, "Ravi")):
            await conn.execute(
                "INSERT INTO users (id, first_name, username, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (uid, name, name.lower() + "_u", NOW, NOW),
            )
        await conn.execute(
            "INSERT INTO hubs (id, name, code, chat_id, timezone, locale, created_by, created_at) "
            "VALUES (1, 'Hub', 'code1', -100, 'UTC', 'en', ?, ?)",
            (USER, NOW),
        )
        for uid, role in ((USER, "facilitator"), (OTHER, "facilitator")):
            await conn.execute(
                "INSERT INTO memberships (hub_id, user_id, role, joined_at) VALUES (1, ?, ?, ?)",
                (uid, role, NOW),
            )
        await conn.execute(
            "INSERT INTO broadcasts (hub_id, sender_id, text, status, created_at) "
            "VALUES (1, ?, 'Hello', 'done', ?)",
            (USER, NOW),
        )
        await conn.execute(
            "INSERT INTO outbox (key, chat_id, user_id, kind, text, not_before, created_at, "
            "updated_at) VALUES ('k1', ?, ?, 'broadcast', 'Hi Quilla', ?, ?, ?)",
            (USER, USER, NOW, NOW, NOW),
        )


async def test_erasure_counts_and_leaves_nothing(db: Database) -> None:
    await _seed(db)
    service = ForgetService(db, MyDataRepository(db), HubRepository(db))
    outcome = await service.erase(USER)
    assert outcome.counts["memberships"] == 1
    assert outcome.counts["announcements"] == 1
    assert outcome.counts["messages"] == 1
    assert outcome.counts["profile"] == 1
    conn = sqlite3.connect(db.path)
    try:
        assert leftovers(conn, USER, ("Quilla", "quilla_u")) == []
        assert leftovers(conn, OTHER, ("Ravi",))  # the other facilitator is untouched
    finally:
        conn.close()
    again = await service.erase(USER)
    assert again.already and again.counts["profile"] == 0


async def test_the_last_facilitator_erases_nothing(db: Database) -> None:
    await _seed(db)
    await db.execute("DELETE FROM memberships WHERE user_id = ?", (OTHER,))
    service = ForgetService(db, MyDataRepository(db), HubRepository(db))
    with pytest.raises(LastFacilitatorError) as caught:
        await service.erase(USER)
    assert caught.value.hubs == [(1, "Hub")]
    assert await db.fetch_value("SELECT COUNT(*) FROM users WHERE id = ?", (USER,)) == 1


async def test_a_busy_database_erases_nothing(db: Database) -> None:
    await _seed(db)
    service = ForgetService(db, MyDataRepository(db), HubRepository(db))
    blocker = sqlite3.connect(db.path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process (a backup, a restore) writes
        with pytest.raises(ForgetBusyError):
            await service.erase(USER)
        blocker.execute("ROLLBACK")
    finally:
        blocker.close()
    assert await db.fetch_value("SELECT COUNT(*) FROM memberships WHERE user_id = ?", (USER,)) == 1
    outcome = await service.erase(USER)  # once it is free, it goes through
    assert outcome.counts["profile"] == 1


async def test_the_search_indexes_keep_no_token_of_an_erased_question(db: Database) -> None:
    await _seed(db)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO questions (hub_id, asker_id, anonymous, text, status, created_at, "
            "updated_at) VALUES (1, ?, 0, 'Quillaword unusualtoken question', 'open', ?, ?)",
            (USER, NOW, NOW),
        )
    conn = sqlite3.connect(db.path)
    try:  # the walk sees the index's lower-cased tokens before the erasure
        assert ("questions_fts_data", "block") in leftovers(conn, USER, ("UnusualToken",))
    finally:
        conn.close()
    await ForgetService(db, MyDataRepository(db), HubRepository(db)).erase(USER)
    conn = sqlite3.connect(db.path)
    try:
        assert leftovers(conn, USER, ("Quilla", "quilla_u", "unusualtoken")) == []
    finally:
        conn.close()


async def test_finished_group_replies_naming_the_member_go(db: Database) -> None:
    await _seed(db)
    replies = [
        ("r1", "Members: Ravi, Quilla", "sent"),
        ("r2", "Ask @QUILLA_U about it", "failed"),
        ("r3", "Members: Ravi", "sent"),  # names someone else: stays
    ]
    for key, text, status in replies:
        await db.execute(
            "INSERT INTO outbox (key, chat_id, user_id, kind, text, not_before, created_at, "
            "updated_at, status) VALUES (?, -100, NULL, 'reply', ?, ?, ?, ?, ?)",
            (key, text, NOW, NOW, NOW, status),
        )
    await ForgetService(db, MyDataRepository(db), HubRepository(db)).erase(USER)
    assert [r[0] for r in await db.fetch_all("SELECT key FROM outbox WHERE kind = 'reply'")] == [
        "r3"
    ]
    conn = sqlite3.connect(db.path)
    try:
        assert leftovers(conn, USER, ("Quilla", "quilla_u")) == []
    finally:
        conn.close()
