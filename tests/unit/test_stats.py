"""/stats figures: windows in UTC days, medians and rates, the 12 weeks, each figure's SQL against
a real database (one hub, another hub that must not count, and the network totals)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import MovableClock
from bot.db import Database
from bot.db.database import to_db_time
from bot.db.hubs import HubRepository
from bot.db.memberships import MembershipRepository
from bot.db.stats import StatsRepository
from bot.services.access import AccessService
from bot.services.stats import (
    WEEKS,
    StatsService,
    median_seconds,
    rate,
    weeks_from,
    window_at,
)

NOW = datetime(2026, 12, 5, 0, 30, tzinfo=UTC)  # just after midnight UTC: days matter


def test_windows_are_whole_utc_days() -> None:
    window = window_at(datetime(2026, 12, 5, 1, 30, tzinfo=timedelta_zone(+3)))  # 22:30 UTC, 4th
    assert window.today == "2026-12-04"
    assert window.day7 == "2026-11-28"  # today and the 6 days before
    assert window.day30 == "2026-11-05"  # today and the 29 days before
    assert window.since == "2026-11-04T22:30:00Z"  # instants: exactly 30 days
    assert window.now == "2026-12-04T22:30:00Z"
    # 12 weeks of 7 days, the last one ending today
    assert date.fromisoformat(window.first_week_day) == date(2026, 12, 4) - timedelta(days=83)


def timedelta_zone(hours: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_median_and_rates() -> None:
    assert median_seconds([]) is None
    assert median_seconds([60]) == 60
    assert median_seconds([300, 60, 7200]) == 300
    assert median_seconds([60, 120, 180, 3600]) == 150  # even: the mean of the middle two
    assert rate(3, 4) == 0.75
    assert rate(0, 0) is None
    assert rate(5, 0) is None


def test_twelve_weeks_members_and_active() -> None:
    today = date(2026, 12, 5)
    joins = sorted(
        [
            "2026-01-01T10:00:00Z",  # long ago: every week
            "2026-12-05T23:59:59Z",  # today: the last week only
            "2026-12-06T00:00:00Z",  # tomorrow (clock skew): no week
            "2026-11-29T00:00:00Z",  # the first day of the last week
            "2026-11-28T23:59:59Z",  # the last day of the week before
        ]
    )
    departures = [
        ("2026-01-01T00:00:00Z", "2026-11-20T12:00:00Z"),  # left three weeks ago
        ("2026-11-30T00:00:00Z", "2026-12-02T00:00:00Z"),  # came and went within the last week
    ]
    weeks = weeks_from(today, joins, departures, {0: 3, 2: 1, 11: 5, 12: 9})
    assert len(weeks) == WEEKS
    assert weeks[-1].start == date(2026, 11, 29) and weeks[0].start == date(2026, 9, 13)
    assert [w.active for w in weeks] == [5, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3]
    # last week: the old member, today's, the week's first day's and the week before's
    assert weeks[-1].members == 4
    assert weeks[-2].members == 2  # the old member and the one who joined at 23:59:59
    # week ending 2026-11-21 (after the departure on the 20th): the old member only
    assert weeks[-3].members == 1
    # week ending 2026-11-14: the old member and the one who left on the 20th
    assert weeks[-4].members == 2


# -- the figures' SQL against a real database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "s.sqlite3")
    await database.open()
    yield database
    await database.close()


def ts(moment: datetime) -> str:
    return to_db_time(moment)


async def seed(db: Database) -> tuple[int, int]:
    """Two hubs. Hub A: everything below; hub B: one of everything that must not count in A."""
    now = ts(NOW)
    async with db.transaction() as conn:
        for uid in range(1, 12):
            started = now if uid != 3 else None  # 3 never opened a private chat
            blocked = now if uid == 4 else None  # 4 blocked the bot
            await conn.execute(
                """INSERT INTO users (id, first_name, started_at, blocked_at, created_at,
                                      updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
                (uid, f"U{uid}", started, blocked, now, now),
            )
        for hub_id, name in ((1, "A"), (2, "B")):
            await conn.execute(
                """INSERT INTO hubs (id, name, code, timezone, locale, created_at)
                   VALUES (?, ?, ?, 'UTC', 'en', ?)""",
                (hub_id, name, f"C{hub_id}", now),
            )
        old, recent = ts(NOW - timedelta(days=100)), ts(NOW - timedelta(days=3))
        edge = ts(NOW - timedelta(days=30))  # exactly 30 days: inside
        for uid, hub, joined in (
            (1, 1, old), (2, 1, old), (3, 1, old), (4, 1, recent), (5, 1, edge),
            (6, 2, recent), (7, 2, recent), (5, 2, old),
        ):  # fmt: skip
            role = "facilitator" if uid == 1 else "member"
            await conn.execute(
                "INSERT INTO memberships (hub_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
                (hub, uid, role, joined),
            )
        # departures: one recent from A, one 31 days ago from A, one from B
        for hub, left in ((1, NOW - timedelta(days=2)), (1, NOW - timedelta(days=31)), (2, NOW)):
            await conn.execute(
                "INSERT INTO membership_departures (hub_id, joined_at, left_at) VALUES (?, ?, ?)",
                (hub, old, ts(left)),
            )
        # activity (UTC days; today is 2026-12-05)
        for uid, day in (
            (1, "2026-12-05"), (1, "2026-12-04"),  # 1: twice this week, counted once
            (2, "2026-11-29"),  # 2: 6 days ago: in the 7
            (3, "2026-11-28"),  # 3: 7 days ago: in the 30, not the 7
            (4, "2026-11-06"),  # 4: 29 days ago: in the 30
            (5, "2026-11-05"),  # 5: 30 days ago: in neither
            (6, "2026-12-05"),  # hub B only
            (9, "2026-12-05"),  # not a member anywhere
        ):  # fmt: skip
            await conn.execute("INSERT INTO activity_days (user_id, day) VALUES (?, ?)", (uid, day))
        # questions of A: answered after 1 h, 3 h, 2 days; one open; one draft; one too old
        for hub, asker, created, answered, status in (
            (1, 2, NOW - timedelta(days=5), timedelta(hours=1), "answered"),
            (1, 3, NOW - timedelta(days=4), timedelta(hours=3), "answered"),
            (1, 4, NOW - timedelta(days=3), timedelta(days=2), "answered"),
            (1, 2, NOW - timedelta(days=1), None, "open"),
            (1, 2, NOW - timedelta(hours=1), None, "draft"),
            (1, 2, NOW - timedelta(days=40), timedelta(minutes=1), "answered"),
            (2, 6, NOW - timedelta(days=1), timedelta(minutes=5), "answered"),
        ):
            await conn.execute(
                """INSERT INTO questions (hub_id, asker_id, text, status, answered_at, created_at,
                                          updated_at) VALUES (?, ?, 'q', ?, ?, ?, ?)""",
                (hub, asker, status, ts(created + answered) if answered else None,
                 ts(created), ts(created)),
            )  # fmt: skip
        # announcements: one to A (4 members: sent, sent, blocked, not_started, + a pending),
        # one to every hub (network only), one to B, one draft of A
        for bid, hub, status in ((1, 1, "done"), (2, None, "done"), (3, 2, "done"),
                                 (4, 1, "draft")):  # fmt: skip
            await conn.execute(
                """INSERT INTO broadcasts (id, hub_id, sender_id, text, status, created_at)
                   VALUES (?, ?, 1, 't', ?, ?)""",
                (bid, hub, status, ts(NOW - timedelta(days=2))),
            )
        rows = [(1, 1, "sent"), (1, 2, "sent"), (1, 4, "blocked"), (1, 3, "not_started"),
                (1, 5, "pending"), (2, 1, "sent"), (2, 6, "failed"), (3, 6, "sent")]  # fmt: skip
        for index, (bid, uid, status) in enumerate(rows):
            await conn.execute(
                """INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, text, status,
                                       not_before, created_at, updated_at)
                   VALUES (?, ?, ?, 'broadcast', ?, 't', ?, ?, ?, ?)""",
                (f"k{index}", uid, uid, bid, status, now, now, now),
            )
        # the group copy of an announcement is not a member's delivery
        await conn.execute(
            """INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, text, status,
                                   not_before, created_at, updated_at)
               VALUES ('group', -100, NULL, 'broadcast', 1, 't', 'sent', ?, ?, ?)""",
            (now, now, now),
        )
        # prompts: A sent 4 (2 answered, 1 skipped), one sent 40 days ago; B one answered
        await conn.execute(
            """INSERT INTO prompts (id, hub_id, text, created_at) VALUES (1, 1, 'p', ?),
                                                                        (2, 2, 'p', ?)""",
            (now, now),
        )
        for uid, prompt, days, status in (
            (1, 1, 1, "answered"), (2, 1, 1, "answered"), (3, 1, 1, "skipped"), (4, 1, 1, "sent"),
            (2, 1, 40, "answered"), (6, 2, 1, "answered"),
        ):  # fmt: skip
            await conn.execute(
                """INSERT INTO prompt_sends (prompt_id, user_id, occurrence, sent_at, status)
                   VALUES (?, ?, ?, ?, ?)""",
                (prompt, uid, f"d{days}", ts(NOW - timedelta(days=days)), status),
            )
        # meetings: A held one 3 days ago (RSVPs 2 yes, 1 maybe, 1 no; attendance 2 of 3),
        # a future one (RSVPs not counted yet), a cancelled one; B one
        for mid, hub in ((1, 1), (2, 2)):
            await conn.execute(
                """INSERT INTO meetings (id, hub_id, title, timezone, duration_minutes, uid,
                                         created_at, updated_at)
                   VALUES (?, ?, 'm', 'UTC', 60, ?, ?, ?)""",
                (mid, hub, f"u{mid}", now, now),
            )
        for oid, mid, starts, status in (
            (1, 1, NOW - timedelta(days=3), "scheduled"),
            (2, 1, NOW + timedelta(days=3), "scheduled"),
            (3, 1, NOW - timedelta(days=4), "cancelled"),
            (4, 2, NOW - timedelta(days=3), "scheduled"),
        ):
            await conn.execute(
                """INSERT INTO meeting_occurrences (id, meeting_id, starts_local, starts_at,
                                                    original_start, status)
                   VALUES (?, ?, 'x', ?, ?, ?)""",
                (oid, mid, ts(starts), ts(starts), status),
            )
        for oid, uid, answer in ((1, 1, "yes"), (1, 2, "yes"), (1, 3, "maybe"), (1, 4, "no"),
                                 (2, 1, "yes"), (3, 1, "yes"), (4, 6, "yes")):  # fmt: skip
            await conn.execute(
                """INSERT INTO meeting_rsvps (occurrence_id, user_id, answer, updated_at)
                   VALUES (?, ?, ?, ?)""",
                (oid, uid, answer, now),
            )
        for oid, uid, present in ((1, 1, 1), (1, 2, 1), (1, 3, 0), (4, 6, 1)):
            await conn.execute(
                "INSERT INTO meeting_attendance (occurrence_id, user_id, present) VALUES (?, ?, ?)",
                (oid, uid, present),
            )
        # polls: A a named one (3 voters, one retracted), an anonymous one (7 votes in two
        # messages); B a named one
        for pid, hub, anonymous in ((1, 1, 0), (2, 1, 1), (3, 2, 0)):
            await conn.execute(
                """INSERT INTO polls (id, hub_id, author_id, question, options, anonymous,
                                      multiple, private, created_at)
                   VALUES (?, ?, 1, 'q', '["a","b"]', ?, 0, 0, ?)""",
                (pid, hub, anonymous, ts(NOW - timedelta(days=2))),
            )
        for pid, uid, options in ((1, 1, [0]), (1, 2, [1]), (1, 3, [0]), (1, 4, []),
                                  (3, 6, [0])):  # fmt: skip
            await conn.execute(
                """INSERT INTO poll_votes (poll_id, user_id, option_ids, updated_at)
                   VALUES (?, ?, ?, ?)""",
                (pid, uid, json.dumps(options), now),
            )
        for chat, total in ((-100, 5), (2, 2)):
            await conn.execute(
                """INSERT INTO poll_messages (poll_id, chat_id, message_id, tg_poll_id, total)
                   VALUES (2, ?, 1, ?, ?)""",
                (chat, f"tg{chat}", total),
            )
        # surveys: A one (4 invited, 3 finished), every hub one (network only), B one
        for sid, hub in ((1, 1), (2, None), (3, 2)):
            await conn.execute(
                """INSERT INTO surveys (id, hub_id, author_id, title, anonymous, opens_at,
                                        closes_at, status, created_at)
                   VALUES (?, ?, 1, 's', 0, ?, ?, 'closed', ?)""",
                (sid, hub, ts(NOW - timedelta(days=10)), ts(NOW - timedelta(days=3)), now),
            )
        for sid, uid, finished in ((1, 1, 1), (1, 2, 1), (1, 3, 1), (1, 4, 0), (2, 1, 1),
                                   (2, 6, 0), (3, 6, 1)):  # fmt: skip
            await conn.execute(
                "INSERT INTO survey_participants (survey_id, user_id, finished) VALUES (?, ?, ?)",
                (sid, uid, finished),
            )
    return 1, 2


