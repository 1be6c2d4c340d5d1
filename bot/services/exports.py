"""A hub's export: a ZIP of CSV files for its facilitators (``/export``).

The rows are read on read-only connections of the export's own, in worker threads (never on the
bot's shared reader, which every chat's reads queue behind); the CSV and ZIP are built in a worker
thread too (``asyncio.to_thread`` carries the reader's locale along), so other chats do not wait
while a large hub is packed. Who may export is checked by the caller (the handler), on every
command and every button press.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import dataclass, replace
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

    def _read_main(self, hub_id: int) -> HubRows:
        repo = self._repo
        with repo.connect() as conn:
            return HubRows(
                members=repo.members(conn, hub_id),
                questions=repo.questions(conn, hub_id),
                announcements=repo.announcements(conn, hub_id),
                announcement_counts=repo.announcement_counts(conn, hub_id),
                meetings=repo.meetings(conn, hub_id),
                polls=repo.polls(conn, hub_id),
                poll_counts=repo.poll_counts(conn, hub_id),
                poll_messages=repo.poll_messages(conn, hub_id),
                prompts=repo.prompts(conn, hub_id),
                prompt_counts={},
                surveys=repo.surveys(conn, hub_id),
            )

    def _read_prompt_counts(self, hub_id: int) -> dict[int, dict[str, int]]:
        with self._repo.connect() as conn:
            return self._repo.prompt_counts(conn, hub_id)

    async def read(self, hub_id: int) -> HubRows:
        """Everything the export needs, read in two threads at once (prompt sends are the most
        rows of a year: they get a connection and a core of their own)."""
        main, prompt_counts = await asyncio.gather(
            asyncio.to_thread(self._read_main, hub_id),
            asyncio.to_thread(self._read_prompt_counts, hub_id),
        )
        return replace(main, prompt_counts=prompt_counts)

    async def build(self, hub: HubRow, now: datetime) -> ExportFile:
        """The hub's export, headers in the current locale, times in the hub's zone."""
        data = await self.read(hub.id)
        locale = current_locale()
        day = now.astimezone(ZoneInfo(hub.timezone)).strftime("%Y-%m-%d")

        def make() -> ExportFile:
            return pack(hub.id, tables(data, hub.timezone, locale), day)

        return await asyncio.to_thread(make)
