"""A hub's meeting settings in SQL: reminder offsets and feedback after meetings."""

from __future__ import annotations

from bot.db.database import Database


class MeetingSettingsRepository:
    """``hubs.reminder_offsets`` ('1440,60': minutes, largest first; '' for none) and
    ``hubs.meeting_feedback``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, hub_id: int) -> tuple[str, bool] | None:
        row = await self._db.fetch_one(
            "SELECT reminder_offsets, meeting_feedback FROM hubs WHERE id = ?", (hub_id,)
        )
        return None if row is None else (row[0], bool(row[1]))

    async def set_offsets(self, hub_id: int, offsets: str) -> None:
        await self._db.execute(
            "UPDATE hubs SET reminder_offsets = ? WHERE id = ?", (offsets, hub_id)
        )

    async def set_feedback(self, hub_id: int, on: bool) -> None:
        await self._db.execute(
            "UPDATE hubs SET meeting_feedback = ? WHERE id = ?", (int(on), hub_id)
        )
