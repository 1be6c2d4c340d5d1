"""Per-member zones: the earliest zone's occurrence first, and which zones an instant serves."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db.schedules import ScheduleRow
from bot.services.scheduling import is_occurrence_in, next_in_zones, next_occurrence


def _schedule(rule: str = "daily", at: str = "18:00", weekdays: str | None = None) -> ScheduleRow:
    return ScheduleRow(1, "prompt", 1, 1, rule, at, weekdays, "Europe/Chisinau", None, True)


ZONES = ["Europe/Chisinau", "Europe/Moscow", "Europe/London", "Asia/Jerusalem"]


def test_next_in_zones_is_the_earliest_zone() -> None:
    after = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert next_in_zones(_schedule(), after, ZONES) == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    after = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # strictly after: the next instant
    assert next_in_zones(_schedule(), after, ZONES) == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    after = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert next_in_zones(_schedule(), after, ZONES) == datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    after = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
    assert next_in_zones(_schedule(), after, ZONES) == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


def test_without_zones_the_schedule_keeps_its_own() -> None:
    after = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert next_in_zones(_schedule(), after, None) == next_occurrence(_schedule(), after)


def test_an_instant_serves_exactly_the_zones_whose_1800_it_is() -> None:
    moment = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    served = [zone for zone in ZONES if is_occurrence_in(_schedule(), zone, moment)]
    assert served == ["Europe/Chisinau", "Asia/Jerusalem"]  # both UTC+2 in December
    june = datetime(2027, 6, 7, 15, 0, tzinfo=UTC)
    assert [z for z in ZONES if is_occurrence_in(_schedule(), z, june)] == [
        "Europe/Chisinau",
        "Europe/Moscow",
        "Asia/Jerusalem",
    ]


def test_weekly_zones_follow_their_own_weekday() -> None:
    # Monday 18:00: in Tokyo that is Monday 09:00 UTC, in Los Angeles Tuesday 02:00 UTC.
    schedule = _schedule("weekly", "18:00", "mon")
    after = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)  # Sunday
    zones = ["Asia/Tokyo", "America/Los_Angeles"]
    first = next_in_zones(schedule, after, zones)
    assert first == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    second = next_in_zones(schedule, first, zones)
    assert second == datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    assert is_occurrence_in(schedule, "America/Los_Angeles", second)
    assert not is_occurrence_in(schedule, "Asia/Tokyo", second)


def test_dst_keeps_local_time_in_every_zone() -> None:
    schedule = _schedule("weekly", "18:00", "mon")
    before = next_in_zones(schedule, datetime(2027, 3, 20, tzinfo=UTC), ["Europe/Bucharest"])
    after = next_in_zones(schedule, datetime(2027, 3, 27, tzinfo=UTC), ["Europe/Bucharest"])
    assert before is not None and after is not None
    assert (before.hour, after.hour) == (16, 15)
