"""Prompts, their sends to members, hub holidays and the prompt settings of hubs and members."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.db.database import Database, from_db_time, to_db_time
from bot.db.prompt_settings import PromptSettingsQueries


@dataclass(frozen=True, slots=True)
class PromptRow:
    id: int
    hub_id: int
    hub_name: str
    hub_timezone: str
    prompt_timing: str
    author_id: int | None
    text: str
    library_key: str | None
    status: str  # active | paused | deleted
    created_at: datetime
    schedule_id: int | None
    rule: str | None
    at_local: str | None
    weekdays: str | None
    next_fire: datetime | None


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: int
    locale: str | None
    language_code: str | None
    timezone: str | None  # the member's own; None: the hub's
    blocked: bool


@dataclass(frozen=True, slots=True)
class SendRow:
    id: int
    prompt_id: int
    user_id: int
    hub_id: int
    hub_name: str
    prompt_status: str
    prompt_text: str
    library_key: str | None
    occurrence: date
    status: str
    is_member: bool


@dataclass(frozen=True, slots=True)
class NudgeRow:
    send_id: int
    prompt_id: int
    user_id: int
    hub_name: str
    text: str
    library_key: str | None
    locale: str | None
    language_code: str | None
    hub_locale: str


_PROMPT_SELECT = """
    SELECT p.*, h.name AS hub_name, h.timezone AS hub_timezone, h.prompt_timing,
           s.id AS schedule_id, s.rule, s.at_local, s.weekdays, s.next_fire, s.active
    FROM prompts p JOIN hubs h ON h.id = p.hub_id
    LEFT JOIN schedules s ON s.id = (SELECT MAX(id) FROM schedules
                                     WHERE kind = 'prompt' AND ref_id = p.id)
