"""What the /meeting flow says about durations, dates and offsets, and how it reads typed answers.

Kept apart from the screens (``meeting_screens``) and the steps (``meeting_steps``): the meeting
settings under /hubsettings use the same words for reminder offsets.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from babel.dates import format_date

from bot import i18n
from bot.buttons import button_label
from bot.handlers.flow_words import (  # noqa: F401 - the flow's words, in one place
    date_passed,
    date_too_far,
    date_unreadable,
    parse_date,
    time_passed,
    time_unreadable,
)
from bot.i18n import _, ngettext
from bot.services.meeting_types import MAX_DURATION, MAX_TITLE, MeetingError, check_place

_DURATION = re.compile(r"(?:(\d{1,3})\s*h)?\s*(?:(\d{1,4})\s*(?:m|min)?)?")
_HOURS_MINUTES = re.compile(r"(\d{1,2}):(\d{2})")


def duration_words(minutes: int) -> str:
    """A duration in words: '1 h 30 min', '45 min', '2 h'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("{hours} h {minutes} min", hours=hours, minutes=rest)
    if hours:
        return _("{hours} h", hours=hours)
    return _("{minutes} min", minutes=rest)


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return button_label("{hours} h {minutes} min", hours=hours, minutes=rest)
    if hours:
        return button_label("{hours} h", hours=hours)
    return button_label("{minutes} min", minutes=rest)


def day_label(day: date) -> str:
    return format_date(day, "EEE d MMM", locale=i18n.current_locale())


def long_day(day: date) -> str:
    return format_date(day, "full", locale=i18n.current_locale())


def reminders_words(offsets: list[int]) -> str:
    if not offsets:
        return _("Reminders: none (see /hubsettings).")
    return _(
        "Reminders: {reminders} before (see /hubsettings).",
        reminders=", ".join(offset_words(m) for m in offsets),
    )


def offset_words(minutes: int) -> str:
    """An offset before a meeting in words: '1 week', '1 day', '3 hours', '15 minutes'."""
    if minutes % 10080 == 0:
        return ngettext("{count} week", "{count} weeks", minutes // 10080)
    if minutes % 1440 == 0:
        return ngettext("{count} day", "{count} days", minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("{count} hour", "{count} hours", minutes // 60)
    if minutes < 60:
        return ngettext("{count} minute", "{count} minutes", minutes)
    return duration_words(minutes)


def when_words(start: datetime, zone: str) -> str:
    """A start as the reader reads it in ``zone``: 'Thursday, December 3, 2026, 18:30'."""
    return _(
        "{day}, {time}",
        day=i18n.format_date(start, zone, "full"),
        time=i18n.format_time(start, zone, "short"),
    )


# -- what was wrong with a typed answer or a press


def title_length_problem(length: int, limit: int) -> str:
    if not length:
        return _("The title is empty. Type a short title, e.g. Peer observation.")
    return _(
        "The title has {length} characters; the limit is {limit}. Please shorten it.",
        length=length,
        limit=limit,
    )


def duration_problem(typed: str) -> str:
    return _(
        "“{duration}” is not a duration I can use. Type it like 45m, 1h or 1h30m: more than "
        "0 and at most 24 hours.",
        duration=typed.strip()[:40],
    )


def until_before(start: date) -> str:
    return _(
        "The series cannot end before its first meeting ({date}). Choose a later date.",
        date=start.isoformat(),
    )


def until_too_far() -> str:
    return _("A series can run for a year at most. Choose an earlier last date.")


# -- reading typed answers


def parse_duration(text: str) -> int | None:
    """Minutes of '1h30m', '1h 30min', '75m', '75', '1:30', '2h'; None if unreadable or out of
    range (0, or over 24 hours)."""
    word = text.strip().lower().replace(" ", "")
    clock = _HOURS_MINUTES.fullmatch(word)
    if clock is not None:
        minutes = int(clock.group(1)) * 60 + int(clock.group(2))
    else:
        match = _DURATION.fullmatch(word)
        if match is None or not any(match.groups()):
            return None
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if minutes <= 0 or timedelta(minutes=minutes) > MAX_DURATION:
        return None
    return minutes


def title_problem(text: str) -> str | None:
    length = len(text.strip())
    if not length or length > MAX_TITLE:
        return title_length_problem(length, MAX_TITLE)
    return None


def place_problem(text: str) -> str | None:
    """Why a typed place or link cannot be used: too long, or a link that is not http(s)."""
    try:
        check_place(text)
    except MeetingError as exc:
        return exc.message
    return None


def packed_date(arg: str) -> date | None:
    """A date packed in callback data as YYYYMMDD."""
    return parse_date(f"{arg[:4]}-{arg[4:6]}-{arg[6:]}") if re.fullmatch(r"\d{8}", arg) else None
