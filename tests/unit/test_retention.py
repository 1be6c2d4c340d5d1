"""The retention service against a real database: batches, poll deliveries, the daily rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import MovableClock
from bot.config import RetentionConfig
from bot.db import Database
from bot.db.database import to_db_time
from bot.db.maintenance import MaintenanceRepository
from bot.db.retention import RetentionRepository
from bot.services.daily import next_due
from bot.services.retention import RetentionService

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


async def seed(db: Database) -> None:
    old, recent = to_db_time(NOW - timedelta(days=120)), to_db_time(NOW - timedelta(days=5))
    rows = [(f"old-{n}", 100 + n, 100 + n, "broadcast", n % 2, "sent", old, old) for n in range(7)]
    rows += [
        ("recent", 200, 200, "broadcast", 1, "blocked", recent, recent),
        ("old-prompt", 300, 300, "prompt", 9, "sent", old, old),
        # A group: a deferred reply (a list of names) goes; a post features find things by stays.
        ("old-group-reply", -100, None, "reply", None, "sent", old, old),
        ("old-group-post", -100, None, "question", 3, "sent", old, old),
    ]
    await db.executemany(
        """INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, status, created_at,
                               updated_at, text, not_before)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'hello', '2000-01-01T00:00:00Z')""",
        rows,
    )
    await db.execute(
        """INSERT INTO hubs (id, name, code, chat_id, timezone, locale, created_at)
           VALUES (1, 'Hub', 'code', -100, 'UTC', 'en', ?)""",
        (old,),
    )
    polls = [(1, "closed", old), (2, "closed", recent), (3, "open", None)]
    await db.executemany(
        """INSERT INTO polls (id, hub_id, author_id, question, options, anonymous, multiple,
                              private, status, created_at, closed_at)
           VALUES (?, 1, 5, 'Q?', '["a","b"]', 0, 0, 1, ?, '2026-01-01T00:00:00Z', ?)""",
        polls,
    )
    sends = [
        (poll, chat, status)
        for poll in (1, 2, 3)
        for chat, status in ((11, "sent"), (12, "failed"))
    ]
    sends.append((1, 13, "pending"))
    await db.executemany(
        "INSERT INTO poll_sends (poll_id, chat_id, status) VALUES (?, ?, ?)", sends
    )


async def test_deletes_in_batches_and_keeps_the_counts(tmp_path: Path) -> None:
    db = Database(tmp_path / "r.sqlite3")
    await db.open()
    try:
        await seed(db)
        clock = MovableClock(NOW)
        service = RetentionService(
            RetentionRepository(db), MaintenanceRepository(db), clock, RetentionConfig(days=90),
            batch=3,
        )  # fmt: skip
        purged = await service.run()
        assert (purged.outbox, purged.poll_sends) == (9, 2)
        left_keys = [r[0] for r in await db.fetch_all("SELECT key FROM outbox ORDER BY key")]
        assert left_keys == ["old-group-post", "recent"]
        left = await db.fetch_all("SELECT poll_id, chat_id FROM poll_sends ORDER BY 1, 2")
        assert [tuple(r) for r in left] == [(1, 13), (2, 11), (2, 12), (3, 11), (3, 12)]
        counts = await RetentionRepository(db).delivery_counts("broadcast", 0)
        assert counts == {"sent": 4}
        assert await RetentionRepository(db).delivery_counts("broadcast", 1) == {"sent": 3}
        assert await RetentionRepository(db).delivery_counts("prompt", 9) == {}  # per person
        again = await service.run()  # nothing left to do; the counts are not added twice
        assert (again.outbox, again.poll_sends) == (0, 0)
        assert await RetentionRepository(db).delivery_counts("broadcast", 0) == {"sent": 4}
    finally:
        await db.close()


async def test_runs_once_a_day_at_its_hour_and_catches_up_a_missed_day(tmp_path: Path) -> None:
    db = Database(tmp_path / "r.sqlite3")
    await db.open()
    runs: list[datetime] = []
    try:
        clock = MovableClock(NOW)  # 12:00
        service = RetentionService(
            RetentionRepository(db), MaintenanceRepository(db), clock, RetentionConfig(hour=4)
        )

        async def record() -> None:
            runs.append(clock.now())

        service.job._work = record
        await service.install()
        assert not await service.job.run_due()
        clock.set(NOW + timedelta(hours=15, minutes=59))  # 03:59 the next day
        assert not await service.job.run_due()
        clock.advance(timedelta(minutes=1))
        assert await service.job.run_due()
        assert not await service.job.run_due()
        clock.advance(timedelta(days=5))  # the bot was down: one run, not five
        assert await service.job.run_due()
        assert not await service.job.run_due()
        assert len(runs) == 2
        await service.install()  # a restart does not reset when it last ran
        assert not await service.job.run_due()
    finally:
        await db.close()


def test_next_due() -> None:
    assert next_due(NOW, 4) == datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    assert next_due(NOW, 13) == datetime(2026, 12, 5, 13, 0, tzinfo=UTC)
    assert next_due(NOW.replace(hour=13), 13) == datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