def service(db: Database, clock: MovableClock | None = None) -> StatsService:
    hubs, memberships = HubRepository(db), MembershipRepository(db)
    return StatsService(
        StatsRepository(db), hubs, AccessService(hubs, memberships, frozenset({99})),
        clock or MovableClock(NOW),
    )  # fmt: skip


async def test_hub_figures(db: Database) -> None:
    await seed(db)
    stats = service(db)
    hub = await HubRepository(db).get(1)
    assert hub is not None
    figures = await stats.hub_figures(hub)
    raw = figures.raw
    assert (raw.members, raw.reachable) == (5, 3)  # 3 never started, 4 blocked
    assert (raw.joined, raw.left) == (2, 1)  # 4 and 5 (exactly 30 days); one left 2 days ago
    assert (raw.active7, raw.active30) == (2, 4)
    assert (raw.asked, raw.answered) == (4, 3)  # the draft and the 40-day-old one aside
    assert figures.median_answer == timedelta(hours=3)
    assert raw.announcements == 1
    assert (figures.delivered, figures.delivery_finished) == (2, 4)  # the pending one aside
    assert figures.delivery_rate == 0.5
    assert (raw.prompts_sent, raw.prompts_answered, figures.reflection_rate) == (4, 2, 0.5)
    assert raw.meetings == 1
    assert raw.rsvps == {"yes": 2, "maybe": 1, "no": 1}
    assert (raw.attendance_marked, raw.attended) == (3, 2)
    assert (raw.named_polls, raw.named_voters) == (1, 3)
    assert figures.poll_rate == 3 / 5
    assert (raw.anonymous_polls, raw.anonymous_voters) == (1, 7)
    assert (raw.surveys, raw.survey_invited, raw.survey_finished) == (1, 4, 3)
    assert figures.survey_rate == 0.75
    assert len(figures.weeks) == WEEKS
    assert figures.weeks[-1].active == 2  # 1 and 2 in the last 7 days
    assert figures.weeks[-2].active == 1  # 3, exactly 7 days ago
    assert figures.weeks[-1].members == 5


