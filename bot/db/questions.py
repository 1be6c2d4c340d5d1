"""Questions and their "me too" votes; answered ones are searchable through FTS5."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time, utcnow
from bot.search_terms import index_text


class QuestionStatus(StrEnum):
    DRAFT = "draft"  # the asker has not confirmed yet
    PENDING = "pending"  # waiting for a facilitator's approval
    OPEN = "open"
    ANSWERED = "answered"
    REJECTED = "rejected"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class QuestionRow:
    id: int
    hub_id: int
    asker_id: int | None
    anonymous: bool
    text: str
    status: QuestionStatus
    close_reason: str | None
    answer: str | None
    answer_edits: int
    votes: int
    created_at: datetime


def question_from_row(row: sqlite3.Row) -> QuestionRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return QuestionRow(
        id=row["id"],
        hub_id=row["hub_id"],
        asker_id=row["asker_id"],
        anonymous=bool(row["anonymous"]),
        text=row["text"],
        status=QuestionStatus(row["status"]),
        close_reason=row["close_reason"],
        answer=row["answer"],
        answer_edits=row["answer_edits"],
        votes=row["votes"],
        created_at=created,
    )


_SELECT = """SELECT q.*, (SELECT COUNT(*) FROM question_votes v WHERE v.question_id = q.id) AS votes
             FROM questions q"""
_WORD = re.compile(r"\w+", re.UNICODE)
SEARCH_CANDIDATES = 300  # the best answers are looked for among the newest 300 matches


def fts_query(words: str) -> str | None:
    """Each word as a quoted prefix term ("оцен"*): user text never reaches FTS5 syntax."""
    terms = [f'"{w}"*' for w in _WORD.findall(words.lower())[:12]]
    return " ".join(terms) if terms else None


class QuestionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_draft(self, hub_id: int, asker_id: int, text: str) -> int:
        now = to_db_time(utcnow())
        return await self._db.execute(
            """INSERT INTO questions (hub_id, asker_id, text, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?)""",
            (hub_id, asker_id, text, now, now),
        )

    async def get(self, question_id: int) -> QuestionRow | None:
        row = await self._db.fetch_one(f"{_SELECT} WHERE q.id = ?", (question_id,))
        return None if row is None else question_from_row(row)

    @staticmethod
    async def set_status(
        conn: aiosqlite.Connection,
        question_id: int,
        status: QuestionStatus,
        *,
        expect: tuple[QuestionStatus, ...],
        anonymous: bool | None = None,
        reason: str | None = None,
    ) -> bool:
        """Move to ``status`` only from one of ``expect``, so a double tap changes nothing."""
        marks = ",".join("?" * len(expect))
        cursor = await conn.execute(
            f"""UPDATE questions SET status = ?, anonymous = COALESCE(?, anonymous),
                       close_reason = COALESCE(?, close_reason), updated_at = ?
                WHERE id = ? AND status IN ({marks})""",  # noqa: S608 - placeholders only
            (
                status.value,
                None if anonymous is None else int(anonymous),
                reason,
                to_db_time(utcnow()),
                question_id,
                *(s.value for s in expect),
            ),
        )
        return cursor.rowcount > 0

    @staticmethod
    async def get_in(conn: aiosqlite.Connection, question_id: int) -> QuestionRow:
        """Read inside a write transaction (sees its own uncommitted changes)."""
        rows = await conn.execute_fetchall(f"{_SELECT} WHERE q.id = ?", (question_id,))
        return question_from_row(rows[0])

    async def set_anonymous(self, question_id: int, anonymous: bool) -> None:
        await self._db.execute(
            "UPDATE questions SET anonymous = ? WHERE id = ? AND status = 'draft'",
            (int(anonymous), question_id),
        )

    @staticmethod
    async def set_answer(
        conn: aiosqlite.Connection, question_id: int, answer: str, by: int
    ) -> bool:
        """Answer an open question or correct an answer; False if it is not open or answered."""
        cursor = await conn.execute(
            """UPDATE questions SET answer = ?, answered_by = ?, answered_at = ?, updated_at = ?,
                      answer_edits = answer_edits + (status = 'answered'), status = 'answered'
               WHERE id = ? AND status IN ('open', 'answered')""",
            (answer, by, to_db_time(utcnow()), to_db_time(utcnow()), question_id),
        )
        if cursor.rowcount > 0:
            await index_answered(conn, question_id)
        return cursor.rowcount > 0

    async def toggle_vote(self, question_id: int, user_id: int) -> bool:
        """Add the vote, or take it back; return whether the user now votes for it."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM question_votes WHERE question_id = ? AND user_id = ?",
                (question_id, user_id),
            )
            if cursor.rowcount:
                return False
            await conn.execute(
                "INSERT INTO question_votes (question_id, user_id, created_at) VALUES (?, ?, ?)",
                (question_id, user_id, to_db_time(utcnow())),
            )
            return True

    @staticmethod
    async def voters(conn: aiosqlite.Connection, question_id: int) -> list[int]:
        rows = await conn.execute_fetchall(
            "SELECT user_id FROM question_votes WHERE question_id = ?", (question_id,)
        )
        return [r[0] for r in rows]

    async def in_hubs(
        self, hub_ids: list[int], statuses: tuple[QuestionStatus, ...], limit: int = 30
    ) -> list[QuestionRow]:
        """Questions of these hubs in these states, most-voted first, then oldest."""
        if not hub_ids:
            return []
        hubs, marks = ",".join("?" * len(hub_ids)), ",".join("?" * len(statuses))
        rows = await self._db.fetch_all(
            f"""{_SELECT} WHERE q.hub_id IN ({hubs}) AND q.status IN ({marks})
                ORDER BY votes DESC, q.id LIMIT ?""",
            (*hub_ids, *(s.value for s in statuses), limit),
        )
        return [question_from_row(r) for r in rows]

    async def search(
        self, hub_ids: list[int], words: str, *, limit: int, offset: int
    ) -> tuple[list[QuestionRow], int]:
        """Answered questions of these hubs matching ``words``, best first, and the total.

        Today's prefix search over questions_fts, kept for ``bench/search.py``'s comparison;
        /faq and "already answered?" use ``SearchService`` over questions_search.
        """
        query = fts_query(words)
        if query is None or not hub_ids:
            return [], 0
        hubs = ",".join("?" * len(hub_ids))
        matches = f"""FROM questions_fts f CROSS JOIN questions q ON q.id = f.rowid
                      WHERE questions_fts MATCH ? AND q.status = 'answered'
                        AND q.hub_id IN ({hubs})"""
        # CROSS JOIN keeps the full-text index as the outer loop: SQLite would otherwise walk the
        # hub's questions and run the full-text query once for each of them. FTS5 scores every
        # match before it can sort, and a common word matches nearly every answer, so only the
        # newest matches are ranked: plenty for pages of best answers, at a bounded cost. They
        # are ranked once, then counted and paged here.
        candidates = f"""SELECT f.rowid AS id, f.rank AS score {matches}
                         ORDER BY f.rowid DESC LIMIT {SEARCH_CANDIDATES}"""
        ranked = await self._db.fetch_all(
            f"SELECT id FROM ({candidates}) ORDER BY score",  # noqa: S608
            (query, *hub_ids),
        )
        page = [row[0] for row in ranked[offset : offset + limit]]
        if not page:
            return [], len(ranked)
        marks = ",".join("?" * len(page))
        rows = await self._db.fetch_all(
            f"SELECT q.*, 0 AS votes FROM questions q WHERE q.id IN ({marks})",  # noqa: S608
            page,
        )
        found = {row["id"]: question_from_row(row) for row in rows}
        return [found[i] for i in page if i in found], len(ranked)


