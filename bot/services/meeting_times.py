"""Meeting times: local wall-clock times in the meeting's zone, their UTC instants, series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import _
from bot.services.meeting_types import MAX_SERIES, MeetingError, OccurrenceView


def to_utc(local: datetime, zone: str) -> datetime:
    """A naive local time in ``zone`` as a UTC instant (a time in a DST gap moves forward)."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def local_text(local: datetime) -> str:
    return local.strftime("%Y-%m-%d %H:%M")


def local_from_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def planned_local(occurrence: OccurrenceView, zone: str) -> datetime:
    """The occurrence's local start as first planned (naive, in the meeting's zone)."""
    return occurrence.original_start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def parse_offsets(text: str | None) -> list[int]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit() and 0 < int(part) <= 60 * 24 * 60:
            out.append(int(part))
    return sorted(set(out), reverse=True)


def series(start: datetime, weeks: int, until: date | None) -> list[datetime]:
    if not weeks or until is None:
        return [start]
    if weeks not in (1, 2):
        raise MeetingError(_("A series repeats every week or every 2 weeks."))
    if until < start.date():
        raise MeetingError(_("The series must end on or after its first meeting."))
    if until - start.date() > MAX_SERIES:
        raise MeetingError(_("A series can last at most a year."))
    out, local = [], start
    while local.date() <= until:
        out.append(local)  # the same wall-clock time every week, whatever the offset
        local += timedelta(weeks=weeks)
    return out
