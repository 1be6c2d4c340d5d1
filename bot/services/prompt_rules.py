"""The typed schedule of a prompt: ``weekdays|daily|mon,thu|YYYY-MM-DD`` ``HH:MM`` ``<text>``.

Parsing is pure: a date in the past is the service's to refuse (it needs the hub's zone).
``describe`` turns a recurrence into words in the reader's language, with Babel's day names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import NamedTuple

from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.dates import get_day_names

from bot import i18n
from bot.i18n import _

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = WEEKDAYS[:5]  # where nothing says otherwise
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Names people type for days, mapped onto WEEKDAYS (the first three letters also work).
_DAY_ALIASES = {day: day for day in WEEKDAYS} | {
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}


class ScheduleError(ValueError):
    """A typed schedule that cannot be read; ``message`` is a sentence in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Recurrence:
    rule: str  # 'once' | 'daily' | 'weekly'
    at: str  # 'HH:MM'
    weekdays: tuple[str, ...] = ()  # ('mon', 'thu') for 'weekly', in week order
    day: date | None = None  # for 'once'

    @property
    def at_local(self) -> str:
        """The schedules table's ``at_local``: 'YYYY-MM-DD HH:MM' for once, else 'HH:MM'."""
        if self.rule == "once":
            assert self.day is not None
            return f"{self.day.isoformat()} {self.at}"
        return self.at

    @property
    def weekdays_text(self) -> str | None:
        return ",".join(self.weekdays) if self.rule == "weekly" else None

    @classmethod
    def from_schedule(cls, rule: str, at_local: str, weekdays: str | None) -> Recurrence:
        if rule == "once":
            day, at = at_local.split(" ")
            return cls("once", at, (), date.fromisoformat(day))
        if rule == "weekly":
            return cls("weekly", at_local, tuple((weekdays or "").split(",")))
        return cls("daily", at_local)


class Days(NamedTuple):
    """The day part of a schedule: a rule, its weekdays (weekly), its date (once)."""

    rule: str
    weekdays: tuple[str, ...] = ()
    day: date | None = None


def parse_time(text: str) -> str | None:
    """'18:00' → '18:00', '8:05' → '08:05'; None for anything else (25:00, 18:60, 'six')."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def normalize_weekdays(days: set[str] | tuple[str, ...] | list[str]) -> Days:
    """Weekdays in week order; all seven are 'daily'."""
    ordered = tuple(day for day in WEEKDAYS if day in set(days))
    if len(ordered) == len(WEEKDAYS):
        return Days("daily")
    return Days("weekly", ordered)


@cache
def workdays(zone: str | None = None) -> tuple[str, ...]:
    """The working week where ``zone`` is, from CLDR's weekend of its country.

    "Weekdays" in a Holon kindergarten are Sunday to Thursday, in Riyadh too; in Chișinău Monday
    to Friday. A zone with no country (UTC) gets Monday to Friday.
    """
    territory = get_global("zone_territories").get(zone or "")
    if not territory or territory in ("001", "ZZ"):
        return WORKDAYS
    try:
        week = Locale.parse(f"und_{territory}")
        start, end = week.weekend_start, week.weekend_end
    except (ValueError, LookupError, UnknownLocaleError):
        return WORKDAYS
    weekend = {(start + step) % 7 for step in range((end - start) % 7 + 1)}
    return tuple(day for index, day in enumerate(WEEKDAYS) if index not in weekend)


def parse_days(text: str, zone: str | None = None) -> Days:
    """'daily', 'weekdays' (the working week of ``zone``), 'mon,thu' or 'YYYY-MM-DD'.

    Raises ScheduleError.
    """
    word = text.strip().lower()
    if word in ("daily", "everyday", "every-day"):
        return Days("daily")
    if word in ("weekdays", "workdays"):
        return Days("weekly", workdays(zone))
    match = _DATE.fullmatch(word)
    if match:
        try:
            return Days("once", (), date(*(int(part) for part in match.groups())))
        except ValueError:
            raise ScheduleError(
                _("There is no such date: {date}. Write it as year-month-day.", date=text)
            ) from None
    names = [part for part in re.split(r"[,\s]+", word) if part]
    days = []
    for name in names:
        day = _DAY_ALIASES.get(name)
        if day is None:
            raise ScheduleError(
                _(
                    "I don't know the day “{day}”. Use mon, tue, wed, thu, fri, sat, sun, "
                    "“weekdays” or “daily”, or a date like 2026-12-01.",
                    day=name,
                )
            )
        days.append(day)
    if not days:
        raise ScheduleError(_("Say on which days the prompt goes out."))
    return normalize_weekdays(days)


def parse_schedule(args: str, zone: str | None = None) -> tuple[Recurrence, str]:
    """The typed form after /prompt: days, time, text (``zone``: the hub's, for "weekdays").

    Raises ScheduleError.
    """
    parts = args.strip().split(maxsplit=2)
    if len(parts) < 2:
        raise ScheduleError(_("I couldn't read that schedule."))
    days = parse_days(parts[0], zone)
    at = parse_time(parts[1])
    if at is None:
        raise ScheduleError(
            _(
                "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
                time=parts[1],
            )
        )
    text = parts[2].strip() if len(parts) > 2 else ""
    return Recurrence(days.rule, at, days.weekdays, days.day), text


def _time_words(at: str) -> str:
    hour, minute = (int(part) for part in at.split(":"))
    return babel_time(time(hour, minute), "short", locale=i18n.current_locale())


def day_names(width: str = "abbreviated") -> dict[str, str]:
    """WEEKDAYS → the reader's names for them ('Mon' …, 'lun.' …, 'יום ב׳' …)."""
    names = get_day_names(width, context="format", locale=i18n.current_locale())
    return {day: str(names[index]) for index, day in enumerate(WEEKDAYS)}


def describe(recurrence: Recurrence, zone: str | None = None) -> str:
    """'every weekday at 18:00', 'Mon, Thu at 18:00', 'on 1 December 2026 at 18:00'."""
    at = _time_words(recurrence.at)
    if recurrence.rule == "daily":
        return _("every day at {time}", time=at)
    if recurrence.rule == "once":
        assert recurrence.day is not None
        day = babel_date(recurrence.day, "long", locale=i18n.current_locale())
        return _("on {date} at {time}", date=day, time=at)
    if recurrence.weekdays == workdays(zone):
        return _("every weekday at {time}", time=at)
    names = day_names()
    days = ", ".join(names[day] for day in recurrence.weekdays)
    return _("{days} at {time}", days=days, time=at)


def local_start(recurrence: Recurrence) -> datetime | None:
    """For a one-off: its naive local date and time (the service checks it is in the future)."""
    if recurrence.rule != "once" or recurrence.day is None:
        return None
    hour, minute = (int(part) for part in recurrence.at.split(":"))
    return datetime.combine(recurrence.day, time(hour, minute))
