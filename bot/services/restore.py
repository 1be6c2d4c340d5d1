"""The running bot's lock on its database, and ``python -m bot restore FILE``.

A running bot holds an exclusive ``flock`` on ``<database>.lock`` (its pid written inside, for
the message). The kernel releases the lock when the process ends in any way, killed included,
so a crashed bot's leftover file never blocks: only a live process holds the lock.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.db.migrate import migration_scripts
from bot.services.backups import copy_database

REQUIRED_TABLES = frozenset({"users", "hubs", "memberships", "outbox", "schedules"})


class RestoreError(Exception):
    """Why a restore was refused; the message is for the operator."""


class DatabaseLockedError(RestoreError):
    pass


def lock_path(database_path: str | Path) -> Path:
    """``<database>.lock`` by the resolved path: a bot and a restore agree from any folder."""
    return Path(f"{Path(database_path).resolve()}.lock")


@dataclass
class DatabaseLock:
    """Held for as long as a bot runs on the database; ``release`` (or process exit) frees it."""

    path: Path
    file: IO[str]

    def release(self) -> None:
        if not self.file.closed:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()


def acquire_lock(database_path: str | Path) -> DatabaseLock:
    """Take the database's lock or raise DatabaseLockedError naming the process that holds it."""
    path = lock_path(database_path)
    file = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.seek(0)
        holder = file.read().strip() or "unknown"
        file.close()
        raise DatabaseLockedError(
            f"a bot is running on {database_path} (process {holder}); stop it first"
        ) from None
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n")
    file.flush()
    return DatabaseLock(path, file)


def check_backup(file: str | Path) -> int:
    """The schema version of a Mentor Hub database at ``file``; RestoreError if it is not one."""
    path = Path(file)
    if not path.is_file():
        raise RestoreError(f"{path} is not a file")
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise RestoreError(f"{path} is not an SQLite database")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchall()
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise RestoreError(f"{path} cannot be read as a database: {exc}") from None
    if check != [("ok",)]:
        problems = "; ".join(row[0] for row in check[:3])
        raise RestoreError(f"{path} is damaged (integrity check: {problems})")
    newest = len(migration_scripts())
    missing = REQUIRED_TABLES - tables
    if version < 1 or missing:
        raise RestoreError(f"{path} is not a Mentor Hub database (no {', '.join(sorted(missing))})")
    if version > newest:
        raise RestoreError(
            f"{path} is at schema version {version}, newer than this bot knows ({newest}); "
            "restore it with the version of the bot that wrote it"
        )
    return version


def _free_name(path: Path) -> Path:
    if not path.exists():
        return path
    number = 1
    while path.with_name(f"{path.name}.{number}").exists():
        number += 1
    return path.with_name(f"{path.name}.{number}")


def restore(file: str | Path, database_path: str | Path) -> tuple[int, Path | None]:
    """Put the backup ``file`` in place of the database; return (version, the old file's copy).

    Refuses (RestoreError) a file that is not a sound Mentor Hub database, or while a bot runs on
    the database. The old database is checkpointed (its WAL folded in) and kept, renamed to
    ``<database>.before-restore``; the backup is copied in with the backup API, then renamed
    into place, so a failure half-way leaves the old database where it was.
    """
    version = check_backup(file)
    target = Path(database_path)
    if Path(file).resolve() == target.resolve():
        raise RestoreError(f"{file} is the database itself")
    lock = acquire_lock(target)
    try:
        kept = None
        if target.exists():
            conn = sqlite3.connect(str(target))
            try:  # fold the old WAL in, so the kept copy is whole and no stale WAL remains
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        incoming = target.with_name(target.name + ".restoring")
        incoming.unlink(missing_ok=True)
        copy_database(file, incoming)
        if target.exists():
            kept = _free_name(target.with_name(target.name + ".before-restore"))
            target.replace(kept)
        for side in ("-wal", "-shm"):
            Path(f"{target}{side}").unlink(missing_ok=True)
        incoming.replace(target)
        return version, kept
    finally:
        lock.release()
