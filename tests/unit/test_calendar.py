"""Calendar files: built with icalendar, parsed back, and checked against the meeting's instants.

Every check reads the file the way a calendar does: the wall-clock time with its TZID, resolved
through the VTIMEZONE in the file itself (not through Python's zoneinfo), must be the meeting's
instant in UTC; a series is expanded from its RRULE, EXDATEs and overrides.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from bot.services.calendar import PRODID, file_name, occurrence_ics
from bot.services.meeting_types import MeetingView, OccurrenceView

STAMP = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
ZONES = ["Asia/Jerusalem", "Europe/Bucharest", "Europe/Amsterdam"]


def meeting(
    zone: str = "Asia/Jerusalem",
    *,
    title: str = "Peer observation",
    place: str = "Room 12, Holon",
    minutes: int = 90,
    repeat_weeks: int = 0,
    repeat_until: date | None = None,
    sequence: int = 0,
    status: str = "scheduled",
) -> MeetingView:
    return MeetingView(
        id=7,
        hub_id=3,
        hub_name="Holon kindergarten teachers",
        title=title,
        place=place,
        timezone=zone,
        duration=timedelta(minutes=minutes),
        repeat_weeks=repeat_weeks,
        repeat_until=repeat_until,
        uid="meeting-7-8f3a@mentor-hub",
        sequence=sequence,
        status=status,
    )


def occurrence(
    view: MeetingView, local: datetime, number: int = 1, **changes: object
) -> OccurrenceView:
    """An occurrence planned at the naive ``local`` wall-clock time in the meeting's zone."""
    start = local.replace(tzinfo=ZoneInfo(view.timezone)).astimezone(UTC)
    made = OccurrenceView(
        id=100 + number,
        meeting=view,
        starts_at=start,
        original_start=start,
        status="scheduled",
        sequence=0,
        attendance_at=None,
        feedback_at=None,
        starts_local=local.strftime("%Y-%m-%d %H:%M"),
    )
    return dataclasses.replace(made, **changes)


def series(view: MeetingView, first: datetime, count: int) -> list[OccurrenceView]:
    """Weekly (or fortnightly) occurrences at the same local time, as the meeting service plans."""
    step = timedelta(weeks=view.repeat_weeks)
    return [occurrence(view, first + step * n, n + 1) for n in range(count)]


def parse(data: bytes) -> Calendar:
    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75  # folded at 75 octets, never inside a character
        line.decode("utf-8")
    return Calendar.from_ical(data)


def zone_of(calendar: Calendar, tzid: str) -> tzinfo:
    """The zone as the file's own VTIMEZONE defines it."""
    (vtimezone,) = [tz for tz in calendar.timezones if tz.tz_name == tzid]
    return vtimezone.to_tz(lookup_tzid=False)


def instant(calendar: Calendar, event: Event, name: str) -> datetime:
    """A DTSTART/DTEND/RECURRENCE-ID read as a calendar would: wall clock + TZID → UTC."""
    prop = event[name]
    tzid = prop.params["TZID"]
    wall = prop.dt.replace(tzinfo=None)
    return wall.replace(tzinfo=zone_of(calendar, tzid)).astimezone(UTC)


def events(calendar: Calendar) -> list[Event]:
    return calendar.walk("VEVENT")


def expand(calendar: Calendar) -> list[datetime]:
    """Every start of the file's one meeting in UTC: RRULE + RDATE − EXDATE, then overrides."""
    master, *overrides = events(calendar)
    tz = zone_of(calendar, master["DTSTART"].params["TZID"])
    first = master["DTSTART"].dt.replace(tzinfo=None).replace(tzinfo=tz)
    starts = set()
    if "RRULE" in master:
        rule = master["RRULE"].to_ical().decode()
        starts = {s.astimezone(UTC) for s in rrulestr(rule, dtstart=first)}
    else:
        starts = {first.astimezone(UTC)}
    for name, sign in (("RDATE", 1), ("EXDATE", -1)):
        props = master.get(name, [])
        for prop in props if isinstance(props, list) else [props]:
            for moment in prop.dts:
                local = moment.dt.replace(tzinfo=None).replace(tzinfo=tz).astimezone(UTC)
                if sign > 0:
                    starts.add(local)
                else:
                    starts.discard(local)
    for override in overrides:
        assert str(override["UID"]) == str(master["UID"])
        starts.discard(instant(calendar, override, "RECURRENCE-ID"))
        starts.add(instant(calendar, override, "DTSTART"))
    return sorted(starts)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("local", [datetime(2026, 12, 17, 18, 0), datetime(2027, 7, 8, 9, 30)])
