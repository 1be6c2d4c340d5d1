"""A hub's export: a ZIP of CSV files for its facilitators (``/export``).

The rows are read on the database's reader connection; the CSV and ZIP are built in a worker
thread (``asyncio.to_thread``, which carries the reader's locale along) so other chats do not wait
while a large hub is packed. Who may export is checked by the caller (the handler), on every
command and every button press.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.db.exports import ExportRepository
from bot.db.hubs import HubRow
from bot.i18n import current_locale
from bot.services.export_tables import HubRows, Table, tables
from bot.services.spreadsheet import csv_bytes

MEDIA_TYPE = "application/zip"
# Telegram's limit for a file a bot uploads.
UPLOAD_LIMIT = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExportFile:
    name: str
    data: bytes
    rows: dict[str, int]  # rows per CSV file, header aside

    @property
    def members(self) -> int:
        return self.rows["members.csv"]

    @property
    def too_big(self) -> bool:
        return len(self.data) > UPLOAD_LIMIT


def pack(hub_id: int, tables: list[Table], day: str) -> ExportFile:
    """Zip the tables (deflated), each a CSV file in UTF-8 with a byte-order mark."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for table in tables:
            zf.writestr(table.name, csv_bytes(table.header, table.rows))
    return ExportFile(
        name=f"hub-{hub_id}-export-{day}.zip",
        data=buffer.getvalue(),
        rows={table.name: len(table.rows) for table in tables},
    )


class ExportService:
    def __init__(self, repo: ExportRepository) -> None:
        self._repo = repo
        self._running: set[tuple[int, int]] = set()

    def begin(self, user_id: int, hub_id: int) -> bool:
        """Mark an export as being built; False when this person's export of it already is."""
        key = (user_id, hub_id)
        if key in self._running:
            return False
        self._running.add(key)
        return True

    def end(self, user_id: int, hub_id: int) -> None:
        self._running.discard((user_id, hub_id))

    async def read(self, hub_id: int) -> HubRows:
        repo = self._repo
        prompts = await repo.prompts(hub_id)
        return HubRows(
            members=await repo.members(hub_id),
            questions=await repo.questions(hub_id),
            announcements=await repo.announcements(hub_id),
            announcement_counts=await repo.announcement_counts(hub_id),
            meetings=await repo.meetings(hub_id),
            polls=await repo.polls(hub_id),
            poll_counts=await repo.poll_counts(hub_id),
            poll_messages=await repo.poll_messages(hub_id),
            prompts=prompts,
            prompt_counts=await repo.prompt_counts(hub_id, [r["id"] for r in prompts]),
            surveys=await repo.surveys(hub_id),
        )

    async def build(self, hub: HubRow, now: datetime) -> ExportFile:
        """The hub's export, headers in the current locale, times in the hub's zone."""
        data = await self.read(hub.id)
        locale = current_locale()
        day = now.astimezone(ZoneInfo(hub.timezone)).strftime("%Y-%m-%d")

        def make() -> ExportFile:
            return pack(hub.id, tables(data, hub.timezone, locale), day)

        return await asyncio.to_thread(make)
