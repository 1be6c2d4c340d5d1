"""Quiet hours and pauses: parsing ranges and durations, and until when a row is held."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db.quiet import QuietSettings
from bot.i18n import use_locale
from bot.services.quiet import (
    QuietError,
    held_until,
    is_off,
    parse_pause,
    parse_range,
    quiet_until,
)

CHISINAU = ZoneInfo("Europe/Chisinau")
BUCHAREST = ZoneInfo("Europe/Bucharest")
JERUSALEM = ZoneInfo("Asia/Jerusalem")
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # 14:00 in Chisinau


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00-08:00", ("21:00", "08:00")),
        ("21:00 - 8:00", ("21:00", "08:00")),
        ("22.30–07.15", ("22:30", "07:15")),
        ("9:00 to 17:00", ("09:00", "17:00")),
        ("00:00-23:59", ("00:00", "23:59")),
    ],
)
def test_ranges_are_read(text: str, expected: tuple[str, str]) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("25:00-08:00", "range"),
        ("21:60-08:00", "range"),
        ("21:00", "range"),
        ("tonight", "range"),
        ("", "range"),
        ("08:00-08:00", "zero"),
        ("8:00-08:00", "zero"),
    ],
)
def test_bad_ranges_say_why(text: str, code: str) -> None:
    with pytest.raises(QuietError) as caught:
        parse_range(text)
    assert caught.value.code == code
    with use_locale("en"):
        message = caught.value.message
    assert "21:00-08:00" in message  # the accepted form is always shown
    assert "Nothing was changed" in message


def test_user_text_in_an_error_is_escaped() -> None:
    with pytest.raises(QuietError) as caught:
        parse_range("<b>late</b>")
    with use_locale("en"):
        assert "&lt;b&gt;" in caught.value.message


def test_off_in_english_and_as_zero() -> None:
    assert is_off("off") and is_off(" OFF ") and is_off("0")
    assert not is_off("of")


@pytest.mark.parametrize(
    ("text", "days"),
    [("7d", 7), ("7 days", 7), ("1 day", 1), ("2w", 14), ("2 weeks", 14), ("52w", 364)],
)
def test_durations(text: str, days: int) -> None:
    assert parse_pause(text, NOW, CHISINAU) == NOW + timedelta(days=days)


def test_until_a_date_is_the_end_of_that_day_in_the_members_zone() -> None:
    until = parse_pause("until 2026-12-27", NOW, CHISINAU)
    assert until == datetime(2026, 12, 27, 22, 0, tzinfo=UTC)  # midnight in Chisinau (UTC+2)
    assert parse_pause("2026-12-27", NOW, JERUSALEM) == datetime(2026, 12, 27, 22, 0, tzinfo=UTC)
    assert parse_pause("until 2026-12-05", NOW, CHISINAU) > NOW  # today: until tonight


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("366d", "too-long"),
        ("53w", "too-long"),
        ("until 2028-01-01", "too-long"),
        ("until 2026-12-04", "past"),
        ("until 2026-02-30", "pause"),
        ("0d", "pause"),
        ("forever", "pause"),
        ("7x", "pause"),
    ],
)
def test_bad_pauses_say_why(text: str, code: str) -> None:
    with pytest.raises(QuietError) as caught:
        parse_pause(text, NOW, CHISINAU)
    assert caught.value.code == code
    with use_locale("en"):
        assert "/pause" in caught.value.message


def test_overnight_quiet_hours() -> None:
    # 22:30 in Chisinau (UTC+2): quiet until 08:00 tomorrow.
    evening = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)
    assert quiet_until("21:00", "08:00", evening, CHISINAU) == datetime(
        2026, 12, 6, 6, 0, tzinfo=UTC
    )
    # 03:00 local: until 08:00 the same day.
    night = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert quiet_until("21:00", "08:00", night, CHISINAU) == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    # 08:00 sharp and 20:59 are outside.
    for outside in (
        datetime(2026, 12, 6, 6, 0, tzinfo=UTC),
        datetime(2026, 12, 6, 18, 59, tzinfo=UTC),
    ):
        assert quiet_until("21:00", "08:00", outside, CHISINAU) is None


def test_daytime_quiet_hours() -> None:
    assert quiet_until("09:00", "17:00", NOW, CHISINAU) == datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    assert quiet_until("09:00", "17:00", NOW.replace(hour=16), CHISINAU) is None


def test_quiet_hours_keep_local_time_across_dst() -> None:
    # The last Sunday of October 2026 is the 25th: Bucharest goes from UTC+3 to UTC+2 at 04:00.
    saturday_night = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 23:00 local (UTC+3)
    assert quiet_until("21:00", "08:00", saturday_night, BUCHAREST) == datetime(
        2026,
        10,
        25,
        6,
        0,
        tzinfo=UTC,  # 08:00 local, now UTC+2
    )
    # Spring: the last Sunday of March 2026 is the 29th, UTC+2 -> UTC+3 at 03:00.
    spring = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # 23:00 local
    assert quiet_until("22:00", "07:00", spring, BUCHAREST) == datetime(
        2026,
        3,
        29,
        4,
        0,
        tzinfo=UTC,  # 07:00 local, UTC+3
    )
    # Israel's own date (Friday 27 March 2026, 02:00 -> 03:00).
    thursday_night = datetime(2026, 3, 26, 20, 0, tzinfo=UTC)  # 22:00 local (UTC+2)
    assert quiet_until("21:00", "08:00", thursday_night, JERUSALEM) == datetime(
        2026,
        3,
        27,
        5,
        0,
        tzinfo=UTC,  # 08:00 local, UTC+3
    )


def _settings(
    start: str | None = None, end: str | None = None, paused: datetime | None = None
) -> QuietSettings:
    return QuietSettings(1, start, end, paused, "Europe/Chisinau")


def test_held_until_quiet_hours_hold_every_kind() -> None:
    night = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)
    member = _settings("21:00", "08:00")
    morning = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    for kind in ("prompt", "nudge", "broadcast"):
        assert held_until(member, kind, night, CHISINAU) == morning
    assert held_until(member, "prompt", NOW, CHISINAU) is None


def test_a_pause_holds_prompts_and_nudges_only() -> None:
    member = _settings(paused=NOW + timedelta(days=7))
    assert held_until(member, "prompt", NOW, CHISINAU) == NOW + timedelta(days=7)
    assert held_until(member, "nudge", NOW, CHISINAU) == NOW + timedelta(days=7)
    assert held_until(member, "broadcast", NOW, CHISINAU) is None
    ended = _settings(paused=NOW - timedelta(minutes=1))
    assert held_until(ended, "prompt", NOW, CHISINAU) is None


def test_a_pause_ending_at_night_gives_way_to_quiet_hours() -> None:
    # The pause ends at midnight in Chisinau, inside quiet hours 21:00-08:00: held until 08:00.
    member = _settings("21:00", "08:00", paused=datetime(2026, 12, 27, 22, 0, tzinfo=UTC))
    assert held_until(member, "prompt", NOW, CHISINAU) == datetime(2026, 12, 28, 6, 0, tzinfo=UTC)
