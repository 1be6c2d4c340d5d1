"""Figures for /stats: counts over a set of hubs, read-only except the daily activity mark.

Every query takes the hubs as one JSON list parameter (``json_each``), so one hub and every hub
share the same SQL. ``network`` adds what belongs to no hub (announcements and surveys sent to
every hub), which only the network totals count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.db.database import Database


@dataclass(frozen=True, slots=True)
class Window:
    """The instants and UTC days the figures are counted over (all ISO text, as stored)."""

    now: str  # 'YYYY-MM-DDTHH:MM:SSZ'
    since: str  # 30 days before now
    today: str  # 'YYYY-MM-DD', UTC
    day7: str  # the first of the last 7 UTC days (today included)
    day30: str  # the first of the last 30 UTC days
    first_week_day: str  # the first day of the 12 weeks


@dataclass(frozen=True, slots=True)
class RawFigures:
    members: int
    reachable: int
    joined: int
    left: int
    active7: int
    active30: int
    asked: int
    answered: int
    answer_seconds: list[float]
    announcements: int
    delivery: dict[str, int]  # outbox status → rows to members
    prompts_sent: int
    prompts_answered: int
    meetings: int
    rsvps: dict[str, int]  # yes / maybe / no
    attendance_marked: int
    attended: int
    named_polls: int
    named_voters: int
    anonymous_polls: int
    anonymous_voters: int
    surveys: int
    survey_invited: int
    survey_finished: int
    weekly_active: dict[int, int] = field(default_factory=dict)  # weeks ago (0: the last 7 days)


WEEKS = 12


def _exists(first: str, last: str) -> str:
    return (
        "COALESCE(SUM(EXISTS (SELECT 1 FROM activity_days a WHERE a.user_id = p.user_id "  # noqa: S608
        f"AND a.day BETWEEN :{first} AND :{last})), 0)"
    )


# Active members in the last 7 and 30 days and in each of the 12 weeks: for each member, one
# primary-key probe per window that stops at the first day found (cheaper than reading and
# de-duplicating every member's days). Constant text: the names are the placeholders below.
_ACTIVITY = (
    "WITH hubs(id) AS (SELECT value FROM json_each(:hubs)) SELECT "  # noqa: S608 - constant
    + ", ".join(
        [_exists("day7", "today"), _exists("day30", "today")]
        + [_exists(f"first{ago}", f"last{ago}") for ago in range(WEEKS)]
    )
    + " FROM (SELECT DISTINCT user_id FROM memberships WHERE hub_id IN hubs) p"
)


def _week_bounds(today: str) -> dict[str, str]:
    """The first and last UTC day of each of the 12 weeks (0: the 7 days ending today)."""
    end = date.fromisoformat(today)
    bounds = {}
    for ago in range(WEEKS):
        last = end - timedelta(days=7 * ago)
        bounds[f"first{ago}"] = (last - timedelta(days=6)).isoformat()
        bounds[f"last{ago}"] = last.isoformat()
    return bounds


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def mark_active(self, user_id: int, day: str) -> None:
        """Record that the person did something on this UTC day (once: later marks are no-ops)."""
        async with self._db.statements() as conn:
            await conn.execute(
                "INSERT INTO activity_days (user_id, day) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (user_id, day),
            )

    async def prune(self, before: str, batch: int) -> int:
        """Delete up to ``batch`` activity marks of days before ``before``; return how many."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """DELETE FROM activity_days WHERE (user_id, day) IN
                       (SELECT user_id, day FROM activity_days WHERE day < ? LIMIT ?)""",
                (before, batch),
            )
            return cursor.rowcount

    async def prune_departures(self, before: str) -> int:
        """Delete departures of days before ``before`` (no figure reads them); return how many."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM membership_departures WHERE left_at < ?", (before,)
            )
            return cursor.rowcount

    async def active_today(self, day: str) -> set[int]:
        """Who is already marked for ``day`` (after a restart, so the gate does not write again)."""
        rows = await self._db.fetch_all("SELECT user_id FROM activity_days WHERE day = ?", (day,))
        return {r[0] for r in rows}

    async def figures(self, hub_ids: Sequence[int], window: Window, *, network: bool) -> RawFigures:
        p = {
            "hubs": json.dumps(list(hub_ids)),
            "since": window.since,
            "now": window.now,
            "day7": window.day7,
            "day30": window.day30,
            "today": window.today,
            "network": int(network),
        }
        db = self._db
        members = await db.fetch_one(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(*), COALESCE(SUM(u.started_at IS NOT NULL AND u.blocked_at IS NULL), 0),
                      COALESCE(SUM(m.joined_at >= :since), 0)
               FROM (SELECT user_id, MIN(joined_at) AS joined_at FROM memberships
                     WHERE hub_id IN hubs GROUP BY user_id) m
               JOIN users u ON u.id = m.user_id""",
            p,
        )
        # who joined in the period and has already left again still joined in it
        joined_and_left = await db.fetch_value(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(*) FROM membership_departures
               WHERE hub_id IN hubs AND joined_at >= :since AND (NOT :network OR last_one)""",
            p,
        )
        left = await db.fetch_value(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(*) FROM membership_departures
               WHERE hub_id IN hubs AND left_at >= :since AND (NOT :network OR last_one)""",
            p,
        )
        active = await db.fetch_one(_ACTIVITY, {**p, **_week_bounds(window.today)})
        asked = await db.fetch_one(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(*), COALESCE(SUM(answered_at IS NOT NULL), 0) FROM questions
               WHERE hub_id IN hubs AND created_at >= :since AND status <> 'draft'""",
            p,
        )
        seconds = await db.fetch_all(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT (julianday(answered_at) - julianday(created_at)) * 86400 FROM questions
               WHERE hub_id IN hubs AND created_at >= :since AND answered_at IS NOT NULL
                 AND status <> 'draft'""",
            p,
        )
        announcements = await db.fetch_value(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(*) FROM broadcasts
               WHERE (hub_id IN hubs OR (:network AND hub_id IS NULL))
                 AND COALESCE(sent_at, created_at) >= :since AND status IN ('sending', 'done')""",
            p,
        )
        delivery = await db.fetch_all(
            # CROSS JOIN keeps this order: the period's announcements, then their rows through
            # outbox_by_ref (the planner would otherwise scan the outbox in status order).
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs)),
                    sent(id) AS (SELECT id FROM broadcasts
                                 WHERE (hub_id IN hubs OR (:network AND hub_id IS NULL))
                                   AND COALESCE(sent_at, created_at) >= :since
                                   AND status IN ('sending', 'done'))
               SELECT status, SUM(n) FROM (
                   SELECT o.status AS status, COUNT(*) AS n FROM sent
                   CROSS JOIN outbox o ON o.kind = 'broadcast' AND o.ref_id = sent.id
                   WHERE o.user_id IS NOT NULL
                   GROUP BY o.status
                   UNION ALL
                   -- what retention deleted (private deliveries only) survives as numbers
                   SELECT c.status, SUM(c.count) FROM sent
                   CROSS JOIN delivery_counts c ON c.kind = 'broadcast' AND c.ref_id = sent.id
                   GROUP BY c.status)
               GROUP BY status""",
            p,
        )
        prompts = await db.fetch_one(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(*), COALESCE(SUM(s.status = 'answered'), 0)
               FROM prompt_sends s JOIN prompts p ON p.id = s.prompt_id
               WHERE p.hub_id IN hubs AND s.sent_at >= :since""",
            p,
        )
        meetings = await db.fetch_one(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs)),
                    held(id) AS (SELECT o.id FROM meeting_occurrences o
                                 JOIN meetings m ON m.id = o.meeting_id
                                 WHERE m.hub_id IN hubs AND o.status = 'scheduled'
                                   AND o.starts_at >= :since AND o.starts_at <= :now)
               SELECT (SELECT COUNT(*) FROM held),
                      (SELECT COUNT(*) FROM meeting_rsvps
                       WHERE occurrence_id IN held AND answer = 'yes'),
                      (SELECT COUNT(*) FROM meeting_rsvps
                       WHERE occurrence_id IN held AND answer = 'maybe'),
                      (SELECT COUNT(*) FROM meeting_rsvps
                       WHERE occurrence_id IN held AND answer = 'no'),
                      (SELECT COUNT(*) FROM meeting_attendance WHERE occurrence_id IN held),
                      (SELECT COUNT(*) FROM meeting_attendance
                       WHERE occurrence_id IN held AND present = 1)""",
            p,
        )
        polls = await db.fetch_one(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COALESCE(SUM(NOT anonymous), 0),
                      COALESCE(SUM(CASE WHEN NOT anonymous THEN
                          (SELECT COUNT(*) FROM poll_votes v
                           WHERE v.poll_id = p.id AND v.option_ids <> '[]') END), 0),
                      COALESCE(SUM(anonymous), 0),
                      COALESCE(SUM(CASE WHEN anonymous THEN
                          (SELECT COALESCE(SUM(total), 0) FROM poll_messages pm
                           WHERE pm.poll_id = p.id) END), 0)
               FROM polls p WHERE hub_id IN hubs AND created_at >= :since""",
            p,
        )
        surveys = await db.fetch_one(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT COUNT(DISTINCT s.id), COUNT(sp.user_id), COALESCE(SUM(sp.finished), 0)
               FROM surveys s LEFT JOIN survey_participants sp ON sp.survey_id = s.id
               WHERE (s.hub_id IN hubs OR (:network AND s.hub_id IS NULL))
                 AND s.status <> 'cancelled' AND s.opens_at <= :now AND s.closes_at >= :since""",
            p,
        )
        assert members and active and asked and prompts and meetings and polls and surveys
        return RawFigures(
            members=members[0],
            reachable=members[1],
            joined=members[2] + joined_and_left,
            left=left or 0,
            active7=active[0],
            active30=active[1],
            weekly_active={ago: active[2 + ago] for ago in range(WEEKS)},
            asked=asked[0],
            answered=asked[1],
            answer_seconds=[r[0] for r in seconds],
            announcements=announcements or 0,
            delivery={r[0]: r[1] for r in delivery},
            prompts_sent=prompts[0],
            prompts_answered=prompts[1],
            meetings=meetings[0],
            rsvps={"yes": meetings[1], "maybe": meetings[2], "no": meetings[3]},
            attendance_marked=meetings[4],
            attended=meetings[5],
            named_polls=polls[0],
            named_voters=polls[1],
            anonymous_polls=polls[2],
            anonymous_voters=polls[3],
            surveys=surveys[0],
            survey_invited=surveys[1],
            survey_finished=surveys[2],
        )

    async def joins(self, hub_ids: Sequence[int]) -> list[str]:
        """When each current member joined (the first of their hubs among these), sorted."""
        rows = await self._db.fetch_all(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT MIN(joined_at) AS j FROM memberships WHERE hub_id IN hubs
               GROUP BY user_id ORDER BY j""",
            {"hubs": json.dumps(list(hub_ids))},
        )
        return [r[0] for r in rows]

    async def departures(
        self, hub_ids: Sequence[int], since: str, *, network: bool = False
    ) -> list[tuple[str, str]]:
        """(joined, left) of memberships that ended after ``since``; for the network, only of
        people who then had no membership left (a person, not a membership, leaves it)."""
        rows = await self._db.fetch_all(
            """WITH hubs(id) AS (SELECT value FROM json_each(:hubs))
               SELECT joined_at, left_at FROM membership_departures
               WHERE hub_id IN hubs AND left_at >= :since AND (NOT :network OR last_one)""",
            {"hubs": json.dumps(list(hub_ids)), "since": since, "network": int(network)},
        )
        return [(r[0], r[1]) for r in rows]
