"""Meetings, their occurrences and RSVPs: SQL only (bot/services/meetings.py decides)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time
from bot.services.meeting_types import Attendee, MeetingView, OccurrenceView, RsvpCounts

_OCCURRENCE = """SELECT o.*, m.hub_id, h.name AS hub_name, m.title, m.place, m.timezone,
       m.duration_minutes, m.repeat_weeks, m.repeat_until, m.uid, m.sequence AS m_sequence,
       m.status AS m_status
FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id JOIN hubs h ON h.id = m.hub_id"""

_MEETING = """SELECT m.*, h.name AS hub_name FROM meetings m JOIN hubs h ON h.id = m.hub_id"""


@dataclass(frozen=True, slots=True)
class Person:
    """A member to write to, with what choosing their language and zone needs."""

    user_id: int
    locale: str | None
    language_code: str | None
    timezone: str | None
    blocked: bool
    answer: str | None = None


def _meeting(row: sqlite3.Row, *, prefix: str = "") -> MeetingView:
    until = row["repeat_until"]
    return MeetingView(
        id=row["meeting_id"] if prefix else row["id"],
        hub_id=row["hub_id"],
        hub_name=row["hub_name"],
        title=row["title"],
        place=row["place"],
        timezone=row["timezone"],
        duration=timedelta(minutes=row["duration_minutes"]),
        repeat_weeks=row["repeat_weeks"],
        repeat_until=date.fromisoformat(until) if until else None,
        uid=row["uid"],
        sequence=row[f"{prefix}sequence"],
        status=row[f"{prefix}status"],
    )


def _occurrence(row: sqlite3.Row) -> OccurrenceView:
    starts = from_db_time(row["starts_at"])
    original = from_db_time(row["original_start"])
    assert starts is not None and original is not None
    return OccurrenceView(
        id=row["id"],
        meeting=_meeting(row, prefix="m_"),
        starts_at=starts,
        original_start=original,
        status=row["status"],
        sequence=row["sequence"],
        attendance_at=from_db_time(row["attendance_at"]),
        feedback_at=from_db_time(row["feedback_at"]),
        starts_local=row["starts_local"],
    )


class MeetingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writing (inside the caller's transaction)

    @staticmethod
    async def insert_meeting(
        conn: aiosqlite.Connection,
        *,
        hub_id: int,
        author_id: int | None,
        title: str,
        place: str,
        timezone: str,
        duration: timedelta,
        repeat_weeks: int,
        repeat_until: date | None,
        uid: str,
        now: datetime,
    ) -> int:
        cursor = await conn.execute(
            """INSERT INTO meetings (hub_id, author_id, title, place, timezone, duration_minutes,
                   repeat_weeks, repeat_until, uid, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                hub_id,
                author_id,
                title,
                place,
                timezone,
                int(duration.total_seconds() // 60),
                repeat_weeks,
                repeat_until.isoformat() if repeat_until else None,
                uid,
                to_db_time(now),
                to_db_time(now),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def insert_occurrence(
        conn: aiosqlite.Connection, meeting_id: int, starts_local: str, starts_at: datetime
    ) -> int:
        cursor = await conn.execute(
            """INSERT INTO meeting_occurrences (meeting_id, starts_local, starts_at, original_start)
               VALUES (?, ?, ?, ?)""",
            (meeting_id, starts_local, to_db_time(starts_at), to_db_time(starts_at)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    async def move_occurrence(
        conn: aiosqlite.Connection, occurrence_id: int, starts_local: str, starts_at: datetime
    ) -> None:
        await conn.execute(
            """UPDATE meeting_occurrences SET starts_local = ?, starts_at = ?,
                   sequence = sequence + 1 WHERE id = ?""",
            (starts_local, to_db_time(starts_at), occurrence_id),
        )

    @staticmethod
    async def cancel_occurrences(conn: aiosqlite.Connection, occurrence_ids: list[int]) -> None:
        await conn.executemany(
            """UPDATE meeting_occurrences SET status = 'cancelled', sequence = sequence + 1
               WHERE id = ?""",
            [(i,) for i in occurrence_ids],
        )

    @staticmethod
    async def touch_meeting(
        conn: aiosqlite.Connection, meeting_id: int, now: datetime, *, cancel: bool = False
    ) -> None:
        """Bump the meeting's SEQUENCE (and cancel it for a whole series)."""
        await conn.execute(
            """UPDATE meetings SET sequence = sequence + 1, updated_at = ?,
                   status = CASE WHEN ? THEN 'cancelled' ELSE status END WHERE id = ?""",
            (to_db_time(now), int(cancel), meeting_id),
        )

    async def set_group_message(self, occurrence_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE meeting_occurrences SET group_message_id = ? WHERE id = ?",
            (message_id, occurrence_id),
        )

    async def group_message(self, occurrence_id: int) -> tuple[int | None, int | None]:
        """(the group's chat id, the group post's message id) of an occurrence."""
        row = await self._db.fetch_one(
            """SELECT h.chat_id, COALESCE(o.group_message_id, (SELECT x.message_id FROM outbox x
                   WHERE x.key = 'meeting_post:' || o.id AND x.status = 'sent'))
               FROM meeting_occurrences o JOIN meetings m ON m.id = o.meeting_id
               JOIN hubs h ON h.id = m.hub_id WHERE o.id = ?""",
            (occurrence_id,),
        )
        return (row[0], row[1]) if row else (None, None)

    async def set_rsvp(self, occurrence_id: int, user_id: int, answer: str, now: datetime) -> None:
        await self._db.execute(
            """INSERT INTO meeting_rsvps (occurrence_id, user_id, answer, updated_at)
               VALUES (?, ?, ?, ?) ON CONFLICT (occurrence_id, user_id)
               DO UPDATE SET answer = excluded.answer, updated_at = excluded.updated_at""",
            (occurrence_id, user_id, answer, to_db_time(now)),
        )

    # -- reading

    async def meeting(self, meeting_id: int) -> MeetingView | None:
        row = await self._db.fetch_one(f"{_MEETING} WHERE m.id = ?", (meeting_id,))
        return None if row is None else _meeting(row)

    async def occurrence(self, occurrence_id: int) -> OccurrenceView | None:
        row = await self._db.fetch_one(f"{_OCCURRENCE} WHERE o.id = ?", (occurrence_id,))
        return None if row is None else _occurrence(row)

    @staticmethod
    async def occurrence_in(
        conn: aiosqlite.Connection, occurrence_id: int
    ) -> OccurrenceView | None:
        cursor = await conn.execute(f"{_OCCURRENCE} WHERE o.id = ?", (occurrence_id,))
        row = await cursor.fetchone()
        return None if row is None else _occurrence(row)

    async def occurrences(self, meeting_id: int) -> list[OccurrenceView]:
        rows = await self._db.fetch_all(
            f"{_OCCURRENCE} WHERE o.meeting_id = ? ORDER BY o.original_start", (meeting_id,)
        )
        return [_occurrence(r) for r in rows]

    async def upcoming(self, hub_ids: list[int], now: datetime, limit: int) -> list[OccurrenceView]:
        if not hub_ids:
            return []
        marks = ",".join("?" * len(hub_ids))
        rows = await self._db.fetch_all(
            f"""{_OCCURRENCE} WHERE m.hub_id IN ({marks}) AND o.status = 'scheduled'
                AND m.status = 'scheduled' AND o.starts_at > ? ORDER BY o.starts_at, o.id
                LIMIT ?""",
            (*hub_ids, to_db_time(now), limit),
        )
        return [_occurrence(r) for r in rows]

    async def answer_of(self, occurrence_id: int, user_id: int) -> str | None:
        return await self._db.fetch_value(
            "SELECT answer FROM meeting_rsvps WHERE occurrence_id = ? AND user_id = ?",
            (occurrence_id, user_id),
        )

    async def answers_of(self, occurrence_ids: list[int], user_id: int) -> dict[int, str]:
        if not occurrence_ids:
            return {}
        marks = ",".join("?" * len(occurrence_ids))
        rows = await self._db.fetch_all(
            f"""SELECT occurrence_id, answer FROM meeting_rsvps
                WHERE user_id = ? AND occurrence_id IN ({marks})""",  # noqa: S608
            (user_id, *occurrence_ids),
        )
        return {r[0]: r[1] for r in rows}

    async def counts(self, occurrence_id: int) -> RsvpCounts:
        rows = await self._db.fetch_all(
            """SELECT answer, COUNT(*) FROM meeting_rsvps r
               JOIN meeting_occurrences o ON o.id = r.occurrence_id
               JOIN meetings m ON m.id = o.meeting_id
               JOIN memberships ms ON ms.hub_id = m.hub_id AND ms.user_id = r.user_id
               WHERE r.occurrence_id = ? GROUP BY answer""",
            (occurrence_id,),
        )
        found = {r[0]: r[1] for r in rows}
        return RsvpCounts(found.get("yes", 0), found.get("maybe", 0), found.get("no", 0))

    async def answers(self, occurrence_id: int) -> dict[str, list[Attendee]]:
        rows = await self._db.fetch_all(
            """SELECT r.answer, u.id, u.first_name, u.last_name FROM meeting_rsvps r
               JOIN users u ON u.id = r.user_id
               JOIN meeting_occurrences o ON o.id = r.occurrence_id
               JOIN meetings m ON m.id = o.meeting_id
               JOIN memberships ms ON ms.hub_id = m.hub_id AND ms.user_id = r.user_id
               WHERE r.occurrence_id = ? ORDER BY u.first_name COLLATE NOCASE, u.id""",
            (occurrence_id,),
        )
        out: dict[str, list[Attendee]] = {"yes": [], "maybe": [], "no": []}
        for r in rows:
            name = " ".join(p for p in (r[2], r[3]) if p) or str(r[1])
            out[r[0]].append(Attendee(r[1], name))
        return out

    @staticmethod
    async def people(conn: aiosqlite.Connection, hub_id: int, occurrence_id: int) -> list[Person]:
        """The hub's members with their answer to the occurrence (None: not answered)."""
        rows = await conn.execute_fetchall(
            """SELECT u.id, u.locale, u.language_code, u.timezone, u.blocked_at IS NOT NULL,
                      r.answer
               FROM memberships ms JOIN users u ON u.id = ms.user_id
               LEFT JOIN meeting_rsvps r ON r.occurrence_id = ? AND r.user_id = u.id
               WHERE ms.hub_id = ? ORDER BY u.id""",
            (occurrence_id, hub_id),
        )
        return [Person(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    @staticmethod
    async def hub_of(conn: aiosqlite.Connection, hub_id: int) -> sqlite3.Row | None:
        cursor = await conn.execute(
            "SELECT id, name, chat_id, detached_at, timezone, locale, reminder_offsets "
            "FROM hubs WHERE id = ?",
            (hub_id,),
        )
        return await cursor.fetchone()

    @staticmethod
    async def drop_schedules(
        conn: aiosqlite.Connection, kind: str, occurrence_ids: list[int]
    ) -> list[int]:
        """Deactivate the active schedules of ``kind`` for these occurrences; their ids."""
        if not occurrence_ids:
            return []
        marks = ",".join("?" * len(occurrence_ids))
        rows = await conn.execute_fetchall(
            f"""SELECT id FROM schedules WHERE kind = ? AND active = 1
                AND ref_id IN ({marks})""",  # noqa: S608 - placeholders only
            (kind, *occurrence_ids),
        )
        ids = [r[0] for r in rows]
        await conn.executemany("UPDATE schedules SET active = 0 WHERE id = ?", [(i,) for i in ids])
        return ids

    @staticmethod
    async def later_schedules(
        conn: aiosqlite.Connection, kind: str, occurrence_id: int, schedule_id: int, after: datetime
    ) -> list[datetime]:
        """Next fire times of the occurrence's other active schedules after ``after``."""
        rows = await conn.execute_fetchall(
            """SELECT next_fire FROM schedules WHERE kind = ? AND ref_id = ? AND active = 1
               AND id != ? AND next_fire > ?""",
            (kind, occurrence_id, schedule_id, to_db_time(after)),
        )
        return [moment for r in rows if (moment := from_db_time(r[0])) is not None]

    async def sent_text(self, key: str) -> str | None:
        """The text an outbox row was written with (the group post as first sent)."""
        return await self._db.fetch_value("SELECT text FROM outbox WHERE key = ?", (key,))