# -- the stemmed index (questions_search, migration 0014): rows written here, read by SearchService

_INDEX_SOURCE = """SELECT q.id, q.hub_id, q.text, q.answer, h.locale AS hub_locale,
                          COALESCE(u.locale, u.language_code) AS asker_locale
                   FROM questions q JOIN hubs h ON h.id = q.hub_id
                   LEFT JOIN users u ON u.id = q.asker_id
                   WHERE q.status = 'answered'"""
_INDEX_INSERT = "INSERT INTO questions_search (rowid, hub, text, answer) VALUES (?, ?, ?, ?)"


def hub_token(hub_id: int) -> str:
    return f"h{hub_id}"


def _index_values(row: sqlite3.Row) -> tuple[int, str, str, str]:
    """A question's search forms, in its hub's and its asker's languages (bot/search_terms.py)."""
    question_id, hub_id, text, answer, hub_locale, asker_locale = row  # any row factory
    locales = [hub_locale, asker_locale or ""]
    return (
        question_id,
        hub_token(hub_id),
        index_text(text, locales),
        index_text(answer or "", locales),
    )


async def index_answered(conn: aiosqlite.Connection, question_id: int) -> None:
    """(Re)write one question's row of the stemmed index, inside the caller's transaction."""
    await conn.execute("DELETE FROM questions_search WHERE rowid = ?", (question_id,))
    rows = await conn.execute_fetchall(f"{_INDEX_SOURCE} AND q.id = ?", (question_id,))
    if rows:
        await conn.execute(_INDEX_INSERT, _index_values(rows[0]))