async def test_network_figures_count_people_once_and_all_hub_sends(db: Database) -> None:
    await seed(db)
    figures = await service(db).network_figures()
    raw = figures.raw
    assert figures.hubs == 2 and figures.title == ""
    assert raw.members == 7  # 5 is in both hubs
    assert raw.left == 2
    assert (raw.active7, raw.active30) == (3, 5)
    assert (raw.asked, raw.answered) == (5, 4)
    assert raw.announcements == 3  # A's, every hub's and B's
    assert (figures.delivered, figures.delivery_finished) == (4, 7)
    assert raw.meetings == 2 and raw.rsvps["yes"] == 3
    assert (raw.surveys, raw.survey_invited, raw.survey_finished) == (3, 7, 5)


async def test_empty_hub_has_no_rates(db: Database) -> None:
    await db.execute(
        """INSERT INTO hubs (id, name, code, timezone, locale, created_at)
           VALUES (7, 'Empty', 'E1', 'UTC', 'en', ?)""",
        (ts(NOW),),
    )
    hub = await HubRepository(db).get(7)
    assert hub is not None
    figures = await service(db).hub_figures(hub)
    assert figures.raw.members == 0
    assert figures.median_answer is None
    for value in (figures.delivery_rate, figures.reflection_rate, figures.attendance_rate,
                  figures.poll_rate, figures.survey_rate):  # fmt: skip
        assert value is None
    assert [w.members for w in figures.weeks] == [0] * WEEKS


