"""The typed schedule of /prompt, and its description in the reader's language."""

from __future__ import annotations

from datetime import date

import pytest

from bot import i18n
from bot.services import prompt_library
from bot.services.prompt_rules import (
    Days,
    Recurrence,
    ScheduleError,
    describe,
    parse_days,
    parse_schedule,
    parse_time,
    workdays,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", "18:00"),
        ("8:05", "08:05"),
        ("00:00", "00:00"),
        ("23:59", "23:59"),
        ("7.30", "07:30"),
    ],
)
def test_parse_time_accepts(text: str, expected: str) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "24:00", "18:60", "six", "18", "", "1800", "-1:00"])
def test_parse_time_refuses(text: str) -> None:
    assert parse_time(text) is None


def test_parse_days_forms() -> None:
    assert parse_days("daily") == Days("daily")
    assert parse_days("weekdays") == Days("weekly", ("mon", "tue", "wed", "thu", "fri"))
    assert parse_days("thu,mon") == Days("weekly", ("mon", "thu"))
    assert parse_days("Monday,THURSDAY") == Days("weekly", ("mon", "thu"))
    assert parse_days("mon,tue,wed,thu,fri,sat,sun") == Days("daily")
    assert parse_days("2026-12-01") == Days("once", (), date(2026, 12, 1))


@pytest.mark.parametrize("text", ["someday", "mon,funday", "2026-02-30", "2026-13-01"])
def test_parse_days_refuses_with_a_sentence(text: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_days(text)
    assert caught.value.message


def test_parse_schedule_splits_days_time_text() -> None:
    recurrence, text = parse_schedule("mon,thu 18:00 What did you notice?\nAnd why?")
    assert recurrence == Recurrence("weekly", "18:00", ("mon", "thu"))
    assert text == "What did you notice?\nAnd why?"
    assert recurrence.at_local == "18:00" and recurrence.weekdays_text == "mon,thu"
    once, _text = parse_schedule("2026-12-01 8:05 x")
    assert once.at_local == "2026-12-01 08:05" and once.weekdays_text is None
    assert parse_schedule("daily 18:00")[1] == ""  # empty text: the service says so


@pytest.mark.parametrize("args", ["", "daily", "daily 25:00 text", "soon 18:00 text"])
def test_parse_schedule_refuses(args: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(args)


def test_recurrence_round_trips_through_the_schedules_table() -> None:
    for recurrence in (
        Recurrence("daily", "18:00"),
        Recurrence("weekly", "07:30", ("tue", "sat")),
        Recurrence("once", "18:00", (), date(2026, 12, 1)),
    ):
        assert (
            Recurrence.from_schedule(recurrence.rule, recurrence.at_local, recurrence.weekdays_text)
            == recurrence
        )


def test_describe_in_the_readers_language() -> None:
    with i18n.use_locale("en"):
        assert describe(Recurrence("weekly", "18:00", ("mon", "tue", "wed", "thu", "fri"))) == (
            "every weekday at 6:00\u202fPM"
        )
        assert describe(Recurrence("weekly", "18:00", ("mon", "thu"))) == "Mon, Thu at 6:00\u202fPM"
        assert describe(Recurrence("daily", "08:00")) == "every day at 8:00\u202fAM"
        assert (
            describe(Recurrence("once", "18:00", (), date(2026, 12, 1)))
            == "on December 1, 2026 at 6:00\u202fPM"
        )
    with i18n.use_locale("ro"):
        assert "decembrie" in describe(Recurrence("once", "18:00", (), date(2026, 12, 1)))
        assert "18:00" in describe(Recurrence("daily", "18:00"))
    with i18n.use_locale("he"):
        text = describe(Recurrence("weekly", "18:00", ("mon", "thu")))
        assert "יום ב׳" in text and "18:00" in text


def test_library_has_enough_prompts_each_translatable() -> None:
    assert len(prompt_library.LIBRARY) >= 14
    assert all(key.startswith("lib") for key in prompt_library.LIBRARY)
    for key in prompt_library.LIBRARY:
        assert prompt_library.library_text(key, "en") == prompt_library.english(key)
        assert prompt_library.library_text(key, "he")  # falls back to English until translated
    assert prompt_library.library_text("nope", "en") == ""


def test_prompts_config_section() -> None:
    from bot.config import ConfigError, config_from_mapping

    config = config_from_mapping({"telegram": {"token": "1:x"}}, {})
    assert (config.prompts.grace_hours, config.prompts.nudge_check_minutes) == (3, 5)
    with pytest.raises(ConfigError, match=r"prompts\.nudge_check_minutes"):
        config_from_mapping(
            {"telegram": {"token": "1:x"}, "prompts": {"nudge_check_minutes": 0}}, {}
        )
    with pytest.raises(ConfigError, match=r"prompts\.grace_hours"):
        config_from_mapping({"telegram": {"token": "1:x"}, "prompts": {"grace_hours": -1}}, {})


@pytest.mark.parametrize(
    ("zone", "week"),
    [
        ("Europe/Chisinau", ("mon", "tue", "wed", "thu", "fri")),
        ("Europe/Amsterdam", ("mon", "tue", "wed", "thu", "fri")),
        ("Asia/Jerusalem", ("mon", "tue", "wed", "thu", "sun")),
        ("Asia/Riyadh", ("mon", "tue", "wed", "thu", "sun")),
        ("UTC", ("mon", "tue", "wed", "thu", "fri")),
        (None, ("mon", "tue", "wed", "thu", "fri")),
        ("Not/AZone", ("mon", "tue", "wed", "thu", "fri")),
    ],
)
def test_weekdays_follow_the_working_week_of_the_hubs_country(
    zone: str | None, week: tuple[str, ...]
) -> None:
    assert workdays(zone) == week
    assert parse_days("weekdays", zone) == Days("weekly", week)
    with i18n.use_locale("en"):
        assert describe(Recurrence("weekly", "18:00", week), zone).startswith("every weekday")
