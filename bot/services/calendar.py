"""Calendar files (RFC 5545) for meetings, built with the ``icalendar`` library.

One file describes one meeting under its stable UID: a single VEVENT for a one-off meeting, or
for a series a master VEVENT with an RRULE (weekly or every two weeks, UNTIL in UTC), EXDATE for
the occurrences that were cancelled and an overriding VEVENT (RECURRENCE-ID = the start first
planned) for each one that was moved. A calendar that already holds the meeting updates it:
same UID, a higher SEQUENCE. A cancelled meeting is sent with METHOD:CANCEL and
STATUS:CANCELLED so that calendars remove it; a series cancelled from some date on keeps the
dates already begun and lists the rest as EXDATEs.

Times are written in the meeting's zone (DTSTART;TZID=…) with that zone's VTIMEZONE, so a
weekly series keeps its local time across daylight-saving changes, as the bot's own reminders
do. No ORGANIZER or ATTENDEE: RFC 5545 (3.8.4.3) forbids ORGANIZER on entries that are not
group-scheduled, and people answer in the bot, not by e-mail.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

if TYPE_CHECKING:
    from bot.services.meeting_types import MeetingView, OccurrenceView

PRODID = "-//Mentor Hub//Meetings 1.0//EN"
MEDIA_TYPE = "text/calendar"
FILE_STEM_LIMIT = 60  # characters of the title kept in the file's name
# Windows refuses these names whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(10)}
# Kept in file names: harmless everywhere; Hebrew's geresh and gershayim (ב׳, תשפ״ז), and №.
_NAME_PUNCTUATION = "-_'()+№\u05f3\u05f4"
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A UTC instant as the meeting's wall-clock time, carrying the zone (written with TZID)."""
    return moment.astimezone(zone)


def is_cancelled(meeting: MeetingView, occurrence: OccurrenceView, stamp: datetime) -> bool:
    """Cancelled itself, or with the rest of its meeting (what had already begun stays)."""
    return occurrence.status == "cancelled" or (
        meeting.status == "cancelled" and occurrence.starts_at > stamp
    )


def _sequence(meeting: MeetingView, occurrences: Sequence[OccurrenceView]) -> int:
    """One SEQUENCE for every component: it only grows when the meeting or any occurrence does."""
    return max([meeting.sequence, *(o.sequence for o in occurrences)])


def _describe(event: Event, meeting: MeetingView) -> None:
    """SUMMARY, LOCATION (and URL for a link), DESCRIPTION: the library escapes the text."""
    event.add("summary", meeting.title)
    place = meeting.place.strip()
    if place:
        event.add("location", place)
        if meeting.is_link:
            # A URI is ASCII: anything else in the link is percent-encoded.
            event.add("url", quote(place, safe=_URL_SAFE))
    if meeting.hub_name:
        event.add("description", meeting.hub_name)


def _event(
    meeting: MeetingView,
    start: datetime,
    *,
    stamp: datetime,
    sequence: int,
    cancelled: bool,
) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", (start.astimezone(UTC) + meeting.duration).astimezone(start.tzinfo))
    _describe(event, meeting)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _rule_starts(first: datetime, interval_weeks: int, until: datetime) -> list[datetime]:
    """The starts an RRULE FREQ=WEEKLY from ``first`` gives up to ``until``: same wall clock."""
    zone = first.tzinfo
    wall = first.replace(tzinfo=None)
    starts = []
    while True:
        moment = wall.replace(tzinfo=zone)
        if moment > until:
            return starts
        starts.append(moment)
        wall += timedelta(weeks=interval_weeks)


