"""A hub's meeting settings: when reminders go out before a meeting, and feedback after it.

The meeting reminders read ``reminder_offsets``; the feedback requests read ``feedback_on``.
Whoever must act when a hub's offsets change (the reminders of upcoming meetings are written
again) registers with ``on_offsets_changed``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bot.db.meeting_settings import MeetingSettingsRepository

DEFAULT_OFFSETS = (1440, 60)  # a day and an hour before (the column's default)
OFFSET_CHOICES = (10080, 1440, 180, 60, 15)  # 1 week, 1 day, 3 h, 1 h, 15 min
MIN_OFFSET = 5  # minutes
MAX_OFFSET = 14 * 1440  # two weeks
MAX_OFFSETS = 6

Listener = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class MeetingSettings:
    offsets: list[int]  # minutes before the start, largest first; empty: no reminders
    feedback: bool


def parse_offsets(text: str) -> list[int]:
    """The stored form back to minutes ('1440,60' → [1440, 60]); unreadable parts are dropped."""
    minutes = {int(part) for part in text.split(",") if part.strip().isdigit()}
    return sorted((m for m in minutes if m > 0), reverse=True)


def offsets_text(offsets: Iterable[int]) -> str:
    return ",".join(str(m) for m in sorted(set(offsets), reverse=True))


class MeetingSettingsService:
    def __init__(self, repository: MeetingSettingsRepository) -> None:
        self._repository = repository
        self._listeners: list[Listener] = []

    def on_offsets_changed(self, listener: Listener) -> None:
        """Call ``listener(hub_id)`` after a hub's reminder offsets change."""
        self._listeners.append(listener)

    async def settings(self, hub_id: int) -> MeetingSettings:
        row = await self._repository.get(hub_id)
        if row is None:
            return MeetingSettings(list(DEFAULT_OFFSETS), False)
        return MeetingSettings(parse_offsets(row[0]), row[1])

    async def reminder_offsets(self, hub_id: int) -> list[int]:
        """Minutes before a meeting's start when members are reminded, largest first."""
        return (await self.settings(hub_id)).offsets

    async def feedback_on(self, hub_id: int) -> bool:
        return (await self.settings(hub_id)).feedback

    async def set_offsets(self, hub_id: int, offsets: Iterable[int]) -> list[int]:
        """Store the offsets (an empty list: no reminders) and tell the listeners."""
        chosen = parse_offsets(offsets_text(offsets))
        if any(not MIN_OFFSET <= m <= MAX_OFFSET for m in chosen) or len(chosen) > MAX_OFFSETS:
            raise ValueError(f"offsets out of range: {chosen}")
        if chosen == await self.reminder_offsets(hub_id):
            return chosen
        await self._repository.set_offsets(hub_id, offsets_text(chosen))
        for listener in self._listeners:
            await listener(hub_id)
        return chosen

    async def set_feedback(self, hub_id: int, on: bool) -> None:
        await self._repository.set_feedback(hub_id, on)