def test_one_meeting_at_its_instant_with_tzid_and_vtimezone(zone: str, local: datetime) -> None:
    view = meeting(zone)
    occ = occurrence(view, local)
    calendar = parse(occurrence_ics(view, [occ], stamp=STAMP))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [tz.tz_name for tz in calendar.timezones] == [zone]
    (event,) = events(calendar)
    assert event["DTSTART"].params["TZID"] == zone
    assert event["DTEND"].params["TZID"] == zone
    assert instant(calendar, event, "DTSTART") == occ.starts_at
    assert instant(calendar, event, "DTEND") == occ.starts_at + timedelta(minutes=90)
    assert event["DTSTART"].dt.replace(tzinfo=None) == local  # written as the local time
    assert str(event["UID"]) == view.uid
    assert event["DTSTAMP"].dt == STAMP
    assert event["DTSTAMP"].to_ical().endswith(b"Z")
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Peer observation"
    assert str(event["LOCATION"]) == "Room 12, Holon"
    assert str(event["DESCRIPTION"]) == "Holon kindergarten teachers"
    assert "URL" not in event and "RRULE" not in event
    assert "ORGANIZER" not in event  # not group-scheduled (RFC 5545 3.8.4.3)
    raw = occurrence_ics(view, [occ], stamp=STAMP).decode()
    assert f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}\r\n" in raw