def _series(
    meeting: MeetingView,
    occurrences: Sequence[OccurrenceView],
    zone: ZoneInfo,
    *,
    stamp: datetime,
    sequence: int,
    cancelled: bool,
) -> list[Event]:
    """The master VEVENT with its RRULE, EXDATEs and RDATEs, then one VEVENT per moved date."""
    ordered = sorted(occurrences, key=lambda o: o.original_start)
    first = _local(ordered[0].original_start, zone)
    last = ordered[-1].original_start.astimezone(UTC)
    master = _event(meeting, first, stamp=stamp, sequence=sequence, cancelled=cancelled)
    # UNTIL is inclusive and, with a DTSTART in a zone, written in UTC (RFC 5545 3.3.10).
    master.add("rrule", {"freq": "weekly", "interval": meeting.repeat_weeks, "until": last})
    by_rule = {s.astimezone(UTC) for s in _rule_starts(first, meeting.repeat_weeks, last)}
    planned = {o.original_start.astimezone(UTC): o for o in ordered}
    # The rule gives exactly the planned dates; should one ever differ (a start that fell in a
    # daylight-saving gap), EXDATE and RDATE make the file say what the bot will do.
    extra = sorted(moment for moment in planned if moment not in by_rule)
    dropped = {moment for moment in by_rule if moment not in planned}
    gone = sorted(dropped | {m for m, o in planned.items() if is_cancelled(meeting, o, stamp)})
    if extra:
        master.add("rdate", [_local(m, zone) for m in extra])
    if gone:
        master.add("exdate", [_local(m, zone) for m in gone])
    if cancelled:
        return [master]  # the whole series goes: overrides would only be noise
    events = [master]
    for occurrence in ordered:
        if (
            is_cancelled(meeting, occurrence, stamp)
            or occurrence.starts_at == occurrence.original_start
        ):
            continue
        moved = _event(
            meeting,
            _local(occurrence.starts_at, zone),
            stamp=stamp,
            sequence=sequence,
            cancelled=False,
        )
        moved.add("recurrence-id", _local(occurrence.original_start, zone))
        events.append(moved)
    return events


def _vtimezone(zone: ZoneInfo, tzid: str, moments: Sequence[datetime]) -> Timezone:
    """The zone's rules over the years the file's times fall in, from the zoneinfo database."""
    first = min(moments).astimezone(zone).year - 1
    last = max(moments).astimezone(zone).year + 2
    return Timezone.from_tzinfo(zone, tzid, date(first, 1, 1), date(last, 1, 1))


def meeting_calendar(
    meeting: MeetingView, occurrences: Sequence[OccurrenceView], *, stamp: datetime
) -> Calendar:
    """The calendar for ``meeting`` and its occurrences (all of a series'), stamped ``stamp``."""
    if not occurrences:
        raise ValueError(f"meeting {meeting.id} has no occurrences")
    zone = ZoneInfo(meeting.timezone)
    sequence = _sequence(meeting, occurrences)
    # The whole file is a CANCEL only when nothing of the meeting is left to keep.
    cancelled = all(is_cancelled(meeting, o, stamp) for o in occurrences)
    if meeting.repeat_weeks and len(occurrences) > 1:
        events = _series(
            meeting, occurrences, zone, stamp=stamp, sequence=sequence, cancelled=cancelled
        )
    else:
        occurrence = occurrences[0]
        events = [
            _event(
                meeting,
                _local(occurrence.starts_at, zone),
                stamp=stamp,
                sequence=sequence,
                cancelled=cancelled,
            )
        ]
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    for event in events:
        calendar.add_component(event)
    # Every TZID used needs its VTIMEZONE, before the events (a zone that is UTC writes "Z").
    if meeting.timezone in calendar.get_missing_tzids():
        moments = [m for o in occurrences for m in (o.starts_at, o.original_start, o.ends_at)]
        calendar.subcomponents.insert(0, _vtimezone(zone, meeting.timezone, moments))
    return calendar


def occurrence_ics(
    meeting: MeetingView, occurrences: Sequence[OccurrenceView], *, stamp: datetime
) -> bytes:
    """The ``.ics`` file's bytes (UTF-8, CRLF lines folded at 75 octets)."""
    return meeting_calendar(meeting, occurrences, stamp=stamp).to_ical()


@dataclass(frozen=True, slots=True)
class CalendarFile:
    data: bytes
    name: str
    cancelled: bool  # METHOD:CANCEL: the whole meeting leaves the calendar


def calendar_file(
    meeting: MeetingView, occurrences: Sequence[OccurrenceView], *, stamp: datetime
) -> CalendarFile:
    """The file to send: its bytes, a safe name from the title, and whether it cancels."""
    calendar = meeting_calendar(meeting, occurrences, stamp=stamp)
    return CalendarFile(
        calendar.to_ical(), file_name(meeting.title), str(calendar["METHOD"]) == "CANCEL"
    )


def file_name(title: str) -> str:
    """``<title>.ics`` safe on every system: letters and digits of any script, spaces, - _ ' ( )."""
    kept = []
    for char in unicodedata.normalize("NFC", title):
        category = unicodedata.category(char)
        if category[0] in "LN" or category in ("Mn", "Mc") or char in _NAME_PUNCTUATION:
            kept.append(char)
        elif char.isspace() or category[0] in "PSZ":
            kept.append(" ")
        # control and format characters (bidi marks among them) are dropped
    stem = " ".join("".join(kept).split())[:FILE_STEM_LIMIT].strip(" -_")
    if not stem or stem.upper() in _RESERVED:
        stem = f"meeting {stem}".strip()
    return f"{stem}.ics"
