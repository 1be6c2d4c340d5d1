"""Schedules: fire times across DST, catch-up after downtime, and never firing twice."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import MovableClock
from bot.db import Database
from bot.db.schedules import ScheduleRepository, ScheduleRow
from bot.services.scheduling import Scheduler, next_occurrence


def _schedule(rule: str, at_local: str, tz: str, weekdays: str | None = None) -> ScheduleRow:
    return ScheduleRow(1, "test", 1, None, rule, at_local, weekdays, tz, None, True)


def test_weekly_keeps_local_time_across_the_end_of_summer_time() -> None:
    monday = _schedule("weekly", "18:00", "Europe/Amsterdam", "mon")
    first = next_occurrence(monday, datetime(2026, 10, 18, tzinfo=UTC))
    second = next_occurrence(monday, first)
    assert first == datetime(2026, 10, 19, 16, 0, tzinfo=UTC)  # CEST, UTC+2
    assert second == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)  # CET, UTC+1


def test_daily_keeps_local_time_across_the_start_of_summer_time() -> None:
    daily = _schedule("daily", "08:30", "Asia/Jerusalem")
    before = next_occurrence(daily, datetime(2026, 3, 20, 12, tzinfo=UTC))  # DST starts 27 Mar
    after = next_occurrence(daily, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert before.hour == 6  # IST, UTC+2
    assert after.hour == 5  # IDT, UTC+3


def test_weekdays_and_one_off() -> None:
    twice = _schedule("weekly", "18:00", "Europe/Chisinau", "mon,thu")
    start = datetime(2026, 11, 23, 17, tzinfo=UTC)  # Monday 19:00 local: today's has passed
    assert next_occurrence(twice, start).strftime("%a") == "Thu"
    once = _schedule("once", "2026-11-24 09:00", "Europe/Chisinau")
    assert next_occurrence(once, start) == datetime(2026, 11, 24, 7, tzinfo=UTC)
    assert next_occurrence(once, datetime(2026, 11, 25, tzinfo=UTC)) is None


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "s.sqlite3")
    await database.open()
    yield database
    await database.close()


class Recorder:
    def __init__(self) -> None:
        self.fired: list[datetime] = []

    async def __call__(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, at: datetime
    ) -> None:
        self.fired.append(at)


async def _scheduler(
    db: Database, clock: MovableClock, grace: timedelta
) -> tuple[Scheduler, Recorder]:
    scheduler = Scheduler(db, ScheduleRepository(db), clock)
    recorder = Recorder()
    scheduler.register("test", recorder, grace=grace)
    return scheduler, recorder


async def _add(scheduler: Scheduler, db: Database, **rule: str) -> int:
    async with db.transaction() as conn:
        return await scheduler.add(conn, kind="test", ref_id=1, hub_id=None, **rule)


async def test_fires_each_occurrence_once_across_dst(db: Database) -> None:
    clock = MovableClock(datetime(2026, 10, 18, tzinfo=UTC))
    scheduler, recorder = await _scheduler(db, clock, timedelta(hours=1))
    await _add(
        scheduler, db, rule="weekly", at_local="18:00", weekdays="mon", timezone="Europe/Amsterdam"
    )
    clock.set(datetime(2026, 10, 19, 16, 0, 5, tzinfo=UTC))
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0  # the same occurrence, fired twice: nothing new
    clock.set(datetime(2026, 10, 26, 16, 30, tzinfo=UTC))  # 17:30 local: not yet
    assert await scheduler.run_due() == 0
    clock.set(datetime(2026, 10, 26, 17, 0, tzinfo=UTC))
    assert await scheduler.run_due() == 1
    assert recorder.fired == [
        datetime(2026, 10, 19, 16, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 17, 0, tzinfo=UTC),
    ]


async def test_missed_while_down_fires_once_within_grace_and_records_the_rest(db: Database) -> None:
    clock = MovableClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    scheduler, recorder = await _scheduler(db, clock, timedelta(hours=2))
    schedule_id = await _add(scheduler, db, rule="daily", at_local="09:00", timezone="UTC")
    clock.set(datetime(2026, 11, 23, 10, tzinfo=UTC))  # down for three days, back 1 h late
    assert await scheduler.run_due() == 1
    assert recorder.fired == [datetime(2026, 11, 23, 9, tzinfo=UTC)]
    runs = await ScheduleRepository(db).runs(schedule_id)
    assert [outcome for _, outcome in runs] == ["skipped", "skipped", "fired"]
    row = await ScheduleRepository(db).get(schedule_id)
    assert row.next_fire == datetime(2026, 11, 24, 9, tzinfo=UTC)


async def test_an_occurrence_past_its_grace_is_skipped_not_lost_silently(db: Database) -> None:
    clock = MovableClock(datetime(2026, 11, 23, 7, tzinfo=UTC))
    scheduler, recorder = await _scheduler(db, clock, timedelta(minutes=30))
    schedule_id = await _add(
        scheduler, db, rule="once", at_local="2026-11-23 08:00", timezone="UTC"
    )
    clock.set(datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert await scheduler.run_due() == 0
    assert recorder.fired == []
    assert await ScheduleRepository(db).runs(schedule_id) == [
        (datetime(2026, 11, 23, 8, tzinfo=UTC), "skipped")
    ]
    assert not (await ScheduleRepository(db).get(schedule_id)).active


async def test_a_time_in_the_past_cannot_be_scheduled(db: Database) -> None:
    clock = MovableClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    scheduler, _ = await _scheduler(db, clock, timedelta(hours=1))
    with pytest.raises(ValueError, match="future"):
        await _add(scheduler, db, rule="once", at_local="2026-11-23 08:00", timezone="UTC")
