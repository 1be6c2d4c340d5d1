"""Backups: a sound copy, only the newest N kept, a failure reported rather than raised."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.db.migrate import migration_scripts
from bot.services.backups import backup_folder, backup_name, existing_backups, write_backup
from bot.services.restore import DatabaseLockedError, RestoreError, acquire_lock, check_backup

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


async def live_database(path: Path) -> Database:
    db = Database(path)
    await db.open()
    await db.execute("INSERT INTO users (id, created_at, updated_at) VALUES (7, 'x', 'x')")
    return db


def check(path: Path) -> None:
    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("SELECT id FROM users").fetchall() == [(7,)]
        assert copy.execute("PRAGMA user_version").fetchone()[0] > 0


async def test_a_backup_is_a_sound_copy_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    db = await live_database(tmp_path / "hub.sqlite3")
    folder = tmp_path / "backups"
    try:
        results = [
            write_backup(db.path, folder, NOW + timedelta(days=day), keep=3) for day in range(5)
        ]
        # A write while the bot runs is in the next copy (the WAL is read too).
        await db.execute("INSERT INTO users (id, created_at, updated_at) VALUES (8, 'x', 'x')")
        latest = write_backup(db.path, folder, NOW + timedelta(days=5), keep=3)
    finally:
        await db.close()
    assert all(result.path is not None and result.error is None for result in results)
    assert results[0].size > 0
    kept = existing_backups(folder)
    assert [path.name for path in kept] == [
        backup_name(NOW + timedelta(days=day)) for day in (3, 4, 5)
    ]
    assert kept[-1] == latest.path
    assert latest.removed == (folder / backup_name(NOW + timedelta(days=2)),)
    assert not list(folder.glob("*.partial"))
    for path in kept[:-1]:
        check(path)
    with sqlite3.connect(latest.path) as copy:
        assert copy.execute("SELECT id FROM users ORDER BY id").fetchall() == [(7,), (8,)]


async def test_a_folder_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    db = await live_database(tmp_path / "hub.sqlite3")
    (tmp_path / "a-file").write_text("not a folder")
    try:
        result = write_backup(db.path, tmp_path / "a-file" / "backups", NOW, keep=3)
    finally:
        await db.close()
    assert result.path is None
    assert result.error is not None and "a-file" in result.error


def test_names_sort_by_time_and_a_relative_folder_is_next_to_the_database(tmp_path: Path) -> None:
    assert backup_name(NOW) == "mentorhub-20261205-030000Z.sqlite3"
    assert backup_name(NOW) < backup_name(NOW + timedelta(seconds=1))
    assert backup_folder(str(tmp_path / "hub.sqlite3"), "backups") == tmp_path / "backups"
    assert backup_folder(str(tmp_path / "hub.sqlite3"), "/srv/b") == Path("/srv/b")


def test_a_database_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(path)
    for table in ("users", "hubs", "memberships", "outbox", "schedules"):
        conn.execute(f"CREATE TABLE {table} (id INTEGER)")
    conn.execute(f"PRAGMA user_version = {len(migration_scripts()) + 1}")
    conn.close()
    with pytest.raises(RestoreError, match="newer than this bot knows"):
        check_backup(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    assert check_backup(path) == 3


def test_the_lock_is_held_once_and_freed_on_release(tmp_path: Path) -> None:
    database = tmp_path / "hub.sqlite3"
    lock = acquire_lock(database)
    assert (tmp_path / "hub.sqlite3.lock").read_text().strip() == str(os.getpid())
    with pytest.raises(DatabaseLockedError, match=f"process {os.getpid()}"):
        acquire_lock(tmp_path / "." / "hub.sqlite3")  # the same file by another spelling
    lock.release()
    acquire_lock(database).release()
