"""📅 Add to calendar: a member gets the meeting's .ics privately; it parses back to the instant."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from bot.clock import MovableClock
from bot.i18n import format_date, format_time, use_locale
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser
from tests.unit.test_calendar import expand

TITLE = "Peer observation, part 2; bring notes"
PLACE = "Room 12, Holon"
ADD = "📅 Add to calendar"
SENT = (
    "📅 {title}, {date} at {time}. Open this file to add it to your calendar; if the "
    "meeting changes, press the button again to update it."
)
CANCELLED = "❌ {title} is cancelled. Open this file to take it off your calendar."
DATE_CANCELLED = (
    "❌ {title} on {date} at {time} is cancelled. Open this file to take that date off "
    "your calendar."
)
NOT_MEMBER = "Only members of this meeting's hub can add it to their calendar."
GONE = "This meeting no longer exists."
IN_PRIVATE = "I've sent you the calendar file in our private chat."
BLOCKED = "I can't write to you privately. Open our private chat, press Start, then try again."
SORRY = "Sorry, something went wrong. Please try again; if it happens again, tell your facilitator."


@dataclass
class World:
    bot: RunningBot
    clock: MovableClock
    facilitator: SimUser
    group: SimGroup
    members: list[SimUser]
    hub_id: int


async def world(
    start_bot, make_config, telegram: FakeTelegram, zone: str, languages: tuple[str, ...]
) -> World:
    """A hub in ``zone`` whose facilitator and members all opened the private chat."""
    clock = MovableClock(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    bot = await start_bot(make_config(), clock)
    olga = telegram.user("Olga", language_code="en")
    await olga.send("/start")
    group = await make_hub(telegram, olga, "Holon kindergarten teachers")
    await olga.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    members = []
    for index, language in enumerate(languages):
        member = telegram.user(f"Member{index}", language_code=language)
        await member.send(f"/start {code}")
        group.add_member(member)
        members.append(member)
    hub = await bot.services.hubs.for_chat(group.id)
    await bot.services.hubs.set_timezone(hub.id, zone)
    return World(bot, clock, olga, group, members, hub.id)


async def announce(w: World, telegram: FakeTelegram, text: str) -> None:
    await w.facilitator.send(text)
    w.bot.services.delivery.wake()
    await telegram.settle()


def announcement(member: SimUser) -> Msg:
    """The member's latest private message with the calendar button."""
    for message in reversed(member.inbox()):
        if any(
            b.callback_data and b.callback_data.startswith("mc:ics:")
            for r in message.buttons
            for b in r
        ):
            return message
    raise AssertionError(f"{member.first_name} has no meeting message")


def parse(message: Msg) -> tuple[Calendar, Event]:
    assert message.document is not None and message.document["mime_type"] == "text/calendar"
    calendar = Calendar.from_ical(message.file_bytes or b"")
    master = calendar.walk("VEVENT")[0]
    return calendar, master


def start_of(calendar: Calendar, event: Event, name: str = "DTSTART") -> datetime:
    """Wall clock + TZID, resolved through the file's own VTIMEZONE."""
    prop = event[name]
    (vtimezone,) = [t for t in calendar.timezones if t.tz_name == prop.params["TZID"]]
    zone = vtimezone.to_tz(lookup_tzid=False)
    return prop.dt.replace(tzinfo=None).replace(tzinfo=zone).astimezone(UTC)


def caption(locale: str, title: str, moment: datetime, zone: str) -> str:
    with use_locale(locale):
        return tr(
            locale,
            SENT,
            title=title,
            date=format_date(moment, zone, "full"),
            time=format_time(moment, zone),
        )


