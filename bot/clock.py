"""The time source for scheduling: real by default, movable in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Aware UTC 'now'; scheduling asks it rather than the system so tests can move time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock(Clock):
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("give the clock an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta
