"""Surveys, their questions, who was invited, drafts and responses (migration 0012).

The anonymity rule lives here: an anonymous response gets a random id and no user id, and its
answers are keyed by that id in a WITHOUT ROWID table, so nothing joins them to a member; the
member's drafts are deleted in the same transaction that writes the response.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time

Value = object  # a JSON value: a list of option indexes, a scale number, a text, or None (skipped)


@dataclass(frozen=True, slots=True)
class SurveyRow:
    id: int
    hub_id: int | None
    author_id: int
    title: str
    anonymous: bool
    opens_at: datetime
    closes_at: datetime
    reminders: tuple[timedelta, ...]
    before_id: int | None
    status: str
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuestionRow:
    id: int
    survey_id: int
    position: int
    kind: str
    text: str
    options: tuple[str, ...]


def _time(text: str) -> datetime:
    moment = from_db_time(text)
    assert moment is not None
    return moment


def _survey(row: sqlite3.Row) -> SurveyRow:
    return SurveyRow(
        id=row["id"],
        hub_id=row["hub_id"],
        author_id=row["author_id"],
        title=row["title"],
        anonymous=bool(row["anonymous"]),
        opens_at=_time(row["opens_at"]),
        closes_at=_time(row["closes_at"]),
        reminders=tuple(timedelta(minutes=m) for m in json.loads(row["reminders"])),
        before_id=row["before_id"],
        status=row["status"],
        created_at=_time(row["created_at"]),
        closed_at=from_db_time(row["closed_at"]),
    )


def _question(row: sqlite3.Row) -> QuestionRow:
    return QuestionRow(
        id=row["id"],
        survey_id=row["survey_id"],
        position=row["position"],
        kind=row["kind"],
        text=row["text"],
        options=tuple(json.loads(row["options"])),
    )


@asynccontextmanager
async def _wiped(conn: aiosqlite.Connection) -> AsyncIterator[None]:
    """Deleted or overwritten draft content is zeroed in the file, not left in free space where
    a look at the raw database could still find a member's id next to an answer."""
    previous = next(iter(await conn.execute_fetchall("PRAGMA secure_delete")))[0]
    await conn.execute("PRAGMA secure_delete = 1")
    try:
        yield
    finally:
        await conn.execute(f"PRAGMA secure_delete = {int(previous)}")