@pytest.mark.parametrize(
    ("locale", "zone", "reader_zone", "title", "name"),
    [
        (
            "he",
            "Asia/Jerusalem",
            "Asia/Jerusalem",
            "תצפית עמיתים, מפגש ב׳; גן 12",
            "תצפית עמיתים מפגש ב׳ גן 12.ics",
        ),
        (
            "ru",
            "Europe/Bucharest",
            "Europe/Amsterdam",
            "Наблюдение коллег, часть 2; кабинет 5",
            "Наблюдение коллег часть 2 кабинет 5.ics",
        ),
        (
            "ar",
            "Europe/Amsterdam",
            "Asia/Jerusalem",
            TITLE,
            "Peer observation part 2 bring notes.ics",
        ),
    ],
)
async def test_a_member_gets_the_file_and_it_parses_back_to_the_instant(
    start_bot,
    make_config,
    telegram: FakeTelegram,
    locale: str,
    zone: str,
    reader_zone: str,
    title: str,
    name: str,
) -> None:
    w = await world(start_bot, make_config, telegram, zone, (locale,))
    (member,) = w.members
    await member.send(f"/timezone {reader_zone}")
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {title} | {PLACE}")
    await member.press(announcement(member), tr(locale, ADD))

    document = member.last()
    assert document.file_name == name
    instant = datetime(2026, 12, 17, 18, 0, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert document.text == caption(locale, title, instant, reader_zone)
    calendar, event = parse(document)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event["DTSTART"].params["TZID"] == zone
    assert start_of(calendar, event) == instant
    assert start_of(calendar, event, "DTEND") == instant + timedelta(minutes=90)
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == PLACE
    assert str(event["DESCRIPTION"]) == "Holon kindergarten teachers"
    assert str(event["STATUS"]) == "CONFIRMED"
    # Only the member who pressed got a file.
    assert not [m for m in w.facilitator.inbox() if m.document]


async def test_the_meetings_list_offers_the_file_too(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    w = await world(start_bot, make_config, telegram, "Europe/Bucharest", ("ro",))
    (mihai,) = w.members
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {TITLE} | {PLACE}")
    await mihai.send("/meetings")
    card = mihai.last()
    await mihai.press(card, tr("ro", ADD))
    calendar, event = parse(mihai.last())
    instant = datetime(2026, 12, 17, 18, 0, tzinfo=ZoneInfo("Europe/Bucharest")).astimezone(UTC)
    assert start_of(calendar, event) == instant
    assert card.edits == 0  # the card itself is left as it was


async def test_a_press_in_the_group_sends_the_file_privately(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    w = await world(start_bot, make_config, telegram, "Asia/Jerusalem", ("he", "en"))
    noa, sam = w.members
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {TITLE} | {PLACE}")
    # The group post carries the RSVP buttons; a calendar press there (the button mcore may add,
    # or a copied one) must still send the file privately, never into the group.
    post = next(m for m in reversed(w.group.inbox()) if m.buttons)
    occurrence_id = int(announcement(sam).button("📅").callback_data.rsplit(":", 1)[1])
    answer = await noa.press_data(post, f"mc:ics:{occurrence_id}")
    assert answer is not None and answer.text == tr("he", IN_PRIVATE)
    assert noa.last().file_name == "Peer observation part 2 bring notes.ics"
    assert not [m for m in w.group.inbox() if m.document]
    assert not [m for m in sam.inbox() if m.document]


async def test_move_then_cancel_updates_the_same_calendar_entry(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    zone = "Europe/Bucharest"
    w = await world(start_bot, make_config, telegram, zone, ("ro", "ar"))
    mihai, layla = w.members
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {TITLE} | {PLACE}")
    message = announcement(layla)
    await layla.press(message, tr("ar", ADD))
    _calendar, first = parse(layla.last())
    occurrence_id = int(message.button(tr("ar", ADD)).callback_data.rsplit(":", 1)[1])

    services = w.bot.services
    await services.meetings.move(occurrence_id, datetime(2026, 12, 18, 9, 30))
    w.bot.services.delivery.wake()
    await telegram.settle()
    await layla.press_data(message, f"mc:ics:{occurrence_id}")
    calendar, moved = parse(layla.last())
    assert str(moved["UID"]) == str(first["UID"])
    assert moved["SEQUENCE"] > first["SEQUENCE"]
    later = datetime(2026, 12, 18, 9, 30, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert start_of(calendar, moved) == later

    await services.meetings.cancel(occurrence_id, whole_series=True)
    w.bot.services.delivery.wake()
    await telegram.settle()
    await mihai.press_data(announcement(mihai), f"mc:ics:{occurrence_id}")
    document = mihai.last()
    assert document.text == tr("ro", CANCELLED, title=TITLE)
    calendar, cancelled = parse(document)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(first["UID"])
    assert cancelled["SEQUENCE"] > moved["SEQUENCE"]


async def test_a_weekly_series_file_expands_to_the_meetings_dates_across_dst(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    """Weekly at 18:00 in Amsterdam, 2027-03-11 to 2027-04-08: summer time begins on 28 March."""
    zone = "Europe/Amsterdam"
    w = await world(start_bot, make_config, telegram, zone, ("nl",))
    (member,) = w.members
    view = await w.bot.services.meetings.create(
        hub_id=w.hub_id,
        author_id=w.facilitator.id,
        title="Intervisie",
        place="https://meet.example.org/intervisie",
        starts_local=datetime(2027, 3, 11, 18, 0),
        duration=timedelta(hours=1),
        repeat_weeks=1,
        repeat_until=date(2027, 4, 8),
    )
    w.bot.services.delivery.wake()
    await telegram.settle()
    await member.press(announcement(member), tr("nl", ADD))
    calendar, master = parse(member.last())
    assert str(master["URL"]) == "https://meet.example.org/intervisie"
    vtimezone = calendar.timezones[0].to_tz(lookup_tzid=False)
    first = master["DTSTART"].dt.replace(tzinfo=None).replace(tzinfo=vtimezone)
    rule = master["RRULE"].to_ical().decode()
    starts = [s.astimezone(UTC) for s in rrulestr(rule, dtstart=first)]
    planned = [o.starts_at for o in await w.bot.services.meetings.occurrences(view.id)]
    assert starts == planned and len(starts) == 5
    assert {s.astimezone(ZoneInfo(zone)).hour for s in starts} == {18}
    assert {s.hour for s in starts} == {17, 16}  # 18:00 CET, then 18:00 CEST

    # The facilitator moves the series from its second meeting on to 19:30: each later date
    # becomes an override of its planned date, still at the local time across the change.
    planned_occurrences = await w.bot.services.meetings.occurrences(view.id)
    second = planned_occurrences[1]
    await w.bot.services.meetings.move(second.id, datetime(2027, 3, 18, 19, 30), whole_series=True)
    w.bot.services.delivery.wake()
    await telegram.settle()
    await member.press_data(announcement(member), f"mc:ics:{second.id}")
    calendar, moved_master = parse(member.last())
    assert str(moved_master["UID"]) == str(master["UID"])
    assert moved_master["SEQUENCE"] > master["SEQUENCE"]
    now_planned = [o.starts_at for o in await w.bot.services.meetings.occurrences(view.id)]
    assert expand(calendar) == now_planned
    local = [s.astimezone(ZoneInfo(zone)).strftime("%H:%M") for s in now_planned]
    assert local == ["18:00", "19:30", "19:30", "19:30", "19:30"]


async def test_one_cancelled_date_of_a_series_leaves_the_rest(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    zone = "Asia/Jerusalem"
    w = await world(start_bot, make_config, telegram, zone, ("he",))
    (noa,) = w.members
    services = w.bot.services
    view = await services.meetings.create(
        hub_id=w.hub_id,
        author_id=w.facilitator.id,
        title="מפגש עמיתים",
        place="חדר 12, חולון",
        starts_local=datetime(2026, 12, 10, 17, 0),
        duration=timedelta(minutes=45),
        repeat_weeks=2,
        repeat_until=date(2027, 1, 21),
    )
    occurrences = await services.meetings.occurrences(view.id)
    assert len(occurrences) == 4
    second = occurrences[1]
    await services.meetings.cancel(second.id)
    services.delivery.wake()
    await telegram.settle()
    answer = await noa.press_data(announcement(noa), f"mc:ics:{second.id}")
    assert answer is not None and answer.text is None
    document = noa.last()
    with use_locale("he"):
        expected = tr(
            "he",
            DATE_CANCELLED,
            title="מפגש עמיתים",
            date=format_date(second.starts_at, zone, "full"),
            time=format_time(second.starts_at, zone),
        )
    assert document.text == expected
    calendar, master = parse(document)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(master["STATUS"]) == "CONFIRMED"
    assert str(master["LOCATION"]) == "חדר 12, חולון"
    vtimezone = calendar.timezones[0].to_tz(lookup_tzid=False)
    first = master["DTSTART"].dt.replace(tzinfo=None).replace(tzinfo=vtimezone)
    rules = rrulestr(master["RRULE"].to_ical().decode(), dtstart=first)
    excluded = {
        d.dt.replace(tzinfo=None).replace(tzinfo=vtimezone).astimezone(UTC)
        for d in master["EXDATE"].dts
    }
    starts = [s.astimezone(UTC) for s in rules if s.astimezone(UTC) not in excluded]
    assert starts == [o.starts_at for o in occurrences if o.id != second.id]


@pytest.mark.telegram_errors(403)
async def test_a_member_who_blocked_the_bot_is_told_why_no_file_came(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    w = await world(start_bot, make_config, telegram, "Asia/Jerusalem", ("he", "en"))
    noa, sam = w.members
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {TITLE} | {PLACE}")
    occurrence_id = int(announcement(sam).button("📅").callback_data.rsplit(":", 1)[1])
    await noa.block()
    post = next(m for m in reversed(w.group.inbox()) if m.buttons)
    answer = await noa.press_data(post, f"mc:ics:{occurrence_id}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("he", BLOCKED)
    assert not [m for m in w.group.inbox() if m.document]


async def test_forged_presses_are_refused_clearly(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    w = await world(start_bot, make_config, telegram, "Asia/Jerusalem", ("he",))
    (noa,) = w.members
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {TITLE} | {PLACE}")
    occurrence_id = int(announcement(noa).button("📅").callback_data.rsplit(":", 1)[1])

    # Someone from another hub (who opened the private chat) forges the button.
    stranger = telegram.user("Stranger", language_code="ar")
    await stranger.send("/start")
    answer = await stranger.press_data(stranger.last(), f"mc:ics:{occurrence_id}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("ar", NOT_MEMBER)
    assert not [m for m in stranger.inbox() if m.document]

    # A network admin may, member or not.
    ada = telegram.user("Ada", user_id=ADMIN_ID)
    await ada.send("/start")
    await ada.press_data(ada.last(), f"mc:ics:{occurrence_id}")
    assert ada.last().file_name == "Peer observation part 2 bring notes.ics"

    answer = await noa.press_data(announcement(noa), "mc:ics:987654")
    assert answer is not None and answer.text == tr("he", GONE)
    answer = await noa.press_data(announcement(noa), "mc:ics:-1")
    assert answer is not None and answer.text == tr("he", "This button is no longer valid.")
    answer = await noa.press_data(announcement(noa), "mc:zip:1")
    assert answer is not None and answer.text == tr("he", "This button is no longer valid.")
    assert not [m for m in noa.inbox() if m.document]


@pytest.mark.telegram_errors(429)
async def test_a_press_is_answered_when_telegram_refuses_the_file(
    start_bot, make_config, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    w = await world(start_bot, make_config, telegram, "Asia/Jerusalem", ("he", "en"))
    noa, sam = w.members
    await announce(w, telegram, f"/meeting 2026-12-17 18:00 90m {TITLE} | {PLACE}")
    occurrence_id = int(announcement(sam).button("📅").callback_data.rsplit(":", 1)[1])
    post = next(m for m in reversed(w.group.inbox()) if m.buttons)
    # Noa's private chat is out of budget for a while: Telegram answers 429.
    telegram.limits.private_per_second = 0.01
    caplog.set_level(logging.INFO)
    answer = await noa.press_data(post, f"mc:ics:{occurrence_id}")
    assert telegram.rejected_429 == 1
    assert answer is not None and answer.show_alert
    assert answer.text == tr("he", SORRY)
    # Answered by the button itself, not by the last-resort error handler (no error logged).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [m for m in w.group.inbox() if m.document]
