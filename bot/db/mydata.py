"""A member's own data: everything stored about them (for /mydata), and its erasure (/forgetme).

The erasure is table-driven: ``ERASURE`` lists, in order, one statement per table and column that
holds a member's Telegram id, each counted under a heading the member reads in the report. A
branch that adds a table with a user id adds a step here (``tests/unit/test_forget.py`` walks
every table of the schema and fails on any column that still holds the id, name or username).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.db.database import Database
from bot.db.mydata_sections import SECTIONS
from bot.db.retention import FINISHED

# A user id in a column that is not a foreign key (polls.author_id, surveys.author_id are NOT
# NULL): 0 is nobody, "a former member".
FORMER_MEMBER = 0  # written as a literal in the steps below


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of the erasure, run with ``:id`` bound to the member's Telegram id."""

    counts: str | None  # the report heading its rows count under; None: not reported
    sql: str


# Order matters: what refers to a row goes before it (answered questions are made anonymous
# before the member's other questions are deleted; the user row goes last).
ERASURE: list[Step] = [
    # questions: answered ones stay as anonymous text (others' answers keep their question)
    Step(
        None,
        """DELETE FROM outbox WHERE kind = 'question' AND ref_id IN
               (SELECT id FROM questions WHERE asker_id = :id)
             AND (key LIKE 'question:%:review:%' OR ref_id IN
               (SELECT id FROM questions WHERE asker_id = :id AND status <> 'answered'))""",
    ),
    Step(
        "questions_kept",
        """UPDATE questions SET asker_id = NULL, anonymous = 1
           WHERE asker_id = :id AND status = 'answered'""",
    ),
    Step("questions_deleted", "DELETE FROM questions WHERE asker_id = :id"),
    Step(None, "UPDATE questions SET answered_by = NULL WHERE answered_by = :id"),
    Step("question_votes", "DELETE FROM question_votes WHERE user_id = :id"),
    # reflections, with their shared group posts' stored text
    Step(
        None,
        "DELETE FROM outbox WHERE kind = 'reflection' AND ref_id IN "
        "(SELECT id FROM reflections WHERE user_id = :id)",
    ),
    Step("reflections", "DELETE FROM reflections WHERE user_id = :id"),
    Step(None, "DELETE FROM prompt_sends WHERE user_id = :id"),
    Step(None, "UPDATE prompts SET author_id = NULL WHERE author_id = :id"),
    # meetings
    Step("rsvps", "DELETE FROM meeting_rsvps WHERE user_id = :id"),
    Step("attendance", "DELETE FROM meeting_attendance WHERE user_id = :id"),
    # (who was asked and what was answered stay apart, even in the code: test_attendance.py)
    Step(None, """DELETE FROM meeting_feedback_requests WHERE user_id = :id"""),
    Step("feedback", """DELETE FROM meeting_feedback WHERE signed_by = :id"""),
    Step(None, "UPDATE meetings SET author_id = NULL WHERE author_id = :id"),
    # polls: a private poll's message in their chat holds their (even anonymous) vote
    Step("poll_votes", "DELETE FROM poll_votes WHERE user_id = :id"),
    Step(None, "DELETE FROM poll_messages WHERE chat_id = :id"),
    Step(None, "DELETE FROM poll_sends WHERE chat_id = :id"),
    # (report_queued: the author's delivery report has nobody to go to)
    Step(None, "UPDATE polls SET author_id = 0, report_queued = 1 WHERE author_id = :id"),
    # surveys: anonymous responses carry no id and stay; named ones go
    Step("survey_responses", "DELETE FROM survey_responses WHERE user_id = :id"),
    Step("survey_drafts", "DELETE FROM survey_drafts WHERE user_id = :id"),
    Step(None, "DELETE FROM survey_participants WHERE user_id = :id"),
    Step(None, "UPDATE surveys SET author_id = 0 WHERE author_id = :id"),
    # announcements: broadcasts.sender_id is NOT NULL REFERENCES users, so they cannot be kept
    # without the sender; what was still waiting to go out is cancelled with them
    Step(
        None,
        "DELETE FROM schedules WHERE kind = 'broadcast' AND ref_id IN "
        "(SELECT id FROM broadcasts WHERE sender_id = :id)",
    ),
    Step(
        None,
        "UPDATE outbox SET status = 'cancelled', reason = 'sender erased' "
        "WHERE kind = 'broadcast' AND status = 'pending' AND ref_id IN "
        "(SELECT id FROM broadcasts WHERE sender_id = :id)",
    ),
    Step("announcements", "DELETE FROM broadcasts WHERE sender_id = :id"),
    # hubs and memberships
    Step(None, "UPDATE hubs SET created_by = NULL WHERE created_by = :id"),
    Step("memberships", "DELETE FROM memberships WHERE user_id = :id"),
    Step(None, "DELETE FROM activity_days WHERE user_id = :id"),
    # a group's finished deferred replies (a list of members, an answer) that name them
    Step(
        None,
        f"""DELETE FROM outbox WHERE kind = 'reply' AND chat_id < 0
              AND status IN ({", ".join(f"'{s}'" for s in FINISHED)})
              AND EXISTS (SELECT 1 FROM users u WHERE u.id = :id AND (
                  (u.first_name <> '' AND instr(outbox.text, u.first_name) > 0)
                  OR (u.last_name <> '' AND instr(outbox.text, u.last_name) > 0)
                  OR (u.username <> '' AND instr(lower(outbox.text), lower(u.username)) > 0)))""",  # noqa: S608 - constants only
    ),
    # every message addressed to them, sent or waiting
    Step("messages", "DELETE FROM outbox WHERE user_id = :id OR chat_id = :id"),
    Step("profile", "DELETE FROM users WHERE id = :id"),
]


