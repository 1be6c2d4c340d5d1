"""Reads answered from memory until the next write: the gate's per-update lookups without a trip.

Every update's gate reads the sender's facts, and most updates change nothing; a round trip to the
database thread costs more than the rest of a ``/help``. All writes go through one ``Database``
(one process, one writer), which counts them, so a remembered read is dropped as soon as any
write commits. The database stays the source of truth: an entry is only a copy, at most
``max_age`` seconds old, so even a row changed by hand outside the bot shows within that time.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

from bot.db.database import Database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ReadCache(Generic[K, V]):
    """Remember reads of ``db`` until it commits a write (or ``max_age`` passes)."""

    def __init__(self, db: Database, *, size: int = 4096, max_age: float = 30.0) -> None:
        self._db = db
        self._size = size
        self._max_age = max_age
        self._commits = db.commits
        self._entries: dict[K, tuple[float, V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def token(self) -> int:
        """Take this before reading and ``put`` with it: a read raced by a write is not kept."""
        return self._db.commits

    def get(self, key: K) -> V | None:
        if self._commits != self._db.commits:
            self._entries.clear()
            self._commits = self._db.commits
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if time.monotonic() - entry[0] > self._max_age:
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: K, value: V, token: int) -> None:
        if token != self._db.commits:
            return  # a write committed while we read: the value may be stale already
        if self._commits != token:
            self._entries.clear()
            self._commits = token
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]  # the oldest
        self._entries[key] = (time.monotonic(), value)