"""


def _prompt(row: sqlite3.Row) -> PromptRow:
    created = from_db_time(row["created_at"])
    assert created is not None
    return PromptRow(
        id=row["id"],
        hub_id=row["hub_id"],
        hub_name=row["hub_name"],
        hub_timezone=row["hub_timezone"],
        prompt_timing=row["prompt_timing"],
        author_id=row["author_id"],
        text=row["text"],
        library_key=row["library_key"],
        status=row["status"],
        created_at=created,
        schedule_id=row["schedule_id"],
        rule=row["rule"],
        at_local=row["at_local"],
        weekdays=row["weekdays"],
        next_fire=from_db_time(row["next_fire"]) if row["active"] else None,
    )


def _send(row: sqlite3.Row) -> SendRow:
    return SendRow(
        id=row["id"],
        prompt_id=row["prompt_id"],
        user_id=row["user_id"],
        hub_id=row["hub_id"],
        hub_name=row["hub_name"],
        prompt_status=row["prompt_status"],
        prompt_text=row["text"],
        library_key=row["library_key"],
        occurrence=date.fromisoformat(row["occurrence"]),
        status=row["status"],
        is_member=bool(row["is_member"]),
    )


def _marks(items: Sequence[object]) -> str:
    return ",".join("?" * len(items))


class PromptRepository(PromptSettingsQueries):
    """Prompts and their sends here; hub settings, holidays and members' switches inherited."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- prompts

    @staticmethod
    async def insert(
        conn: aiosqlite.Connection,
        *,
        hub_id: int,
        author_id: int | None,
        text: str,
        library_key: str | None,
        now: datetime,
    ) -> int:
        cursor = await conn.execute(
            """INSERT INTO prompts (hub_id, author_id, text, library_key, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (hub_id, author_id, text, library_key, to_db_time(now)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def get(self, prompt_id: int) -> PromptRow | None:
        row = await self._db.fetch_one(f"{_PROMPT_SELECT} WHERE p.id = ?", (prompt_id,))
        return None if row is None else _prompt(row)

    @staticmethod
    async def get_in(conn: aiosqlite.Connection, prompt_id: int) -> PromptRow | None:
        """Inside a transaction (the fan-out reads what the writer sees)."""
        rows = list(await conn.execute_fetchall(f"{_PROMPT_SELECT} WHERE p.id = ?", (prompt_id,)))
        return _prompt(rows[0]) if rows else None

    async def for_hubs(self, hub_ids: Sequence[int]) -> list[PromptRow]:
        if not hub_ids:
            return []
        rows = await self._db.fetch_all(
            f"""{_PROMPT_SELECT} WHERE p.hub_id IN ({_marks(hub_ids)}) AND p.status <> 'deleted'
                ORDER BY h.name COLLATE NOCASE, p.id""",
            tuple(hub_ids),
        )
        return [_prompt(r) for r in rows]

    async def set_status(
        self, prompt_id: int, status: str, expect: tuple[str, ...], now: datetime
    ) -> bool:
        return (
            await self._update(
                f"""UPDATE prompts SET status = ?,
                           deleted_at = CASE WHEN ? = 'deleted' THEN ? ELSE deleted_at END
                    WHERE id = ? AND status IN ({_marks(expect)})""",  # noqa: S608
                (status, status, to_db_time(now), prompt_id, *expect),
            )
            > 0
        )

    # -- fan-out

    @staticmethod
    async def recipients(conn: aiosqlite.Connection, hub_id: int) -> list[Recipient]:
        """Members of the hub who have not turned its prompts off."""
        rows = await conn.execute_fetchall(
            """SELECT u.id, u.locale, u.language_code, u.timezone, u.blocked_at IS NOT NULL
               FROM memberships m JOIN users u ON u.id = m.user_id
               WHERE m.hub_id = ? AND m.prompts_off = 0 ORDER BY u.id""",
            (hub_id,),
        )
        return [Recipient(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    async def member_zones(self, hub_id: int) -> list[str]:
        """Distinct zones of the hub's members with prompts on (a member's own, or the hub's)."""
        rows = await self._db.fetch_all(
            """SELECT DISTINCT COALESCE(u.timezone, h.timezone)
               FROM memberships m JOIN users u ON u.id = m.user_id JOIN hubs h ON h.id = m.hub_id
               WHERE m.hub_id = ? AND m.prompts_off = 0""",
            (hub_id,),
        )
        return sorted(r[0] for r in rows)

    @staticmethod
    async def insert_sends(
        conn: aiosqlite.Connection,
        prompt_id: int,
        sends: Iterable[tuple[int, str]],
        now: datetime,
    ) -> None:
        """(user_id, local date) pairs; one that exists already is left alone."""
        at = to_db_time(now)
        await conn.executemany(
            """INSERT INTO prompt_sends (prompt_id, user_id, occurrence, sent_at)
               VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            [(prompt_id, user_id, occurrence, at) for user_id, occurrence in sends],
        )

    @staticmethod
    async def send_ids(
        conn: aiosqlite.Connection, prompt_id: int, occurrences: Iterable[str]
    ) -> dict[tuple[int, str], int]:
        days = sorted(set(occurrences))
        rows = await conn.execute_fetchall(
            f"""SELECT id, user_id, occurrence FROM prompt_sends
                WHERE prompt_id = ? AND occurrence IN ({_marks(days)})""",  # noqa: S608
            (prompt_id, *days),
        )
        return {(r[1], r[2]): r[0] for r in rows}

    @staticmethod
    async def holiday_on(conn: aiosqlite.Connection, hub_id: int, day: date) -> bool:
        rows = await conn.execute_fetchall(
            """SELECT 1 FROM hub_holidays WHERE hub_id = ? AND first_day <= ? AND last_day >= ?
               LIMIT 1""",
            (hub_id, day.isoformat(), day.isoformat()),
        )
        return bool(list(rows))

    # -- sends

    async def send(self, send_id: int) -> SendRow | None:
        row = await self._db.fetch_one(
            """SELECT ps.*, p.hub_id, p.text, p.library_key, p.status AS prompt_status,
                      h.name AS hub_name,
                      EXISTS (SELECT 1 FROM memberships m
                              WHERE m.hub_id = p.hub_id AND m.user_id = ps.user_id) AS is_member
               FROM prompt_sends ps JOIN prompts p ON p.id = ps.prompt_id
               JOIN hubs h ON h.id = p.hub_id WHERE ps.id = ?""",
            (send_id,),
        )
        return None if row is None else _send(row)

    async def send_for_message(self, user_id: int, message_id: int) -> int | None:
        for kind in ("prompt", "nudge"):  # each a probe of its own partial index
            found = await self._db.fetch_value(
                f"""SELECT ref_id FROM outbox WHERE chat_id = ? AND message_id = ?
                    AND kind = '{kind}' ORDER BY id DESC LIMIT 1""",  # noqa: S608 - a constant
                (user_id, message_id),
            )
            if found is not None:
                return found
        return None

    async def set_send_status(self, send_id: int, status: str) -> bool:
        """Answer ('sent' or 'skipped' before: writing after a skip counts) or skip ('sent'
        before); a nudge still waiting for this send (held by quiet hours) is cancelled."""
        before = ("sent", "skipped") if status == "answered" else ("sent",)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"""UPDATE prompt_sends SET status = ?
                    WHERE id = ? AND status IN ({_marks(before)})""",  # noqa: S608
                (status, send_id, *before),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                """UPDATE outbox SET status = 'cancelled', reason = ?
                   WHERE kind = 'nudge' AND ref_id = ? AND status = 'pending'""",
                (status, send_id),
            )
            return True

    async def cancel_pending_for(self, hub_id: int, user_id: int, reason: str) -> int:
        """Cancel the prompts and nudges from ``hub_id`` still waiting to reach ``user_id``
        (held by quiet hours or a pause): they left the hub, or turned its prompts off."""
        return await self._update(
            """UPDATE outbox SET status = 'cancelled', reason = ?
               WHERE kind IN ('prompt', 'nudge') AND status = 'pending' AND user_id = ?
                 AND ref_id IN (SELECT s.id FROM prompt_sends s
                                JOIN prompts p ON p.id = s.prompt_id
                                WHERE p.hub_id = ? AND s.user_id = ?)""",
            (reason, user_id, hub_id, user_id),
        )

    async def mark_delivered(self, send_ids: Iterable[int], now: datetime) -> None:
        ids = sorted(send_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            await self._update(
                f"""UPDATE prompt_sends SET delivered_at = ?
                    WHERE id IN ({_marks(chunk)}) AND delivered_at IS NULL
                      AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'prompt'
                                  AND o.ref_id = prompt_sends.id AND o.status = 'sent')""",  # noqa: S608
                (to_db_time(now), *chunk),
            )

    async def recover_delivered(self, since: datetime, now: datetime) -> int:
        """Sends whose acceptance went unrecorded (the process stopped first): counted from now."""
        return await self._update(
            """UPDATE prompt_sends SET delivered_at = ?
               WHERE status = 'sent' AND nudged_at IS NULL AND sent_at >= ?
                 AND delivered_at IS NULL
                 AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'prompt'
                             AND o.ref_id = prompt_sends.id AND o.status = 'sent')""",
            (to_db_time(now), to_db_time(since)),
        )

    @staticmethod
    async def cancel_superseded_nudges_in(conn: aiosqlite.Connection, prompt_id: int) -> None:
        """Nudges still held (quiet hours, a pause) for an occurrence of this prompt that a
        later one has replaced for that member: the later prompt is what they should see."""
        await conn.execute(
            """UPDATE outbox SET status = 'cancelled', reason = 'superseded'
               WHERE id IN (
                   SELECT o.id FROM outbox o JOIN prompt_sends old ON old.id = o.ref_id
                   WHERE o.kind = 'nudge' AND o.status = 'pending' AND old.prompt_id = ?
                     AND EXISTS (SELECT 1 FROM prompt_sends later
                                 WHERE later.prompt_id = old.prompt_id
                                   AND later.user_id = old.user_id
                                   AND later.occurrence > old.occurrence))""",
            (prompt_id,),
        )

    async def cancel_pending(self, prompt_id: int) -> int:
        """A deleted prompt's messages that have not left yet are cancelled."""
        return await self._update(
            """UPDATE outbox SET status = 'cancelled', reason = 'prompt deleted'
               WHERE kind IN ('prompt', 'nudge') AND status = 'pending'
                 AND ref_id IN (SELECT id FROM prompt_sends WHERE prompt_id = ?)""",
            (prompt_id,),
        )

    # -- nudges

    async def to_nudge(self, now: datetime, limit: int = 2000) -> list[NudgeRow]:
        """Sends due a nudge: unanswered, delivered nudge_hours ago, no later occurrence sent."""
        rows = await self._db.fetch_all(
            """SELECT ps.id, ps.prompt_id, ps.user_id, h.name, p.text, p.library_key,
                      u.locale, u.language_code, h.locale
               FROM prompt_sends ps
               JOIN prompts p ON p.id = ps.prompt_id
               JOIN hubs h ON h.id = p.hub_id
               JOIN users u ON u.id = ps.user_id
               WHERE ps.status = 'sent' AND ps.nudged_at IS NULL
                 AND ps.delivered_at IS NOT NULL AND h.nudge_hours > 0
                 AND p.status = 'active'
                 AND datetime(ps.delivered_at, '+' || h.nudge_hours || ' hours')
                     <= datetime(?)
                 AND NOT EXISTS (SELECT 1 FROM prompt_sends later
                                 WHERE later.prompt_id = ps.prompt_id
                                   AND later.user_id = ps.user_id
                                   AND later.occurrence > ps.occurrence)
                 AND EXISTS (SELECT 1 FROM memberships m
                             WHERE m.hub_id = p.hub_id AND m.user_id = ps.user_id
                               AND m.prompts_off = 0)
                 -- nor when the next occurrence is due and about to go out
                 AND NOT EXISTS (SELECT 1 FROM schedules s
                                 WHERE s.kind = 'prompt' AND s.ref_id = ps.prompt_id
                                   AND s.active = 1 AND s.next_fire <= ?)
               ORDER BY ps.id LIMIT ?""",
            (to_db_time(now), to_db_time(now), limit),
        )
        return [NudgeRow(*tuple(r)) for r in rows]

    @staticmethod
    async def mark_nudged(conn: aiosqlite.Connection, send_id: int, now: datetime) -> bool:
        cursor = await conn.execute(
            """UPDATE prompt_sends SET nudged_at = ?
               WHERE id = ? AND nudged_at IS NULL AND status = 'sent'""",
            (to_db_time(now), send_id),
        )
        return cursor.rowcount > 0

    # -- figures

    async def occurrence_counts(self, prompt_id: int, limit: int) -> list[sqlite3.Row]:
        return await self._db.fetch_all(
            """SELECT occurrence, COUNT(*) AS sent,
                      SUM(status = 'answered') AS answered, SUM(status = 'skipped') AS skipped,
                      SUM(nudged_at IS NOT NULL) AS nudged
               FROM prompt_sends WHERE prompt_id = ?
               GROUP BY occurrence ORDER BY occurrence DESC LIMIT ?""",
            (prompt_id, limit),
        )

    async def skipped_runs(self, prompt_id: int, limit: int) -> list[sqlite3.Row]:
        return await self._db.fetch_all(
            """SELECT r.occurrence, r.reason, s.timezone FROM schedule_runs r
               JOIN schedules s ON s.id = r.schedule_id
               WHERE s.kind = 'prompt' AND s.ref_id = ? AND r.outcome = 'skipped'
               ORDER BY r.occurrence DESC LIMIT ?""",
            (prompt_id, limit),
        )
