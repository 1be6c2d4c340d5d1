"""Read-only queries behind /export: the rows of each CSV file of a hub's export.

Nothing here writes. An export of a big hub reads for a second or more: it does so on its own
read-only connections in worker threads (``sqlite3``, WAL: it sees one committed state and blocks
no one), never on the bot's shared reader, which every other chat's reads wait behind.

Two things never leave these queries, so no export can carry them:
reflection text (``reflection_parts``, ``reflections``: only ``prompt_sends`` statuses are
counted) and who asked an anonymous question or answered a survey (an anonymous question's
asker columns are NULL in the result; surveys are counted, never listed by person).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from bot.db.database import Database

MEMBERS = """
SELECT u.id, u.first_name, u.last_name, u.username, m.role, m.joined_at,
       u.started_at IS NOT NULL AND u.blocked_at IS NULL AS reachable
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.hub_id = ?
ORDER BY m.role = 'facilitator' DESC, u.first_name COLLATE NOCASE, u.id
"""

# The asker's name only when the question was not anonymous: the CASE keeps it out of the row.
QUESTIONS = """
SELECT q.id, q.text, q.anonymous, q.status, q.created_at, q.answered_at, q.answer,
       CASE WHEN q.anonymous = 0 THEN a.first_name END AS asker_first,
       CASE WHEN q.anonymous = 0 THEN a.last_name END AS asker_last,
       CASE WHEN q.anonymous = 0 THEN a.username END AS asker_username,
       r.first_name AS answerer_first, r.last_name AS answerer_last,
       r.username AS answerer_username
FROM questions q
LEFT JOIN users a ON a.id = q.asker_id AND q.anonymous = 0
LEFT JOIN users r ON r.id = q.answered_by
WHERE q.hub_id = ? AND q.status != 'draft'
ORDER BY q.id
"""

ANNOUNCEMENTS = """
SELECT id, text, status, created_at, sent_at, send_at FROM broadcasts
WHERE hub_id = ? AND status != 'draft'
ORDER BY id
"""

# Outbox statuses per announcement, from the (kind, ref_id, status) index alone.
# Outbox rows, plus those the retention job deleted (their counts kept in delivery_counts).
ANNOUNCEMENT_STATUSES = """
SELECT ref_id, status, SUM(n) AS n FROM (
    SELECT ref_id, status, COUNT(*) AS n FROM outbox
    WHERE kind = 'broadcast' AND ref_id IN (SELECT id FROM broadcasts WHERE hub_id = ?1)
    GROUP BY ref_id, status
    UNION ALL
    SELECT ref_id, status, count AS n FROM delivery_counts
    WHERE kind = 'broadcast' AND ref_id IN (SELECT id FROM broadcasts WHERE hub_id = ?1)
) GROUP BY ref_id, status
"""

# Rows waiting for the end of someone's quiet hours or pause: few, found through the index.
ANNOUNCEMENTS_HELD = """
SELECT ref_id, COUNT(*) AS n FROM outbox
WHERE kind = 'broadcast' AND status IN ('pending', 'sending') AND held_until IS NOT NULL
  AND ref_id IN (SELECT id FROM broadcasts WHERE hub_id = ?)
GROUP BY ref_id
"""

MEETINGS = """
SELECT m.id, m.title, m.place, o.starts_at, o.status AS occurrence_status,
       m.status AS meeting_status,
       (SELECT COUNT(*) FROM meeting_rsvps r WHERE r.occurrence_id = o.id AND r.answer = 'yes')
           AS going,
       (SELECT COUNT(*) FROM meeting_rsvps r WHERE r.occurrence_id = o.id AND r.answer = 'maybe')
           AS maybe,
       (SELECT COUNT(*) FROM meeting_rsvps r WHERE r.occurrence_id = o.id AND r.answer = 'no')
           AS declined,
       (SELECT COUNT(*) FROM meeting_attendance t WHERE t.occurrence_id = o.id AND t.present = 1)
           AS attended,
       o.attendance_at IS NOT NULL AS attendance_taken
FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id
WHERE m.hub_id = ?
ORDER BY o.starts_at, o.id
"""

POLLS = """
SELECT id, question, options, anonymous, multiple, private, status, created_at, closed_at
FROM polls WHERE hub_id = ? ORDER BY id
"""

# Named polls: who voted is read only to count, inside SQLite; no name or id leaves the query.
POLL_OPTION_VOTES = """
SELECT v.poll_id, CAST(j.value AS INTEGER) AS option, COUNT(*) AS n
FROM poll_votes v JOIN json_each(v.option_ids) j
WHERE v.poll_id IN (SELECT id FROM polls WHERE hub_id = ? AND anonymous = 0)
GROUP BY v.poll_id, j.value
"""

POLL_VOTERS = """
SELECT poll_id, COUNT(*) AS n FROM poll_votes
WHERE poll_id IN (SELECT id FROM polls WHERE hub_id = ? AND anonymous = 0) AND option_ids != '[]'
GROUP BY poll_id
"""

POLL_MESSAGES = """
SELECT pm.poll_id, pm.counts, pm.total FROM poll_messages pm JOIN polls p ON p.id = pm.poll_id
WHERE p.hub_id = ? AND p.anonymous = 1
"""

PROMPTS = """
SELECT id, text, library_key, status, created_at FROM prompts WHERE hub_id = ? ORDER BY id
"""

# The occurrences a prompt went out for: a loose index scan of (prompt_id, occurrence, user_id),
# one seek per occurrence instead of reading every send.
PROMPT_OCCURRENCES = """
WITH RECURSIVE occ (prompt_id, day) AS (
    SELECT p.id, (SELECT MIN(s.occurrence) FROM prompt_sends s WHERE s.prompt_id = p.id)
    FROM prompts p WHERE p.hub_id = ?
    UNION ALL
    SELECT o.prompt_id,
           (SELECT MIN(s.occurrence) FROM prompt_sends s
            WHERE s.prompt_id = o.prompt_id AND s.occurrence > o.day)
    FROM occ o WHERE o.day IS NOT NULL
)
SELECT prompt_id, COUNT(day) AS n FROM occ GROUP BY prompt_id
"""

# Counts of statuses only: a reflection's text is in other tables, never read here. One prompt at
# a time: no sorter over a year of sends.
PROMPT_SENDS = """
SELECT COUNT(*) AS sent, COALESCE(SUM(status = 'answered'), 0) AS answered,
       COALESCE(SUM(status = 'skipped'), 0) AS skipped
FROM prompt_sends WHERE prompt_id = ?
"""

SURVEYS = """
SELECT s.id, s.title, s.anonymous, s.status, s.opens_at, s.closes_at,
       COUNT(sp.user_id) AS invited, COALESCE(SUM(sp.finished), 0) AS finished
FROM surveys s LEFT JOIN survey_participants sp ON sp.survey_id = s.id
WHERE s.hub_id = ?
GROUP BY s.id
ORDER BY s.id
"""


class ExportRepository:
    """The rows of each export file, for one hub, read on connections of its own."""

    def __init__(self, db: Database, *, busy_timeout_ms: int = 5000) -> None:
        self._db = db
        self._busy_timeout_ms = busy_timeout_ms

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection for one worker thread, in one read transaction."""
        conn = sqlite3.connect(
            f"file:{quote(self._db.path)}?mode=ro", uri=True, isolation_level=None
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("BEGIN")  # one snapshot for every query of this connection
            yield conn
            conn.execute("COMMIT")
        finally:
            conn.close()

    @staticmethod
    def _rows(conn: sqlite3.Connection, sql: str, hub_id: int) -> list[sqlite3.Row]:
        return conn.execute(sql, (hub_id,)).fetchall()

    def members(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, MEMBERS, hub_id)

    def questions(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, QUESTIONS, hub_id)

    def announcements(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, ANNOUNCEMENTS, hub_id)

    def announcement_counts(
        self, conn: sqlite3.Connection, hub_id: int
    ) -> dict[int, dict[str, int]]:
        """Per announcement: outbox rows by status, and ``held`` (waiting for quiet hours)."""
        counts: dict[int, dict[str, int]] = {}
        for r in self._rows(conn, ANNOUNCEMENT_STATUSES, hub_id):
            counts.setdefault(r["ref_id"], {})[r["status"]] = r["n"]
        for r in self._rows(conn, ANNOUNCEMENTS_HELD, hub_id):
            counts.setdefault(r["ref_id"], {})["held"] = r["n"]
        return counts

    def meetings(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, MEETINGS, hub_id)

    def polls(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, POLLS, hub_id)

    def poll_counts(
        self, conn: sqlite3.Connection, hub_id: int
    ) -> dict[int, tuple[dict[int, int], int]]:
        """Named polls: votes per option index and the number of voters."""
        counts: dict[int, tuple[dict[int, int], int]] = {}
        for r in self._rows(conn, POLL_VOTERS, hub_id):
            counts[r["poll_id"]] = ({}, r["n"])
        for r in self._rows(conn, POLL_OPTION_VOTES, hub_id):
            counts.setdefault(r["poll_id"], ({}, 0))[0][r["option"]] = r["n"]
        return counts

    def poll_messages(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, POLL_MESSAGES, hub_id)

    def prompts(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, PROMPTS, hub_id)

    def prompt_counts(self, conn: sqlite3.Connection, hub_id: int) -> dict[int, dict[str, int]]:
        """Per prompt of the hub: occurrences, sent, answered, skipped."""
        counts = {}
        for r in self._rows(conn, PROMPT_OCCURRENCES, hub_id):
            row = conn.execute(PROMPT_SENDS, (r["prompt_id"],)).fetchone()
            counts[r["prompt_id"]] = {"occurrences": r["n"], **dict(row)}
        return counts

    def surveys(self, conn: sqlite3.Connection, hub_id: int) -> list[sqlite3.Row]:
        return self._rows(conn, SURVEYS, hub_id)