@dataclass(frozen=True, slots=True)
class QuestionPost:
    """A question's group post that shows (or showed) the member's name."""

    question_id: int
    hub_id: int
    chat_id: int
    message_id: int | None
    answered: bool


class MyDataRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- what is stored

    async def _rows(self, sql: str, user_id: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch_all(sql, {"id": user_id})
        return [dict(row) for row in rows]

    async def collect(self, user_id: int) -> dict[str, Any] | None:
        """Everything stored about the member, section by section; None if nothing is."""
        profile = await self._rows(
            """SELECT id AS telegram_id, first_name, last_name, username,
                      language_code AS telegram_language, locale AS chosen_language,
                      timezone AS time_zone, started_at AS private_chat_started,
                      blocked_at AS bot_blocked_at, quiet_start AS quiet_hours_start,
                      quiet_end AS quiet_hours_end, paused_until, created_at AS first_seen,
                      updated_at AS last_updated
               FROM users WHERE id = :id""",
            user_id,
        )
        if not profile:
            return None
        data: dict[str, Any] = {"profile_and_settings": profile[0]}
        for name, sql in SECTIONS:
            data[name] = await self._rows(sql, user_id)
        for entry in data["poll_votes"]:
            entry["chosen_options"] = _chosen(entry.pop("options"), entry.pop("option_ids"))
        for key in ("survey_answers", "survey_drafts"):
            for entry in data[key]:
                entry["answer"] = _json(entry["answer"])
        return data

    # -- before erasing

    async def last_facilitated(self, user_id: int) -> list[tuple[int, str]]:
        """The hubs where the member is the only facilitator: (id, name)."""
        rows = await self._db.fetch_all(
            """SELECT h.id, h.name FROM memberships m JOIN hubs h ON h.id = m.hub_id
               WHERE m.user_id = ? AND m.role = 'facilitator'
                 AND (SELECT COUNT(*) FROM memberships f
                      WHERE f.hub_id = m.hub_id AND f.role = 'facilitator') = 1
               ORDER BY h.name COLLATE NOCASE, h.id""",
            (user_id,),
        )
        return [(row[0], row[1]) for row in rows]

    @staticmethod
    async def last_facilitated_in(conn: aiosqlite.Connection, user_id: int) -> bool:
        rows = await conn.execute_fetchall(
            """SELECT 1 FROM memberships m WHERE m.user_id = ? AND m.role = 'facilitator'
                 AND (SELECT COUNT(*) FROM memberships f
                      WHERE f.hub_id = m.hub_id AND f.role = 'facilitator') = 1 LIMIT 1""",
            (user_id,),
        )
        return bool(list(rows))

    @staticmethod
    async def exists_in(conn: aiosqlite.Connection, user_id: int) -> bool:
        rows = await conn.execute_fetchall("SELECT 1 FROM users WHERE id = ?", (user_id,))
        return bool(list(rows))

    @staticmethod
    async def hubs_in(conn: aiosqlite.Connection, user_id: int) -> list[int]:
        rows = await conn.execute_fetchall(
            "SELECT hub_id FROM memberships WHERE user_id = ?", (user_id,)
        )
        return [row[0] for row in rows]

    @staticmethod
    async def question_posts_in(conn: aiosqlite.Connection, user_id: int) -> list[QuestionPost]:
        """The group posts of the member's questions (named or not: the post is rewritten)."""
        rows = await conn.execute_fetchall(
            """SELECT q.id, q.hub_id, o.chat_id, o.message_id, q.status = 'answered'
               FROM questions q JOIN outbox o ON o.key = 'question-post:' || q.id
               WHERE q.asker_id = ?""",
            (user_id,),
        )
        return [QuestionPost(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    @staticmethod
    async def shared_posts_in(
        conn: aiosqlite.Connection, user_id: int
    ) -> list[tuple[int, int, str | None]]:
        """The group posts of reflections the member shared: (chat id, message id, hub locale)."""
        rows = await conn.execute_fetchall(
            """SELECT o.chat_id, o.message_id, h.locale FROM reflections r
               JOIN outbox o ON o.kind = 'reflection' AND o.ref_id = r.id
               LEFT JOIN hubs h ON h.id = r.hub_id
               WHERE r.user_id = ? AND o.message_id IS NOT NULL""",
            (user_id,),
        )
        return [(row[0], row[1], row[2]) for row in rows]

    @staticmethod
    async def rsvped_in(conn: aiosqlite.Connection, user_id: int) -> list[int]:
        """The meeting occurrences the member answered (their group posts show the counts)."""
        rows = await conn.execute_fetchall(
            "SELECT occurrence_id FROM meeting_rsvps WHERE user_id = ?", (user_id,)
        )
        return [row[0] for row in rows]

    @staticmethod
    async def voted_in(conn: aiosqlite.Connection, user_id: int) -> list[int]:
        """The questions the member said 🙋 Me too to (their posts show the count)."""
        rows = await conn.execute_fetchall(
            "SELECT question_id FROM question_votes WHERE user_id = ?", (user_id,)
        )
        return [row[0] for row in rows]

    @staticmethod
    async def rewrite_post_in(conn: aiosqlite.Connection, question_id: int, text: str) -> None:
        await conn.execute(
            "UPDATE outbox SET text = ? WHERE key = ?", (text, f"question-post:{question_id}")
        )

    @staticmethod
    async def drop_post_in(conn: aiosqlite.Connection, question_id: int) -> None:
        await conn.execute("DELETE FROM outbox WHERE key = ?", (f"question-post:{question_id}",))

    @staticmethod
    async def erase_in(
        conn: aiosqlite.Connection, user_id: int, steps: list[Step] | None = None
    ) -> dict[str, int]:
        """Run the erasure's statements; return the rows each report heading counts."""
        counts: dict[str, int] = {}
        for step in ERASURE if steps is None else steps:
            cursor = await conn.execute(step.sql, {"id": user_id})
            if step.counts is not None:
                counts[step.counts] = counts.get(step.counts, 0) + max(cursor.rowcount, 0)
        return counts

    @staticmethod
    async def purge_search_in(conn: aiosqlite.Connection) -> None:
        """Rewrite both question search indexes without the erased rows' tokens.

        FTS5 deletes only add delete markers: the old tokens stay in the index's shadow tables
        until segments are merged. 'optimize' merges them all, so nothing of the member is left.
        """
        for index in ("questions_fts", "questions_search"):
            await conn.execute(f"INSERT INTO {index} ({index}) VALUES ('optimize')")  # noqa: S608


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except ValueError:
        return text


def _chosen(options: str, option_ids: str) -> list[str]:
    names = _json(options) or []
    picked = _json(option_ids) or []
    return [names[i] if isinstance(i, int) and 0 <= i < len(names) else str(i) for i in picked]


def leftovers(
    conn: sqlite3.Connection, user_id: int, needles: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(table, column) pairs of every table that still holds the id or one of ``needles``.

    A walk of the whole schema (sqlite_master), for the tests: the id as an integer value or as a
    whole number inside text (keys, JSON), the needles (name, username) anywhere in text or bytes,
    case-insensitively.
    """
    number = re.compile(rf"(?<![0-9A-Za-z]){user_id}(?![0-9A-Za-z])")
    found: list[tuple[str, str]] = []
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    for table in tables:
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from schema
            for column, value in zip(columns, row, strict=True):
                hit = False
                if isinstance(value, int):
                    hit = value == user_id
                elif isinstance(value, str):
                    folded = value.casefold()
                    hit = bool(number.search(value)) or any(
                        n.casefold() in folded for n in needles if n
                    )
                elif isinstance(value, bytes):  # FTS5 index blocks hold lower-cased tokens
                    lowered = value.lower()
                    hit = any(n.casefold().encode() in lowered for n in needles if n)
                if hit and (table, column) not in found:
                    found.append((table, column))
    return found