def test_vtimezone_comes_before_the_events_and_covers_both_seasons() -> None:
    view = meeting("Europe/Bucharest")
    calendar = parse(
        occurrence_ics(view, [occurrence(view, datetime(2026, 12, 17, 18))], stamp=STAMP)
    )
    kinds = [c.name for c in calendar.subcomponents]
    assert kinds == ["VTIMEZONE", "VEVENT"]
    (vtimezone,) = calendar.timezones
    assert vtimezone.standard and vtimezone.daylight
    tz = vtimezone.to_tz(lookup_tzid=False)
    assert datetime(2027, 1, 10, 12, tzinfo=tz).utcoffset() == timedelta(hours=2)
    assert datetime(2027, 7, 10, 12, tzinfo=tz).utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(
    ("zone", "first", "weeks", "count"),
    [
        # Clocks go back on 25 October 2026 in Amsterdam and on 30 October in Jerusalem...
        ("Europe/Amsterdam", datetime(2026, 10, 8, 18, 0), 1, 6),
        ("Asia/Jerusalem", datetime(2026, 10, 13, 17, 30), 1, 4),
        # ...and forward on 28 March 2027 in Bucharest (every two weeks here).
        ("Europe/Bucharest", datetime(2027, 3, 4, 19, 0), 2, 5),
    ],
)
def test_a_series_across_a_dst_change_keeps_its_local_time(
    zone: str, first: datetime, weeks: int, count: int
) -> None:
    view = meeting(zone, repeat_weeks=weeks, repeat_until=(first + timedelta(weeks=10)).date())
    occurrences = series(view, first, count)
    calendar = parse(occurrence_ics(view, occurrences, stamp=STAMP))
    (master,) = events(calendar)
    rule = master["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [weeks]
    (until,) = rule["UNTIL"]
    assert until.tzinfo is not None and until.utcoffset() == timedelta(0)  # UNTIL in UTC
    assert b"UNTIL=" in rule.to_ical() and rule.to_ical().split(b"UNTIL=")[1][:16].endswith(b"Z")
    starts = expand(calendar)
    assert starts == [o.starts_at for o in occurrences]
    walls = {s.astimezone(ZoneInfo(zone)).time() for s in starts}
    assert walls == {first.time()}  # the same local time every week
    offsets = {s.astimezone(ZoneInfo(zone)).utcoffset() for s in starts}
    assert len(offsets) == 2  # ... though the UTC time changed with the clocks


def test_a_moved_occurrence_keeps_the_uid_and_raises_the_sequence() -> None:
    view = meeting("Europe/Amsterdam", repeat_weeks=1)
    occurrences = series(view, datetime(2026, 10, 8, 18, 0), 4)
    before = parse(occurrence_ics(view, occurrences, stamp=STAMP))
    third = occurrences[2]
    moved_to = datetime(2026, 10, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    occurrences[2] = dataclasses.replace(third, starts_at=moved_to.astimezone(UTC), sequence=1)
    after = parse(occurrence_ics(view, occurrences, stamp=STAMP + timedelta(hours=1)))
    master, override = events(after)
    assert str(master["UID"]) == str(override["UID"]) == view.uid == str(events(before)[0]["UID"])
    assert master["SEQUENCE"] > events(before)[0]["SEQUENCE"]
    assert override["SEQUENCE"] >= master["SEQUENCE"]
    assert instant(after, override, "RECURRENCE-ID") == third.original_start
    assert instant(after, override, "DTSTART") == moved_to
    assert instant(after, override, "DTEND") == moved_to + timedelta(minutes=90)
    assert str(override["STATUS"]) == "CONFIRMED"
    assert expand(after) == sorted(o.starts_at for o in occurrences)


def test_a_moved_single_meeting_keeps_the_uid_and_raises_the_sequence() -> None:
    view = meeting("Asia/Jerusalem")
    occ = occurrence(view, datetime(2026, 12, 17, 18, 0))
    (before,) = events(parse(occurrence_ics(view, [occ], stamp=STAMP)))
    later = datetime(2026, 12, 18, 9, 0, tzinfo=ZoneInfo("Asia/Jerusalem")).astimezone(UTC)
    moved = dataclasses.replace(occ, starts_at=later, sequence=1)
    calendar = parse(occurrence_ics(view, [moved], stamp=STAMP))
    (after,) = events(calendar)
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert instant(calendar, after, "DTSTART") == later
    assert "RECURRENCE-ID" not in after


def test_a_cancelled_meeting_is_a_cancel_with_status_cancelled() -> None:
    view = meeting("Europe/Bucharest", status="cancelled", sequence=1)
    occ = occurrence(view, datetime(2026, 12, 17, 18, 0), status="cancelled", sequence=1)
    calendar = parse(occurrence_ics(view, [occ], stamp=STAMP))
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = events(calendar)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == view.uid and event["SEQUENCE"] == 1
    assert instant(calendar, event, "DTSTART") == occ.starts_at


def test_a_cancelled_series_cancels_the_whole_series() -> None:
    view = meeting("Europe/Amsterdam", repeat_weeks=2, status="cancelled", sequence=2)
    occurrences = series(view, datetime(2027, 1, 7, 18, 0), 3)
    calendar = parse(occurrence_ics(view, occurrences, stamp=STAMP))
    assert str(calendar["METHOD"]) == "CANCEL"
    (master,) = events(calendar)
    assert str(master["STATUS"]) == "CANCELLED" and "RRULE" in master
    assert "RECURRENCE-ID" not in master


def test_a_series_cancelled_midway_keeps_the_dates_already_past() -> None:
    """The facilitator cancelled the rest of the series: what happened stays in the calendar."""
    view = meeting("Europe/Amsterdam", repeat_weeks=1, status="cancelled", sequence=1)
    occurrences = series(view, datetime(2026, 11, 19, 18, 0), 5)  # 19 Nov ... 17 Dec
    occurrences[3:] = [dataclasses.replace(o, status="cancelled") for o in occurrences[3:]]
    calendar = parse(occurrence_ics(view, occurrences, stamp=STAMP))
    assert str(calendar["METHOD"]) == "PUBLISH"
    (master,) = events(calendar)
    assert master["SEQUENCE"] == 1
    assert expand(calendar) == [o.starts_at for o in occurrences[:3]]


def test_one_cancelled_date_of_a_series_is_an_exdate() -> None:
    view = meeting("Asia/Jerusalem", repeat_weeks=1)
    occurrences = series(view, datetime(2026, 10, 13, 17, 30), 4)
    occurrences[1] = dataclasses.replace(occurrences[1], status="cancelled", sequence=1)
    calendar = parse(occurrence_ics(view, occurrences, stamp=STAMP))
    assert str(calendar["METHOD"]) == "PUBLISH"
    (master,) = events(calendar)
    assert str(master["STATUS"]) == "CONFIRMED"
    assert master["EXDATE"].params["TZID"] == "Asia/Jerusalem"
    assert expand(calendar) == [o.starts_at for i, o in enumerate(occurrences) if i != 1]
    assert master["SEQUENCE"] == 1


@pytest.mark.parametrize(
    "title",
    [
        "Peer observation, part 2; bring notes",
        "Line one\nline two",
        "Back\\slash: \"quoted\" and 'single'",
        "תצפית עמיתים, חלק ב׳; גן 12",
        "ملاحظة الأقران، الجزء الثاني؛ غرفة 12",
        "Наблюдение коллег, часть 2; кабинет 12",
        "Observarea colegilor, ședința a doua — " + "ț" * 80,
    ],
)
def test_titles_are_escaped_and_come_back_unchanged(title: str) -> None:
    view = meeting(title=title, place="Room 12; upstairs, left\nby the garden")
    data = occurrence_ics(view, [occurrence(view, datetime(2026, 12, 17, 18))], stamp=STAMP)
    calendar = parse(data)
    (event,) = events(calendar)
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Room 12; upstairs, left\nby the garden"
    unfolded = data.replace(b"\r\n ", b"").decode()
    assert "LOCATION:Room 12\\; upstairs\\, left\\nby the garden\r\n" in unfolded
    if "," in title:
        assert "\\," in unfolded.split("SUMMARY:")[1].split("\r\n")[0]
    assert "\n" not in unfolded.replace("\r\n", "")  # no raw line break inside a value


def test_a_link_is_the_url_and_the_location() -> None:
    view = meeting(place="https://meet.example.org/peer-observation?room=12")
    (event,) = events(
        parse(occurrence_ics(view, [occurrence(view, datetime(2026, 12, 17, 18))], stamp=STAMP))
    )
    assert str(event["URL"]) == "https://meet.example.org/peer-observation?room=12"
    assert str(event["LOCATION"]) == "https://meet.example.org/peer-observation?room=12"


def test_a_link_with_other_scripts_becomes_an_ascii_uri() -> None:
    view = meeting(place="https://example.org/מפגש?x=1")
    (event,) = events(
        parse(occurrence_ics(view, [occurrence(view, datetime(2026, 12, 17, 18))], stamp=STAMP))
    )
    assert str(event["URL"]) == "https://example.org/%D7%9E%D7%A4%D7%92%D7%A9?x=1"
    assert str(event["LOCATION"]) == "https://example.org/מפגש?x=1"


def test_no_place_means_no_location() -> None:
    view = meeting(place="")
    (event,) = events(
        parse(occurrence_ics(view, [occurrence(view, datetime(2026, 12, 17, 18))], stamp=STAMP))
    )
    assert "LOCATION" not in event and "URL" not in event


def test_a_meeting_without_occurrences_is_refused() -> None:
    with pytest.raises(ValueError, match="no occurrences"):
        occurrence_ics(meeting(), [], stamp=STAMP)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Peer observation", "Peer observation.ics"),
        ("Q&A: 498 mentors / online", "Q A 498 mentors online.ics"),
        ("תצפית עמיתים, גן 12", "תצפית עמיתים גן 12.ics"),
        ("ملاحظة الأقران", "ملاحظة الأقران.ics"),
        ("מפגש ב׳ (תשפ״ז)", "מפגש ב׳ (תשפ״ז).ics"),
        ("Наблюдение: урок №3", "Наблюдение урок №3.ics"),
        ("\u2067Hidden\u2069 marks", "Hidden marks.ics"),
        ("../../etc/passwd", "etc passwd.ics"),
        ("???", "meeting.ics"),
        ("CON", "meeting CON.ics"),
        ("x" * 200, "x" * 60 + ".ics"),
    ],
)
def test_file_names_are_safe(title: str, name: str) -> None:
    assert file_name(title) == name


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_a_hub_on_utc_writes_utc_times_and_no_vtimezone(zone: str) -> None:
    view = meeting(zone, repeat_weeks=1)
    occurrences = series(view, datetime(2027, 1, 7, 18, 0), 3)
    data = occurrence_ics(view, occurrences, stamp=STAMP)
    calendar = parse(data)
    assert calendar.timezones == [] and calendar.get_missing_tzids() == set()
    assert b"DTSTART:20270107T180000Z\r\n" in data
    (master,) = events(calendar)
    first = master["DTSTART"].dt
    rule = master["RRULE"].to_ical().decode()
    assert [s.astimezone(UTC) for s in rrulestr(rule, dtstart=first)] == [
        o.starts_at for o in occurrences
    ]


