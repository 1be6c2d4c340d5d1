"""Meetings as the rest of the bot sees them: views, counts, limits, errors, typed-form parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.i18n import _

MAX_TITLE = 120
MAX_PLACE = 300
MAX_DURATION = timedelta(hours=24)
MAX_SERIES = timedelta(days=366)
ANSWERS = ("yes", "maybe", "no")
# Callback letters of the answers: mt:r:<occurrence>:<y|m|n>.
LETTERS = {"y": "yes", "m": "maybe", "n": "no"}
LETTER_OF = {answer: letter for letter, answer in LETTERS.items()}


class MeetingError(Exception):
    """Bad input or a refused action; ``message`` is localised for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class MeetingView:
    id: int
    hub_id: int
    hub_name: str
    title: str
    place: str
    timezone: str
    duration: timedelta
    repeat_weeks: int
    repeat_until: date | None
    uid: str
    sequence: int
    status: str  # scheduled | cancelled

    @property
    def is_link(self) -> bool:
        return is_link(self.place)


@dataclass(frozen=True, slots=True)
class OccurrenceView:
    id: int
    meeting: MeetingView
    starts_at: datetime  # UTC, aware
    original_start: datetime  # UTC, as first planned (iCalendar RECURRENCE-ID)
    status: str  # scheduled | cancelled (the meeting's cancellation counts too)
    sequence: int
    attendance_at: datetime | None
    feedback_at: datetime | None
    starts_local: str = ""  # 'YYYY-MM-DD HH:MM' in the meeting's zone

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.meeting.duration

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled" or self.meeting.status == "cancelled"


@dataclass(frozen=True, slots=True)
class RsvpCounts:
    yes: int = 0
    maybe: int = 0
    no: int = 0


@dataclass(frozen=True, slots=True)
class Attendee:
    """A member as the facilitator's lists show them."""

    id: int
    name: str


def is_link(place: str) -> bool:
    return bool(re.match(r"https?://\S+$", place.strip(), re.IGNORECASE))


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//)?\S")


def check_place(place: str) -> str:
    """A place or an http(s) link; a link with another scheme (ftp:, javascript:) is refused."""
    place = place.strip()
    if len(place) > MAX_PLACE:
        raise MeetingError(
            _("The place is too long: at most {limit} characters, please.", limit=MAX_PLACE)
        )
    lowered = place.lower()
    # "Room 12: upstairs" is a place, "tg://…" or "javascript:…" is a link we refuse.
    if (
        _SCHEME.match(place)
        and not lowered.startswith(("http://", "https://"))
        and ("://" in place or lowered.startswith(("javascript:", "data:", "file:", "mailto:")))
    ):
        raise MeetingError(_("A link must start with http:// or https://."))
    if lowered.startswith(("http://", "https://")) and not is_link(place):
        raise MeetingError(_("That link doesn't look right: a link has no spaces."))
    return place


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise MeetingError(_("The meeting needs a title."))
    if len(title) > MAX_TITLE:
        raise MeetingError(
            _("The title is too long: at most {limit} characters, please.", limit=MAX_TITLE)
        )
    return title


_DURATION = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,4})m(?:in)?)?$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta | None:
    """'45m', '1h', '1h30m', '90m', '90' → a timedelta; None when it does not read as one."""
    text = text.strip().replace(" ", "")
    if text.isdigit():
        return timedelta(minutes=int(text))
    match = _DURATION.match(text)
    if not match or not any(match.groups()):
        return None
    hours, minutes = (int(part) if part else 0 for part in match.groups())
    return timedelta(hours=hours, minutes=minutes)


def check_duration(duration: timedelta) -> timedelta:
    if duration <= timedelta(0) or duration > MAX_DURATION:
        raise MeetingError(_("A meeting lasts between 1 minute and 24 hours."))
    return duration


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise MeetingError(
            _("{value} is not a date. Write it as YYYY-MM-DD, e.g. 2026-12-03.", value=text)
        ) from None


def parse_time(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise MeetingError(_("{value} is not a time. Write it as HH:MM, e.g. 18:00.", value=text))
    return int(match[1]), int(match[2])


def parse_local(day: str, time: str) -> datetime:
    """'YYYY-MM-DD' and 'HH:MM' → a naive local datetime (MeetingError when impossible)."""
    when = parse_date(day)
    hour, minute = parse_time(time)
    return datetime(when.year, when.month, when.day, hour, minute)


@dataclass(frozen=True, slots=True)
class TypedMeeting:
    starts_local: datetime
    duration: timedelta
    title: str
    place: str


def parse_typed(text: str) -> TypedMeeting:
    """``2026-12-03 18:00 90m Peer observation | Room 12, Holon`` (MeetingError when wrong)."""
    head, _sep, place = text.partition("|")
    parts = head.split(maxsplit=3)
    if len(parts) < 4:
        raise MeetingError(_("Something is missing: the date, the time, the duration, the title."))
    day, time, length, title = parts
    starts = parse_local(day, time)
    duration = parse_duration(length)
    if duration is None:
        raise MeetingError(
            _("{value} is not a duration. Write e.g. 45m, 1h, 1h30m or 90m.", value=length)
        )
    return TypedMeeting(starts, check_duration(duration), check_title(title), check_place(place))