async def index_all(conn: aiosqlite.Connection, batch: int = 2000) -> int:
    """Index every answered question (the migration's Python step); return how many."""
    done, last = 0, 0
    while True:
        rows = await conn.execute_fetchall(
            f"{_INDEX_SOURCE} AND q.id > ? ORDER BY q.id LIMIT ?", (last, batch)
        )
        if not rows:
            return done
        await conn.executemany(_INDEX_INSERT, [_index_values(row) for row in rows])
        done, last = done + len(rows), rows[-1][0]


class SearchRepository:
    """Queries over questions_search; ``expression`` is built by SearchService, never by users."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def newest(self, expression: str, limit: int) -> list[int]:
        """The newest ``limit`` matches, newest first.

        FTS5 walks its doclists backwards and stops at ``limit``, so a word that matches half
        the archive costs no more than a rare one. No bm25() here: FTS5 computes its IDF by
        reading every phrase's whole doclist (hub tokens and every form of every word), which
        costs more than the search; SearchService ranks the rows by the same formula.
        """
        rows = await self._db.fetch_all(
            """SELECT rowid FROM questions_search WHERE questions_search MATCH ?
               ORDER BY rowid DESC LIMIT ?""",
            (expression, limit),
        )
        return [row[0] for row in rows]

    async def count(self, expression: str, cap: int) -> int:
        """How many rows match, counted up to ``cap`` (a word's rarity, cheaply)."""
        row = await self._db.fetch_one(
            """SELECT count(*) FROM (SELECT rowid FROM questions_search
               WHERE questions_search MATCH ? LIMIT ?)""",
            (expression, cap),
        )
        return int(row[0]) if row else 0

    async def forms(self, ids: list[int]) -> list[tuple[int, str, str]]:
        """The stored forms (question, answer) of these rows."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetch_all(
            f"SELECT rowid, text, answer FROM questions_search WHERE rowid IN ({marks})",  # noqa: S608
            ids,
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def answered(self, ids: list[int]) -> dict[int, QuestionRow]:
        """These questions, if still answered (votes counted)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE q.id IN ({marks}) AND q.status = 'answered'",
            ids,
        )
        return {row["id"]: question_from_row(row) for row in rows}


TEXT_WEIGHT = 3.0  # a word of the question counts three times a word of the answer
