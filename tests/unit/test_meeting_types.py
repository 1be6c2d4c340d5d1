"""Typed meetings: durations, dates, places and links, series in local time, offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services.meeting_times import parse_offsets, series, to_utc
from bot.services.meeting_types import (
    MeetingError,
    check_duration,
    check_place,
    check_title,
    parse_duration,
    parse_typed,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("45m", 45), ("1h", 60), ("1h30m", 90), ("90m", 90), ("90", 90), ("2H", 120), ("30min", 30)],
)
def test_durations_people_write(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "h", "m", "soon", "1.5h", "-1h", "1d"])
def test_what_is_not_a_duration(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_duration_limits(minutes: int) -> None:
    with pytest.raises(MeetingError):
        check_duration(timedelta(minutes=minutes))
    assert check_duration(timedelta(hours=24)) == timedelta(hours=24)


def test_the_typed_form() -> None:
    typed = parse_typed("2026-12-03 18:00 90m Peer observation | Room 12, Holon")
    assert typed.starts_local == datetime(2026, 12, 3, 18, 0)
    assert typed.duration == timedelta(minutes=90)
    assert typed.title == "Peer observation"
    assert typed.place == "Room 12, Holon"
    assert parse_typed("2026-12-03 9:05 1h Talk").place == ""


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30 18:00 90m Talk",
        "2026-12-03 24:00 90m Talk",
        "2026-12-03 18:60 90m Talk",
        "03.12.2026 18:00 90m Talk",
        "2026-12-03 18:00 90m",
        "2026-12-03 18:00 0m Talk",
    ],
)
def test_impossible_typed_meetings(text: str) -> None:
    with pytest.raises(MeetingError) as raised:
        parse_typed(text)
    assert raised.value.message


@pytest.mark.parametrize(
    "place",
    [
        "Room 12, Holon",
        "https://meet.example.org/a?b=1",
        "http://x.org",
        "www.example.org",
        "Hall: B",
    ],
)
def test_places_and_links(place: str) -> None:
    assert check_place(place) == place


@pytest.mark.parametrize(
    "place",
    ["ftp://files.example.org", "javascript:alert(1)", "tg://resolve?x", "https://a b", "x" * 301],
)
def test_refused_places(place: str) -> None:
    with pytest.raises(MeetingError):
        check_place(place)


def test_titles() -> None:
    assert check_title("  Peer   observation ") == "Peer observation"
    for bad in ("", "   ", "x" * 121):
        with pytest.raises(MeetingError):
            check_title(bad)


def test_a_weekly_series_keeps_its_local_time_across_dst() -> None:
    locals_ = series(datetime(2026, 10, 15, 18, 0), 1, date(2026, 11, 5))
    assert [local.day for local in locals_] == [15, 22, 29, 5]
    starts = [to_utc(local, "Asia/Jerusalem") for local in locals_]
    # Israel leaves summer time on 25 October 2026: 18:00 is 15:00 UTC, then 16:00 UTC.
    assert [s.hour for s in starts] == [15, 15, 16, 16]
    assert all(s.tzinfo is UTC for s in starts)


def test_series_bounds() -> None:
    assert len(series(datetime(2026, 1, 1, 9, 0), 2, date(2026, 2, 1))) == 3
    with pytest.raises(MeetingError):
        series(datetime(2026, 1, 10, 9, 0), 1, date(2026, 1, 1))
    with pytest.raises(MeetingError):
        series(datetime(2026, 1, 1, 9, 0), 1, date(2027, 1, 3))
    with pytest.raises(MeetingError):
        series(datetime(2026, 1, 1, 9, 0), 3, date(2026, 3, 1))


def test_a_time_in_a_dst_gap_moves_forward() -> None:
    # 27 March 2026, 02:30 does not exist in Israel (clocks go from 02:00 to 03:00).
    moment = to_utc(datetime(2026, 3, 27, 2, 30), "Asia/Jerusalem")
    assert moment == datetime(2026, 3, 27, 0, 30, tzinfo=UTC)


def test_reminder_offsets() -> None:
    assert parse_offsets("1440,60") == [1440, 60]
    assert parse_offsets("60, 1440 ,60,x,-5,0") == [1440, 60]
    assert parse_offsets("") == []
    assert parse_offsets(None) == []