async def test_activity_is_written_once_a_day_and_survives_a_restart(db: Database) -> None:
    await seed(db)
    clock = MovableClock(datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    stats = service(db, clock)
    commits = db.commits
    await stats.seen(1)
    assert db.commits == commits + 1
    for _ in range(5):
        await stats.seen(1)  # the rest of the day: nothing written
    assert db.commits == commits + 1
    restarted = service(db, clock)
    await restarted.seen(1)  # knows 1 is marked already
    assert db.commits == commits + 1
    clock.set(datetime(2026, 12, 7, 0, 0, tzinfo=UTC))  # a new UTC day
    await restarted.seen(1)
    assert db.commits == commits + 2
    days = await db.fetch_all("SELECT day FROM activity_days WHERE user_id = 1 ORDER BY day")
    assert [r[0] for r in days][-2:] == ["2026-12-06", "2026-12-07"]


async def test_a_membership_that_ends_becomes_a_departure_without_the_person(
    db: Database,
) -> None:
    await seed(db)
    before = await db.fetch_value("SELECT COUNT(*) FROM membership_departures WHERE hub_id = 1")
    await MembershipRepository(db).remove(1, 2)
    rows = await db.fetch_all("SELECT * FROM membership_departures WHERE hub_id = 1")
    assert len(rows) == before + 1
    assert set(rows[-1].keys()) == {"hub_id", "joined_at", "left_at", "last_one"}  # no user id
    await db.execute("DELETE FROM hubs WHERE id = 1")  # a deleted hub takes its rows along
    assert await db.fetch_value("SELECT COUNT(*) FROM membership_departures WHERE hub_id = 1") == 0
    # a deleted user's activity goes with them
    await db.execute("DELETE FROM users WHERE id = 6")
    assert await db.fetch_value("SELECT COUNT(*) FROM activity_days WHERE user_id = 6") == 0


async def test_old_activity_marks_are_pruned_in_batches(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(db)
    monkeypatch.setattr("bot.services.stats.PRUNE_BATCH", 2)
    await db.executemany(
        "INSERT INTO activity_days (user_id, day) VALUES (?, ?)",
        [(uid, day) for uid in (1, 2, 3) for day in ("2026-09-12", "2026-09-13", "2026-01-01")],
    )
    stats = service(db)  # today is 2026-12-05: the 12 weeks start on 2026-09-13
    assert await stats.prune() == 6  # 2026-09-12 and 2026-01-01, three people each
    days = {r[0] for r in await db.fetch_all("SELECT DISTINCT day FROM activity_days")}
    assert min(days) == "2026-09-13"
    assert await stats.prune() == 0


async def test_announcements_count_by_send_time_and_after_retention(db: Database) -> None:
    await seed(db)
    hub = await HubRepository(db).get(1)
    assert hub is not None
    # written 40 days ago, scheduled and sent 1 day ago: it belongs to this period
    await db.execute(
        """INSERT INTO broadcasts (id, hub_id, sender_id, text, status, created_at, sent_at)
           VALUES (5, 1, 1, 't', 'done', ?, ?)""",
        (ts(NOW - timedelta(days=40)), ts(NOW - timedelta(days=1))),
    )
    # its private deliveries were deleted by retention: only their numbers are left
    await db.execute(
        """INSERT INTO delivery_counts (kind, ref_id, status, count)
           VALUES ('broadcast', 5, 'sent', 3), ('broadcast', 5, 'blocked', 1)"""
    )
    figures = await service(db).hub_figures(hub)
    assert figures.raw.announcements == 2
    assert (figures.delivered, figures.delivery_finished) == (2 + 3, 4 + 4)


async def test_who_joined_and_left_within_the_period_still_joined(db: Database) -> None:
    await seed(db)
    hub = await HubRepository(db).get(1)
    assert hub is not None
    await db.execute(
        "INSERT INTO membership_departures (hub_id, joined_at, left_at) VALUES (1, ?, ?)",
        (ts(NOW - timedelta(days=5)), ts(NOW - timedelta(days=1))),
    )
    raw = (await service(db).hub_figures(hub)).raw
    assert (raw.joined, raw.left) == (2 + 1, 1 + 1)


async def test_departures_keep_dates_only_and_go_after_twelve_weeks(db: Database) -> None:
    await seed(db)
    await MembershipRepository(db).remove(1, 2)
    rows = await db.fetch_all("SELECT joined_at, left_at FROM membership_departures")
    for joined, left in (tuple(r) for r in rows[-1:]):
        assert joined.endswith("T00:00:00Z") and left.endswith("T00:00:00Z")  # no time of day
    await db.execute(
        "INSERT INTO membership_departures (hub_id, joined_at, left_at) VALUES (1, ?, ?)",
        ("2026-01-01T00:00:00Z", "2026-09-12T00:00:00Z"),
    )
    count = await db.fetch_value("SELECT COUNT(*) FROM membership_departures")
    await service(db).prune()  # the 12 weeks start on 2026-09-13
    assert await db.fetch_value("SELECT COUNT(*) FROM membership_departures") == count - 1
    assert (
        await db.fetch_value(
            "SELECT COUNT(*) FROM membership_departures WHERE left_at < '2026-09-13'"
        )
        == 0
    )


async def test_the_network_counts_people_not_memberships_when_they_leave(db: Database) -> None:
    await seed(db)
    stats = service(db)
    before = (await stats.network_figures()).raw
    await MembershipRepository(db).remove(1, 5)  # 5 leaves hub A but stays in B
    after = await stats.network_figures()
    assert after.raw.left == before.left
    assert after.weeks[-1].members == after.raw.members == before.members
    hub = await HubRepository(db).get(1)
    assert hub is not None
    assert (await stats.hub_figures(hub)).raw.left == 2  # hub A did lose a member