@pytest.mark.parametrize("zone", [*ZONES, "Asia/Tokyo", "America/Sao_Paulo"])
def test_every_tzid_used_has_its_vtimezone(zone: str) -> None:
    view = meeting(zone, repeat_weeks=2)
    occurrences = series(view, datetime(2027, 1, 7, 18, 0), 3)
    occurrences[1] = dataclasses.replace(occurrences[1], status="cancelled")
    calendar = parse(occurrence_ics(view, occurrences, stamp=STAMP))
    assert calendar.get_used_tzids() == {zone}
    assert calendar.get_missing_tzids() == set()
    assert calendar.subcomponents[0].name == "VTIMEZONE"


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("Europe/Amsterdam", datetime(2027, 3, 28, 1, 30)),  # just before the clocks go forward
        ("Europe/Amsterdam", datetime(2027, 3, 28, 3, 30)),  # just after
        ("Europe/Bucharest", datetime(2027, 3, 28, 4, 30)),
        ("Asia/Jerusalem", datetime(2027, 3, 26, 2, 30)),  # a time that does not exist: 03:30
        ("Europe/Amsterdam", datetime(2026, 10, 25, 2, 30)),  # twice that night: the first
    ],
)
def test_times_on_the_night_the_clocks_change(zone: str, local: datetime) -> None:
    """The file's own VTIMEZONE places each start where the bot does (zoneinfo, fold=0)."""
    view = meeting(zone)
    occ = occurrence(view, local)
    calendar = parse(occurrence_ics(view, [occ], stamp=STAMP))
    (event,) = events(calendar)
    assert instant(calendar, event, "DTSTART") == occ.starts_at
    assert instant(calendar, event, "DTEND") == occ.ends_at
