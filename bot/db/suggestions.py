"""'Already answered?' suggestions: what one draft was offered, its outcome, the hub's counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import aiosqlite

from bot.db.database import Database, to_db_time, utcnow

Outcome = Literal["answered", "asked"]
_COLUMN: dict[str, str] = {"answered": "answered", "asked": "asked_anyway"}


@dataclass(frozen=True, slots=True)
class SuggestionCounts:
    """How often suggestions were shown, answered the question, or were passed by."""

    shown: int = 0
    answered: int = 0
    asked_anyway: int = 0


@dataclass(frozen=True, slots=True)
class Offer:
    """What one draft was offered (closest first) and what its asker chose, if anything yet."""

    draft_id: int
    hub_id: int
    question_ids: tuple[int, ...]
    outcome: Outcome | None


def _today() -> str:
    return to_db_time(utcnow())[:10]


class SuggestionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_offer(self, draft_id: int, hub_id: int, question_ids: Sequence[int]) -> bool:
        """Remember what the draft is offered and count one showing; False if already offered."""
        day = _today()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT OR IGNORE INTO suggestion_outcomes (draft_id, hub_id, day)
                   VALUES (?, ?, ?)""",
                (draft_id, hub_id, day),
            )
            if not cursor.rowcount:
                return False
            await conn.executemany(
                """INSERT INTO suggestion_offers (draft_id, question_id, rank)
                   VALUES (?, ?, ?)""",
                [(draft_id, qid, rank) for rank, qid in enumerate(question_ids, 1)],
            )
            await self._count(conn, hub_id, day, "shown")
        return True

    async def offer(self, draft_id: int) -> Offer | None:
        rows = await self._db.fetch_all(
            """SELECT o.hub_id, o.outcome, s.question_id
               FROM suggestion_outcomes o
               LEFT JOIN suggestion_offers s ON s.draft_id = o.draft_id
               WHERE o.draft_id = ? ORDER BY s.rank""",
            (draft_id,),
        )
        if not rows:
            return None
        return Offer(
            draft_id=draft_id,
            hub_id=rows[0]["hub_id"],
            question_ids=tuple(r["question_id"] for r in rows if r["question_id"] is not None),
            outcome=rows[0]["outcome"],
        )

    @staticmethod
    async def decide(conn: aiosqlite.Connection, draft_id: int, outcome: Outcome) -> bool:
        """Settle the draft's outcome once and count it; "asked" forgets what was offered.

        Returns False when it was already settled (a double tap, a second device).
        """
        rows = await conn.execute_fetchall(
            """UPDATE suggestion_outcomes SET outcome = ?
               WHERE draft_id = ? AND outcome IS NULL RETURNING hub_id, day""",
            (outcome, draft_id),
        )
        found = list(rows)
        if not found:
            return False
        hub_id, day = found[0]
        await SuggestionRepository._count(conn, hub_id, day, _COLUMN[outcome])
        await conn.execute(
            "DELETE FROM suggestion_offers WHERE draft_id = ? AND ? = 'asked'", (draft_id, outcome)
        )
        return True

    @staticmethod
    async def _count(conn: aiosqlite.Connection, hub_id: int, day: str, column: str) -> None:
        assert column in ("shown", "answered", "asked_anyway")
        await conn.execute(
            f"""INSERT INTO suggestion_counts (hub_id, day, {column}) VALUES (?, ?, 1)
                ON CONFLICT (hub_id, day) DO UPDATE SET {column} = {column} + 1""",  # noqa: S608
            (hub_id, day),
        )

    async def counts(self, hub_id: int, since: str | None = None) -> SuggestionCounts:
        """The hub's counts, all time or from the UTC day ``since`` (YYYY-MM-DD) on."""
        row = await self._db.fetch_one(
            """SELECT COALESCE(SUM(shown), 0), COALESCE(SUM(answered), 0),
                      COALESCE(SUM(asked_anyway), 0)
               FROM suggestion_counts WHERE hub_id = ? AND day >= ?""",
            (hub_id, since or ""),
        )
        assert row is not None
        return SuggestionCounts(row[0], row[1], row[2])

    @staticmethod
    async def add_vote(conn: aiosqlite.Connection, question_id: int, user_id: int) -> bool:
        """A "🙋 Me too" that stays (not a toggle); False if the member had already said it."""
        cursor = await conn.execute(
            """INSERT OR IGNORE INTO question_votes (question_id, user_id, created_at)
               VALUES (?, ?, ?)""",
            (question_id, user_id, to_db_time(utcnow())),
        )
        return cursor.rowcount > 0
