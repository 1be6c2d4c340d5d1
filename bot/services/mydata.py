"""/mydata: everything the bot stores about a member, as one readable JSON file."""

from __future__ import annotations

import json
from datetime import datetime

from bot.db.database import utcnow
from bot.db.mydata import MyDataRepository
from bot.i18n import _

FILE_NAME = "mydata.json"


class MyDataService:
    def __init__(self, repo: MyDataRepository) -> None:
        self._repo = repo

    async def export(self, user_id: int, *, now: datetime | None = None) -> bytes | None:
        """The member's data as UTF-8 JSON (names and text kept as written); None if none."""
        data = await self._repo.collect(user_id)
        if data is None:
            return None
        document = {
            "about": _(
                "Everything Mentor Hub keeps about you. Times are in UTC. Questions you asked "
                "anonymously are listed because they are yours: nobody else sees who asked them."
            ),
            "exported_at": (now or utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **data,
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")

    async def sections(self, user_id: int) -> dict[str, int]:
        """How many entries each section holds (for the caption)."""
        data = await self._repo.collect(user_id)
        return {} if data is None else {k: len(v) for k, v in data.items() if isinstance(v, list)}
