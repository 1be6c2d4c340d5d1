"""What the guided flows (/prompt, /meeting) share: reading a typed date, numbering a flow, and
saying what is wrong with a typed date or time in the same words everywhere."""

from __future__ import annotations

import re
import time
from collections.abc import MutableMapping
from datetime import date
from typing import Any

from bot.i18n import _

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def next_flow_number(user_data: MutableMapping[str, Any], key: str) -> int:
    """A new number for a person's flow: buttons of an older flow, or of one from before a
    restart (numbered from a per-start-up base), are then stale."""
    number = int(user_data.get(key, 0) or time.time_ns() // 1000 % 10**9) + 1
    user_data[key] = number
    return number


def parse_date(text: str) -> date | None:
    """'2026-12-03' → a date; None for anything else, 2026-02-30 included."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def date_unreadable(typed: str, example: date) -> str:
    return _(
        "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}.",
        date=typed.strip()[:40],
        example=example.isoformat(),
    )


def date_passed(day: date) -> str:
    return _("{date} has already passed. Choose today or a later date.", date=day.isoformat())


def date_too_far() -> str:
    return _("That date is more than a year away. Choose a date within a year.")


def time_unreadable(typed: str) -> str:
    return _(
        "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
        time=typed.strip()[:40],
    )


def time_passed(at: str, timezone: str) -> str:
    return _(
        "{time} on that day has already passed ({timezone}). Choose a later time.",
        time=at,
        timezone=timezone,
    )
