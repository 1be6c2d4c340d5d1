"""Daily online backups with SQLite's backup API, keeping the newest ``[backups] keep`` copies.

A copy is written next to its final name as ``*.partial``, checked (``PRAGMA quick_check``) and
only then renamed, so the folder never holds a half-written backup under a backup's name. The
copy runs in a thread on its own connection: in WAL mode it does not hold up the bot's writes.
A failure (the folder cannot be written, the disk is full) is logged with its reason; the bot
goes on and tries again the next day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import Clock
from bot.config import BackupsConfig
from bot.db.database import Database
from bot.db.maintenance import MaintenanceRepository
from bot.services.daily import DailyJob

log = logging.getLogger(__name__)

KIND = "backup"
PREFIX = "mentorhub-"
SUFFIX = ".sqlite3"


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path | None  # None: it failed
    size: int = 0
    seconds: float = 0.0
    removed: tuple[Path, ...] = ()
    error: str | None = None


def backup_folder(database_path: str, folder: str) -> Path:
    """The folder as configured; a relative one is taken from the database's folder."""
    path = Path(folder).expanduser()
    return path if path.is_absolute() else Path(database_path).resolve().parent / path


def backup_name(moment: datetime) -> str:
    """``mentorhub-20261205-030000Z.sqlite3``: names sort as the copies were made."""
    return f"{PREFIX}{moment.astimezone(UTC):%Y%m%d-%H%M%S}Z{SUFFIX}"


def copy_database(source: str | Path, target: str | Path) -> None:
    """Copy a live database with the backup API (blocking: call it in a thread)."""
    src = sqlite3.connect(str(source))
    dest = sqlite3.connect(str(target))
    try:
        src.backup(dest)
        result = dest.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its check: {result}")
    finally:
        dest.close()
        src.close()


def existing_backups(folder: Path) -> list[Path]:
    """This bot's backups in ``folder``, oldest first."""
    return sorted(
        path
        for path in folder.glob(f"{PREFIX}*{SUFFIX}")
        if path.is_file() and not path.name.endswith(".partial")
    )


def write_backup(database_path: str, folder: Path, moment: datetime, keep: int) -> BackupResult:
    """Write one backup and delete all but the newest ``keep`` (blocking)."""
    started = time.perf_counter()
    target = folder / backup_name(moment)
    partial = target.with_name(target.name + ".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        copy_database(database_path, partial)
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        return BackupResult(None, error=f"{type(exc).__name__}: {exc}")
    removed = []
    for old in existing_backups(folder)[:-keep]:
        try:
            old.unlink()
            removed.append(old)
        except OSError as exc:
            log.warning("backup: could not delete the old copy %s: %s", old, exc)
    return BackupResult(
        target, target.stat().st_size, time.perf_counter() - started, tuple(removed)
    )


class BackupService:
    def __init__(
        self,
        db: Database,
        runs: MaintenanceRepository,
        clock: Clock,
        config: BackupsConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self.job = DailyJob(KIND, self.run, runs, clock)

    @property
    def folder(self) -> Path:
        return backup_folder(self._db.path, self._config.folder)

    async def install(self) -> None:
        await self.job.install(self._config.hour if self._config.folder else None)

    async def run(self) -> BackupResult:
        """Back up now; log the outcome (never raises for a failed copy)."""
        folder = self.folder
        result = await asyncio.to_thread(
            write_backup, self._db.path, folder, self._clock.now(), self._config.keep
        )
        if result.path is None:
            log.error("backup to %s failed: %s", folder, result.error)
        else:
            log.info(
                "backup written to %s (%d bytes in %.2f s); %d older copies deleted, %d kept",
                result.path,
                result.size,
                result.seconds,
                len(result.removed),
                min(len(existing_backups(folder)), self._config.keep),
            )
        return result
