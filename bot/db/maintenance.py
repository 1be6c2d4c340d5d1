"""When each daily maintenance job (retention, backups) last ran."""

from __future__ import annotations

from datetime import datetime

from bot.db.database import Database, from_db_time, to_db_time


class MaintenanceRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ensure(self, kind: str, now: datetime) -> None:
        """A job never run counts from ``now`` (its first run is at the next due hour)."""
        await self._db.execute(
            "INSERT INTO maintenance_runs (kind, last_run) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (kind, to_db_time(now)),
        )

    async def last_run(self, kind: str) -> datetime | None:
        return from_db_time(
            await self._db.fetch_value(
                "SELECT last_run FROM maintenance_runs WHERE kind = ?", (kind,)
            )
        )

    async def claim(self, kind: str, previous: datetime, now: datetime) -> bool:
        """Record a run at ``now`` unless another run claimed it since ``previous``."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE maintenance_runs SET last_run = ? WHERE kind = ? AND last_run = ?",
                (to_db_time(now), kind, to_db_time(previous)),
            )
            return cursor.rowcount == 1
