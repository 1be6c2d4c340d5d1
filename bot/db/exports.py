"""Read-only queries behind /export: one query per CSV file of a hub's export.

Nothing here writes. Two things never leave these queries, so no export can carry them:
reflection text (``reflection_parts``, ``reflections``: only ``prompt_sends`` statuses are
counted) and who asked an anonymous question or answered a survey (an anonymous question's
asker columns are NULL in the result; surveys are counted, never listed by person).
"""

from __future__ import annotations

import sqlite3

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
SELECT b.id, b.text, b.status, b.created_at, b.sent_at, b.send_at,
       COALESCE(SUM(o.status = 'sent'), 0) AS delivered,
       COALESCE(SUM(o.status = 'blocked'), 0) AS blocked,
       COALESCE(SUM(o.status = 'not_started'), 0) AS not_started,
       COALESCE(SUM(o.status = 'failed'), 0) AS failed,
       COALESCE(SUM(o.status IN ('pending', 'sending') AND o.held_until IS NOT NULL), 0) AS held,
       COALESCE(SUM(o.status IN ('pending', 'sending') AND o.held_until IS NULL), 0) AS waiting
FROM broadcasts b
LEFT JOIN outbox o ON o.kind = 'broadcast' AND o.ref_id = b.id
WHERE b.hub_id = ? AND b.status != 'draft'
GROUP BY b.id
ORDER BY b.id
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

# Named polls: who voted is read only to count options; no name or id leaves the service.
POLL_VOTES = """
SELECT v.poll_id, v.option_ids FROM poll_votes v JOIN polls p ON p.id = v.poll_id
WHERE p.hub_id = ? AND p.anonymous = 0 AND v.option_ids != '[]'
"""

POLL_MESSAGES = """
SELECT pm.poll_id, pm.counts, pm.total FROM poll_messages pm JOIN polls p ON p.id = pm.poll_id
WHERE p.hub_id = ? AND p.anonymous = 1
"""

# Counts of statuses only: a reflection's text is in other tables, never read here.
PROMPTS = """
SELECT p.id, p.text, p.library_key, p.status, p.created_at,
       COUNT(DISTINCT s.occurrence) AS occurrences,
       COUNT(s.id) AS sent,
       COALESCE(SUM(s.status = 'answered'), 0) AS answered,
       COALESCE(SUM(s.status = 'skipped'), 0) AS skipped
FROM prompts p LEFT JOIN prompt_sends s ON s.prompt_id = p.id
WHERE p.hub_id = ?
GROUP BY p.id
ORDER BY p.id
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
    """The rows of each export file, for one hub."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _rows(self, sql: str, hub_id: int) -> list[sqlite3.Row]:
        return await self._db.fetch_all(sql, (hub_id,))

    async def members(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(MEMBERS, hub_id)

    async def questions(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(QUESTIONS, hub_id)

    async def announcements(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(ANNOUNCEMENTS, hub_id)

    async def meetings(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(MEETINGS, hub_id)

    async def polls(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(POLLS, hub_id)

    async def poll_votes(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(POLL_VOTES, hub_id)

    async def poll_messages(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(POLL_MESSAGES, hub_id)

    async def prompts(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(PROMPTS, hub_id)

    async def surveys(self, hub_id: int) -> list[sqlite3.Row]:
        return await self._rows(SURVEYS, hub_id)
