import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.db import Database, from_db_time, to_db_time
from bot.db.cache import ReadCache
from bot.db.migrate import apply_migrations, migration_scripts, schema_version


async def _schema(path: Path) -> list[tuple[str, str, str]]:
    async with aiosqlite.connect(path) as conn:
        rows = await conn.execute_fetchall(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    return [(t, n, " ".join((s or "").split())) for t, n, s in rows]


async def test_empty_database_migrates_to_newest(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    version = await db.open()
    try:
        assert version == len(migration_scripts())
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        tables = {
            r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type='table'")
        }
        assert {"users", "hubs", "memberships"} <= tables
    finally:
        await db.close()


@pytest.mark.parametrize("start", range(len(migration_scripts())))
async def test_every_earlier_version_migrates_to_the_same_schema(
    tmp_path: Path, start: int
) -> None:
    fresh, old = tmp_path / "fresh.sqlite3", tmp_path / "old.sqlite3"
    async with aiosqlite.connect(fresh, isolation_level=None) as conn:
        await apply_migrations(conn)
    async with aiosqlite.connect(old, isolation_level=None) as conn:
        assert await apply_migrations(conn, target=start) == start
        assert await schema_version(conn) == start
        assert await apply_migrations(conn) == len(migration_scripts())
    assert await _schema(old) == await _schema(fresh)


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    for _ in range(2):
        db = Database(tmp_path / "a.sqlite3")
        assert await db.open() == len(migration_scripts())
        await db.close()


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    try:

        async def insert_twice() -> None:
            async with db.transaction() as conn:
                for _ in range(2):
                    await conn.execute(
                        "INSERT INTO users (id, created_at, updated_at) VALUES (1, 'x', 'x')"
                    )

        with pytest.raises(sqlite3.IntegrityError):
            await insert_twice()
        assert await db.fetch_value("SELECT COUNT(*) FROM users") == 0
        await db.execute("INSERT INTO users (id, created_at, updated_at) VALUES (2, 'x', 'x')")
        assert await db.fetch_value("SELECT COUNT(*) FROM users") == 1
    finally:
        await db.close()


async def test_busy_database_raises_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    db = Database(path, busy_timeout_ms=50)
    await db.open()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await db.execute("INSERT INTO users (id, created_at, updated_at) VALUES (3, 'x', 'x')")
        other.execute("ROLLBACK")
        await db.execute("INSERT INTO users (id, created_at, updated_at) VALUES (3, 'x', 'x')")
    finally:
        other.close()
        await db.close()


async def test_backup_copies_the_live_database(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    try:
        await db.execute("INSERT INTO users (id, created_at, updated_at) VALUES (7, 'x', 'x')")
        await db.backup(tmp_path / "copy.sqlite3")
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("SELECT id FROM users").fetchall() == [(7,)]


def test_times_are_stored_as_utc_text() -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert to_db_time(moment) == "2026-03-29T01:30:00Z"
    assert from_db_time(to_db_time(moment)) == moment
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2026, 1, 1))


async def _insert_then_fail(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'A', '', '')"
        )
        raise RuntimeError("rolled back")


async def test_only_transactions_that_change_rows_count_as_writes(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    try:
        before = db.commits
        async with db.transaction() as conn:
            await conn.execute("UPDATE users SET first_name = 'x' WHERE id = -1")  # no such row
        assert db.commits == before
        with pytest.raises(RuntimeError):
            await _insert_then_fail(db)
        assert db.commits == before
        await db.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'A', '', '')"
        )
        assert db.commits == before + 1
    finally:
        await db.close()


async def test_a_cached_read_lasts_until_the_next_write(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    try:
        cache: ReadCache[int, str] = ReadCache(db)
        token = cache.token()
        cache.put(1, "one", token)
        assert cache.get(1) == "one"
        await db.execute(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'A', '', '')"
        )
        assert cache.get(1) is None  # any committed change forgets everything
        raced = cache.token()
        await db.execute("UPDATE users SET first_name = 'B' WHERE id = 1")
        cache.put(1, "read before the update committed", raced)
        assert cache.get(1) is None  # a read overtaken by a write is not kept
    finally:
        await db.close()


async def test_a_cached_read_expires_and_the_cache_stays_small(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    try:
        cache: ReadCache[int, int] = ReadCache(db, size=3, max_age=0.0)
        for key in range(5):
            cache.put(key, key, cache.token())
        assert len(cache) == 3
        assert cache.get(4) is None  # older than max_age (0 s) already
        fresh: ReadCache[int, int] = ReadCache(db, size=3)
        for key in range(5):
            fresh.put(key, key, fresh.token())
        assert [fresh.get(k) for k in range(5)] == [None, None, 2, 3, 4]  # the oldest went first
    finally:
        await db.close()


async def test_autocommit_statements_count_as_writes_too(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3")
    await db.open()
    try:
        before = db.commits
        async with db.statements() as conn:
            await conn.execute("UPDATE users SET first_name = 'x' WHERE id = -1")  # no such row
        assert db.commits == before
        async with db.statements() as conn:
            await conn.execute(
                "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (1, 'A', '', '')"
            )
        assert db.commits == before + 1
    finally:
        await db.close()


def test_a_python_step_needs_its_sql_and_one_per_number() -> None:
    from bot.db.migrate import step_versions

    sql = {1: "0001_init.sql", 2: "0002_search.sql"}
    assert step_versions(["0002_search.py", "README.md"], sql) == {2: "0002_search.py"}
    with pytest.raises(RuntimeError, match=r"0003_x\.py"):
        step_versions(["0003_x.py"], sql)
    with pytest.raises(RuntimeError, match="0002"):
        step_versions(["0002_search.py", "0002_other.py"], sql)
    with pytest.raises(RuntimeError, match=r"0002_other\.py"):
        step_versions(["0002_other.py"], sql)  # a step beside another name's SQL


def test_the_database_layer_does_not_import_services() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bot.db.questions\n"
        "print(sorted(m for m in sys.modules if m.startswith('bot.services')))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