def _in(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class SurveyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writing a survey

    @staticmethod
    async def insert(
        conn: aiosqlite.Connection,
        *,
        hub_id: int | None,
        author_id: int,
        title: str,
        anonymous: bool,
        opens_at: datetime,
        closes_at: datetime,
        reminders: Sequence[timedelta],
        before_id: int | None,
        questions: Sequence[tuple[str, str, Sequence[str]]],
        now: datetime,
    ) -> int:
        """The survey and its questions (kind, text, options), in the caller's transaction."""
        cursor = await conn.execute(
            """INSERT INTO surveys (hub_id, author_id, title, anonymous, opens_at, closes_at,
                                    reminders, before_id, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                hub_id,
                author_id,
                title,
                int(anonymous),
                to_db_time(opens_at),
                to_db_time(closes_at),
                json.dumps([int(r.total_seconds() // 60) for r in reminders]),
                before_id,
                to_db_time(now),
            ),
        )
        survey_id = cursor.lastrowid
        assert survey_id is not None
        await conn.executemany(
            """INSERT INTO survey_questions (survey_id, position, kind, text, options)
               VALUES (?, ?, ?, ?, ?)""",
            [
                (survey_id, position, kind, text, json.dumps(list(options), ensure_ascii=False))
                for position, (kind, text, options) in enumerate(questions, start=1)
            ],
        )
        return survey_id

    @staticmethod
    async def set_status(
        conn: aiosqlite.Connection,
        survey_id: int,
        status: str,
        *,
        only_from: Iterable[str],
        now: datetime | None = None,
    ) -> bool:
        """Move the survey to ``status`` if it is in one of ``only_from``; False otherwise."""
        before = list(only_from)
        cursor = await conn.execute(
            f"""UPDATE surveys SET status = ?, closed_at = COALESCE(?, closed_at)
                WHERE id = ? AND status IN ({_in(before)})""",  # noqa: S608
            (status, to_db_time(now) if now else None, survey_id, *before),
        )
        return cursor.rowcount > 0

    # -- reading surveys

    async def get(
        self, survey_id: int, conn: aiosqlite.Connection | None = None
    ) -> SurveyRow | None:
        sql, params = "SELECT * FROM surveys WHERE id = ?", (survey_id,)
        if conn is None:
            row = await self._db.fetch_one(sql, params)
        else:
            row = next(iter(await conn.execute_fetchall(sql, params)), None)
        return None if row is None else _survey(row)

    async def questions(self, survey_id: int) -> list[QuestionRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM survey_questions WHERE survey_id = ? ORDER BY position", (survey_id,)
        )
        return [_question(r) for r in rows]

    async def for_hubs(self, hub_ids: Sequence[int], include_network: bool) -> list[SurveyRow]:
        """The surveys of these hubs (and the all-hub ones if asked), newest first."""
        ids = list(hub_ids)
        rows = await self._db.fetch_all(
            f"""SELECT * FROM surveys
                WHERE hub_id IN ({_in(ids)}) OR (? AND hub_id IS NULL)
                ORDER BY id DESC""",  # noqa: S608
            (*ids, int(include_network)),
        )
        return [_survey(r) for r in rows]

    async def open_for(self, user_id: int, now: datetime) -> list[SurveyRow]:
        """Open surveys this member was invited to and has not finished, soonest deadline first."""
        rows = await self._db.fetch_all(
            """SELECT s.* FROM survey_participants p JOIN surveys s ON s.id = p.survey_id
               WHERE p.user_id = :user AND p.finished = 0 AND s.status = 'open'
                 AND s.closes_at > :now
                 AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = :user
                             AND (s.hub_id IS NULL OR m.hub_id = s.hub_id))
               ORDER BY s.closes_at, s.id""",
            {"user": user_id, "now": to_db_time(now)},
        )
        return [_survey(r) for r in rows]

    async def belongs(
        self, hub_id: int | None, user_id: int, conn: aiosqlite.Connection | None = None
    ) -> bool:
        """Whether the member is still in the survey's hub (in any hub, for None)."""
        sql = "SELECT 1 FROM memberships WHERE user_id = :user AND (:hub IS NULL OR hub_id = :hub)"
        params = {"user": user_id, "hub": hub_id}
        if conn is None:
            return await self._db.fetch_one(sql, params) is not None
        return bool(await conn.execute_fetchall(sql, params))

    # -- who is invited

    @staticmethod
    async def recipients(conn: aiosqlite.Connection, hub_id: int | None) -> list[int]:
        """Members of the hub (of every hub, each once, for None) whom the bot can write to."""
        rows = await conn.execute_fetchall(
            """SELECT u.id FROM users u
               WHERE u.id IN (SELECT user_id FROM memberships WHERE :hub IS NULL OR hub_id = :hub)
                 AND u.started_at IS NOT NULL AND u.blocked_at IS NULL
               ORDER BY u.id""",
            {"hub": hub_id},
        )
        return [r[0] for r in rows]

    @staticmethod
    async def invite(conn: aiosqlite.Connection, survey_id: int, user_ids: Sequence[int]) -> None:
        await conn.executemany(
            """INSERT INTO survey_participants (survey_id, user_id) VALUES (?, ?)
               ON CONFLICT DO NOTHING""",
            [(survey_id, user_id) for user_id in user_ids],
        )

    async def participant(
        self, survey_id: int, user_id: int, conn: aiosqlite.Connection | None = None
    ) -> bool | None:
        """Whether the member finished (None: not invited)."""
        sql = "SELECT finished FROM survey_participants WHERE survey_id = ? AND user_id = ?"
        if conn is None:
            row = await self._db.fetch_one(sql, (survey_id, user_id))
        else:
            row = next(iter(await conn.execute_fetchall(sql, (survey_id, user_id))), None)
        return None if row is None else bool(row[0])

    async def unfinished(self, survey_id: int) -> list[int]:
        """Invited members who have not finished and are still in the survey's hub (any hub)."""
        rows = await self._db.fetch_all(
            """SELECT p.user_id FROM survey_participants p JOIN surveys s ON s.id = p.survey_id
               WHERE p.survey_id = ? AND p.finished = 0
                 AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = p.user_id
                             AND (s.hub_id IS NULL OR m.hub_id = s.hub_id))
               ORDER BY p.user_id""",
            (survey_id,),
        )
        return [r[0] for r in rows]

    async def finished_among(self, survey_id: int, user_ids: Sequence[int]) -> set[int]:
        ids = list(user_ids)
        rows = await self._db.fetch_all(
            f"""SELECT user_id FROM survey_participants
                WHERE survey_id = ? AND finished = 1 AND user_id IN ({_in(ids)})""",  # noqa: S608
            (survey_id, *ids),
        )
        return {r[0] for r in rows}

    async def progress(self, survey_id: int) -> tuple[int, int, int]:
        """(invited, finished, started but not finished: drafts now, incomplete after closing)."""
        row = await self._db.fetch_one(
            """SELECT
                 (SELECT COUNT(*) FROM survey_participants WHERE survey_id = :s),
                 (SELECT COUNT(*) FROM survey_participants WHERE survey_id = :s AND finished = 1),
                 (SELECT COUNT(DISTINCT user_id) FROM survey_drafts WHERE survey_id = :s)
                 + (SELECT COUNT(*) FROM survey_responses WHERE survey_id = :s AND complete = 0)""",
            {"s": survey_id},
        )
        assert row is not None
        return row[0], row[1], row[2]

    # -- drafts

    async def drafts(self, survey_id: int, user_id: int) -> dict[int, Value]:
        rows = await self._db.fetch_all(
            "SELECT question_id, value FROM survey_drafts WHERE survey_id = ? AND user_id = ?",
            (survey_id, user_id),
        )
        return {r[0]: json.loads(r[1]) for r in rows}

    @staticmethod
    async def set_draft(
        conn: aiosqlite.Connection, survey_id: int, user_id: int, question_id: int, value: Value
    ) -> None:
        async with _wiped(conn):
            await conn.execute(
                """INSERT INTO survey_drafts (survey_id, user_id, question_id, value)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (survey_id, user_id, question_id)
               DO UPDATE SET value = excluded.value""",
                (survey_id, user_id, question_id, json.dumps(value, ensure_ascii=False)),
            )

    # -- responses

    @staticmethod
    async def submit(
        conn: aiosqlite.Connection,
        survey_id: int,
        user_id: int,
        *,
        anonymous: bool,
        complete: bool,
    ) -> int:
        """Turn the member's drafts into a response, in the caller's transaction.

        Anonymous: a random id and no user id. The drafts go; a complete response marks the
        member finished. Skipped questions (null) and empty choices leave no answer row.
        """
        rows = await conn.execute_fetchall(
            "SELECT question_id, value FROM survey_drafts WHERE survey_id = ? AND user_id = ?",
            (survey_id, user_id),
        )
        answers = [(r[0], r[1]) for r in rows if json.loads(r[1]) not in (None, [], "")]
        while True:
            response_id = secrets.randbits(62)
            cursor = await conn.execute(
                """INSERT INTO survey_responses (id, survey_id, user_id, complete)
                   VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (response_id, survey_id, None if anonymous else user_id, int(complete)),
            )
            if cursor.rowcount:
                break
        await conn.executemany(
            "INSERT INTO survey_answers (response_id, question_id, value) VALUES (?, ?, ?)",
            [(response_id, question_id, value) for question_id, value in answers],
        )
        async with _wiped(conn):
            await conn.execute(
                "DELETE FROM survey_drafts WHERE survey_id = ? AND user_id = ?",
                (survey_id, user_id),
            )
        if complete:
            await conn.execute(
                """UPDATE survey_participants SET finished = 1
                   WHERE survey_id = ? AND user_id = ?""",
                (survey_id, user_id),
            )
        return response_id

    @staticmethod
    async def drop_drafts(conn: aiosqlite.Connection, survey_id: int) -> None:
        """Delete every draft of the survey, wiped from the file (an anonymous survey's unsent
        answers at the deadline)."""
        async with _wiped(conn):
            await conn.execute("DELETE FROM survey_drafts WHERE survey_id = ?", (survey_id,))

    @staticmethod
    async def draft_owners(conn: aiosqlite.Connection, survey_id: int) -> list[int]:
        """Members with drafts left (unfinished), for the deadline."""
        rows = await conn.execute_fetchall(
            "SELECT DISTINCT user_id FROM survey_drafts WHERE survey_id = ? ORDER BY user_id",
            (survey_id,),
        )
        return [r[0] for r in rows]
