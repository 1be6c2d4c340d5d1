"""The guided /meeting flow: a facilitator plans a meeting by buttons or typing; it goes out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import MovableClock
from bot.handlers import meeting_screens as screens
from bot.handlers import meeting_words as words
from bot.handlers.meeting_words import parse_duration, place_problem
from bot.i18n import BIDI_MARKS, use_locale
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import make_hub
from tests.e2e.test_prompt_flow import MONDAY_NOON, hub_with_members, label, running
from tests.fakebot import FakeTelegram, Msg, SimUser

HUB = "Chisinau mentors"
ZONE = "Europe/Chisinau"  # UTC+2 in winter; MONDAY_NOON is 12:00 there on Mon 23 Nov 2026
TODAY = date(2026, 11, 23)

UNTIL = "<b>Until when?</b> Choose the last date, or type it as year-month-day, e.g. {example}."


def flow_of(message: Msg) -> int:
    """The flow number the message's buttons carry (``mw:<flow>:...``)."""
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("mw:"):
                return int(button.callback_data.split(":")[1])
    raise AssertionError("no flow button")


def day_button(locale: str, day: date) -> str:
    with use_locale(locale):
        return words.day_label(day)


def duration_button(locale: str, minutes: int) -> str:
    with use_locale(locale):
        return words.duration_label(minutes)


def until_button(locale: str, day: date) -> str:
    from babel.dates import format_date

    return label(locale, "Until {date}", date=format_date(day, "d MMM", locale=locale))


def announcements(user: SimUser, title: str) -> list[Msg]:
    return [m for m in user.inbox() if title in m.text and "mt:r:" in str(m.reply_markup)]


async def deliver(bot: RunningBot, telegram: FakeTelegram) -> None:
    bot.services.delivery.wake()
    await telegram.settle()


async def count_meetings(bot: RunningBot) -> int:
    return len(await bot.services.db.fetch_all("SELECT id FROM meetings"))


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_whole_flow_by_buttons_announces_to_members(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, group, (mihai, noa) = await hub_with_members(telegram, locale, ("ro", "he"))
    await olga.send("/meeting")
    screen = olga.last()
    assert tr(locale, "<b>New meeting for {hub}</b>", hub=HUB) in screen.text
    await olga.send("Peer observation")
    screen = olga.last()
    assert (
        tr(
            locale,
            "<b>On which date?</b> Choose one, or type it as year-month-day, e.g. {example}.",
            example="2026-11-30",
        )
        in screen.text
    )
    dates = [b for row in screen.buttons for b in row if b.callback_data.split(":")[2] == "d"]
    assert len(dates) == screens.DATE_BUTTONS
    # Today is offered (14:00 and later are left), then the 13 days after.
    assert {b.callback_data.rsplit(":", 1)[1] for b in dates} == {
        (TODAY + timedelta(days=n)).strftime("%Y%m%d") for n in range(14)
    }
    await olga.press(screen, day_button(locale, date(2026, 11, 25)))
    assert "09:00" in [b.text for row in screen.buttons for b in row]
    await olga.press(screen, "18:00")
    await olga.press(screen, duration_button(locale, 90))
    await olga.send("https://meet.example.org/peer")
    screen = olga.last()
    await olga.press(screen, label(locale, "Once"))
    assert tr(locale, "<b>Preview of the meeting</b>") in screen.text
    assert tr(locale, "Title: {title}", title="Peer observation") in screen.text
    assert tr(locale, "Where: {place}", place="https://meet.example.org/peer") in screen.text
    with use_locale(locale):
        assert words.duration_words(90) in screen.text
        assert screens.repeat_words(screens.Draft(0, repeat_weeks=0)) in screen.text
    assert announcements(mihai, "Peer observation") == []

    flow = flow_of(screen)
    await olga.press(screen, label(locale, "✅ Confirm"))
    assert tr(locale, "Saved. The meeting “{title}” is announced.", title="Peer observation") in (
        screen.text
    )
    answer = await olga.press_data(screen, f"mw:{flow}:ok")
    assert answer is not None and answer.text == tr(locale, "This button is no longer valid.")
    assert await count_meetings(bot) == 1
    await deliver(bot, telegram)
    assert len(announcements(mihai, "Peer observation")) == 1
    assert len(announcements(noa, "Peer observation")) == 1
    meetings = bot.services.meetings
    (occurrence,) = await meetings.occurrences(
        (await bot.services.db.fetch_one("SELECT id FROM meetings"))[0]
    )
    assert occurrence.starts_at == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    assert occurrence.meeting.duration == timedelta(minutes=90)
    assert occurrence.meeting.place == "https://meet.example.org/peer"
    assert any("Peer observation" in m.text for m in group.inbox())


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_typed_weekly_series(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, (mihai,) = await hub_with_members(telegram, locale, ("ru",))
    await olga.send("/timezone Europe/London")  # the preview shows her own time too
    await olga.send("/meeting")
    await olga.send("  Lesson   study  ")
    await olga.send("2026-12-03")
    await olga.send("18:30")
    await olga.send("1h15m")
    await olga.send("Room 12, Holon")
    screen = olga.last()
    await olga.press(screen, label(locale, "Every week"))
    assert until_button(locale, date(2026, 12, 24)) in [b.text for r in screen.buttons for b in r]
    await olga.send("2027-01-14")
    preview = olga.last()
    with use_locale(locale):
        draft = screens.Draft(0, day=date(2026, 12, 3), repeat_weeks=1, until=date(2027, 1, 14))
        assert screens.repeat_words(draft) in preview.text
        assert words.duration_words(75) in preview.text
    assert draft.occurrences() == 7
    assert tr(locale, "Title: {title}", title="Lesson study") in preview.text
    assert "Europe/London" in preview.text and ZONE in preview.text
    assert "4:30" in preview.text  # her own time: 16:30 in London
    await olga.press(preview, label(locale, "✅ Confirm"))
    row = await bot.services.db.fetch_one("SELECT id, repeat_weeks, repeat_until FROM meetings")
    assert (row[1], row[2]) == (1, "2027-01-14")
    occurrences = await bot.services.meetings.occurrences(row[0])
    assert len(occurrences) == 7
    assert occurrences[0].starts_at == datetime(2026, 12, 3, 16, 30, tzinfo=UTC)
    assert occurrences[-1].starts_at == datetime(2027, 1, 14, 16, 30, tzinfo=UTC)
    await deliver(bot, telegram)
    assert announcements(mihai, "Lesson study")


async def test_every_two_weeks_by_quick_until(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, _members = await hub_with_members(telegram, "en", ("en",))
    await olga.send("/meeting")
    await olga.send("Circle")
    screen = olga.last()
    await olga.press(screen, day_button("en", date(2026, 11, 24)))
    await olga.press(screen, "10:00")
    await olga.press(screen, duration_button("en", 60))
    await olga.press(screen, label("en", "Skip: no place yet"))
    await olga.press(screen, label("en", "Every 2 weeks"))
    await olga.press(screen, until_button("en", date(2027, 1, 5)))  # the 4th meeting
    assert tr("en", "Where: not set yet") in screen.text
    assert "Every 2 weeks until Jan 5, 2027 (4 meetings)" in screen.text
    # ◀ Back from the preview goes to the last date, then to the repeats.
    await olga.press(screen, label("en", "◀ Back"))
    assert tr("en", UNTIL, example="@").split("@")[0] in screen.text
    await olga.press(screen, label("en", "◀ Back"))
    assert "Does it repeat?" in screen.text
    await olga.press(screen, label("en", "◀ Back"))
    assert "Where?" in screen.text
    await olga.send("Library, 2nd floor")  # a place after all: the draft is complete again
    screen = olga.last()
    assert "Preview of the meeting" in screen.text
    assert "Where: Library, 2nd floor" in screen.text
    await olga.press(screen, label("en", "✅ Confirm"))
    assert await count_meetings(bot) == 1
    row = await bot.services.db.fetch_one("SELECT place, repeat_weeks FROM meetings")
    assert tuple(row) == ("Library, 2nd floor", 2)


BAD_TYPED = [
    (
        "title",
        "x" * 121,
        "The title has {length} characters; the limit is {limit}. Please shorten it.",
    ),
    (
        "date",
        "2026-02-30",
        "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}.",
    ),
    (
        "date",
        "tomorrow",
        "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}.",
    ),
    ("date", "2026-11-20", "{date} has already passed. Choose today or a later date."),
    ("date", "2028-01-01", "That date is more than a year away. Choose a date within a year."),
    ("time", "11:00", "{time} on that day has already passed ({timezone}). Choose a later time."),
    ("time", "25:00", "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59."),
    ("duration", "0m", None),
    ("duration", "25h", None),
    ("duration", "soon", None),
    ("place", "ftp://files.example.org", "A link must start with http:// or https://."),
    ("place", "y" * 301, "The place is too long: at most {limit} characters, please."),
]


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_every_bad_typed_answer_is_refused_clearly(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, _members = await hub_with_members(telegram, locale, ("ro",))
    await olga.send("/meeting")
    good = {
        "title": "Peer observation",
        "date": TODAY.isoformat(),
        "time": "18:00",
        "duration": "45m",
        "place": "Room 12",
    }
    params = {
        "length": 121,
        "limit": 120,
        "date": "",
        "example": "2026-11-30",
        "time": "",
        "timezone": ZONE,
    }
    step_order = ["title", "date", "time", "duration", "place"]
    for step in step_order:
        for bad_step, typed, message in BAD_TYPED:
            if bad_step != step:
                continue
            await olga.send(typed)
            shown = olga.last().text
            if message is None:
                with use_locale(locale):
                    expected = words.duration_problem(typed)
                assert expected.replace("<b>", "").replace("</b>", "") in shown
                continue
            values = dict(params)
            values["date"] = values["time"] = typed
            if step == "place":
                values["limit"] = 300
            assert tr(locale, message, **values) in shown, (typed, shown)
        await olga.send(good[step])
    screen = olga.last()
    await olga.press(screen, label(locale, "Every week"))
    for typed, message, values in (
        (
            "2026-11-16",
            "The series cannot end before its first meeting ({date}). Choose a later date.",
            {"date": TODAY.isoformat()},
        ),
        ("2027-12-01", "A series can run for a year at most. Choose an earlier last date.", {}),
        (
            "2027-02-29",
            "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}.",
            {"date": "2027-02-29", "example": "2027-01-18"},
        ),
    ):
        await olga.send(typed)
        assert tr(locale, message, **values) in olga.last().text
    assert await count_meetings(bot) == 0


async def test_forged_and_stale_presses(start_bot, make_config, telegram: FakeTelegram) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, _members = await hub_with_members(telegram, "en", ("ro",))
    await olga.send("/meeting")
    await olga.send("Peer observation")
    screen = olga.last()
    flow = flow_of(screen)
    stale = tr("en", "This button is no longer valid.")
    for data in (
        f"mw:{flow}:d:20260230",  # no such day
        f"mw:{flow}:d:2026112",
        f"mw:{flow}:t:1800",  # no date yet
        f"mw:{flow}:m:60",  # no time yet
        f"mw:{flow}:r:1",
        f"mw:{flow}:u:20261201",
        f"mw:{flow}:ok",
        f"mw:{flow}:zz",
        f"mw:{flow}:until",
        f"mw:{flow + 1}:d:20261124",  # another flow
        f"mw:{flow}:hub:1",  # the hub is chosen already
        "mw:x:d:20261124",
    ):
        answer = await olga.press_data(screen, data)
        assert answer is not None and answer.text == stale, data
    # A past date's button (left from yesterday) says why.
    answer = await olga.press_data(screen, f"mw:{flow}:d:20261122")
    assert answer is not None and answer.show_alert
    assert answer.text == tr(
        "en", "{date} has already passed. Choose today or a later date.", date="2026-11-22"
    )
    await olga.press(screen, day_button("en", TODAY))
    for data in (f"mw:{flow}:t:1830", f"mw:{flow}:t:2500", f"mw:{flow}:m:60"):
        answer = await olga.press_data(screen, data)
        assert answer is not None and answer.text == stale, data
    answer = await olga.press_data(screen, f"mw:{flow}:t:0900")  # gone by today
    assert answer is not None and answer.text == tr(
        "en",
        "{time} on that day has already passed ({timezone}). Choose a later time.",
        time="09:00",
        timezone=ZONE,
    )
    await olga.press(screen, "18:00")
    for data in (f"mw:{flow}:m:50", f"mw:{flow}:m:x", f"mw:{flow}:p:keep", f"mw:{flow}:r:3"):
        answer = await olga.press_data(screen, data)
        assert answer is not None and answer.text == stale, data
    await olga.press(screen, duration_button("en", 45))
    await olga.send("Room 12")
    screen = olga.last()
    await olga.press(screen, label("en", "Once"))
    # The preview waited while the time went by: Confirm asks for a new time.
    clock.set(datetime(2026, 11, 23, 16, 1, tzinfo=UTC))
    await olga.press(screen, label("en", "✅ Confirm"))
    assert (
        tr(
            "en",
            "{time} on that day has already passed ({timezone}). Choose a later time.",
            time="18:00",
            timezone=ZONE,
        )
        in screen.text
    )
    assert await count_meetings(bot) == 0
    await olga.press(screen, "19:00")
    assert tr("en", "<b>Preview of the meeting</b>") in screen.text
    await olga.press(screen, label("en", "✖ Cancel"))
    assert screen.text == tr("en", "Cancelled. No meeting was made.")
    assert screen.buttons == []
    answer = await olga.press_data(screen, f"mw:{flow}:ok")
    assert answer is not None and answer.text == stale
    await olga.send("Typed after the cancel")  # not read as anything by the flow
    assert await count_meetings(bot) == 0


async def test_members_are_refused_and_demotion_stops_the_flow(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, group, (mihai, noa) = await hub_with_members(telegram, "en", ("ru", "he"))
    await mihai.send("/meeting")
    assert mihai.last().text == tr("ru", "Only facilitators can do that.")

    await olga.send(f"/promote {noa.id}", chat=group)
    await noa.send("/meeting")
    await noa.send("Written while still a facilitator")
    screen = noa.last()
    await olga.send(f"/demote {noa.id}", chat=group)
    answer = await noa.press(screen, day_button("he", date(2026, 11, 24)))
    assert answer is not None and answer.show_alert
    assert answer.text == tr("he", "Only this hub's facilitators can do that.")
    await noa.send("2026-11-24")  # the flow ended with the refusal: nothing reads this
    answer = await noa.press_data(screen, f"mw:{flow_of(screen)}:ok")
    assert answer is not None and answer.show_alert
    assert await count_meetings(bot) == 0


async def test_several_hubs_and_a_network_admin(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, _members = await hub_with_members(telegram, "en", ("en",))
    await make_hub(telegram, olga, "Balti mentors")
    petru = telegram.user("Petru", language_code="en")
    await make_hub(telegram, petru, "Orhei mentors")
    rows = await bot.services.db.fetch_all("SELECT id FROM hubs WHERE name = 'Orhei mentors'")
    await olga.send("/meeting")
    screen = olga.last()
    assert "Which hub is the meeting for?" in screen.text
    assert "Orhei mentors" not in str(screen.buttons)
    # A forged press for a hub she does not run: refused, and the flow ends.
    answer = await olga.press_data(screen, f"mw:{flow_of(screen)}:hub:{rows[0][0]}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("en", "Only this hub's facilitators can do that.")
    answer = await olga.press(screen, "Balti mentors")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    await olga.send("/meeting")
    screen = olga.last()
    await olga.press(screen, "Balti mentors")
    assert "New meeting for Balti mentors" in screen.text
    await olga.press(screen, label("en", "◀ Back"))  # choose again
    await olga.press(screen, HUB)
    assert f"New meeting for {HUB}" in screen.text

    admin = telegram.user("Admin", language_code="en", user_id=ADMIN_ID)
    await admin.send("/start")
    await admin.send("/meeting")
    hubs = [b.text for row in admin.last().buttons for b in row]
    assert {HUB, "Balti mentors"} <= set(hubs)
    await admin.press(admin.last(), "Balti mentors")
    await admin.send("From the network")
    assert "On which date?" in admin.last().text
    assert await count_meetings(bot) == 0


def test_parsers() -> None:
    assert parse_duration("1h30m") == 90
    assert parse_duration("1h 30min") == 90
    assert parse_duration("75m") == 75
    assert parse_duration("75") == 75
    assert parse_duration("2h") == 120
    assert parse_duration("1:30") == 90
    assert parse_duration("24h") == 1440
    assert parse_duration("24h1m") is None
    assert parse_duration("0") is None
    assert parse_duration("h") is None
    assert place_problem("Room 12: upstairs") is None
    assert place_problem("www.example.org") is None
    assert place_problem("https://zoom.us/j/123") is None
    assert place_problem("javascript:alert(1)") is not None
    assert place_problem("tg://resolve?domain=x") is not None
    assert BIDI_MARKS


async def test_going_back_to_change_the_date_keeps_what_still_fits(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, _members = await hub_with_members(telegram, "he", ("ru",))
    await olga.send("/meeting")
    await olga.send("Mentoring circle")
    await olga.send("2026-11-26")
    await olga.send("17:00")
    await olga.send("2h")
    await olga.send("https://meet.example.org/circle")
    screen = olga.last()
    await olga.press(screen, label("he", "Every week"))
    await olga.send("2026-12-10")  # three meetings
    screen = olga.last()
    assert tr("he", "<b>Preview of the meeting</b>") in screen.text
    # Back to the place (past the last date and the repeats): Keep it returns to the preview.
    for _step in range(3):
        await olga.press(screen, label("he", "◀ Back"))
    assert "https://meet.example.org/circle" in screen.text
    await olga.press(screen, label("he", "Keep it ▶"))
    assert tr("he", "<b>Preview of the meeting</b>") in screen.text
    # A later first date than the series' last one: the time, then the last date are asked.
    await olga.press(screen, label("he", "◀ Back"))  # until
    await olga.press(screen, label("he", "◀ Back"))  # repeats
    await olga.press(screen, label("he", "◀ Back"))  # place
    await olga.press(screen, label("he", "◀ Back"))  # duration
    await olga.press(screen, label("he", "◀ Back"))  # time
    await olga.press(screen, label("he", "◀ Back"))  # date
    await olga.send("2026-12-17")
    screen = olga.last()
    await olga.press(screen, "18:00")
    # 10 Dec is before the new first meeting: asked again.
    assert tr("he", UNTIL, example="@").split("@")[0] in screen.text
    await olga.send("2026-12-31")
    screen = olga.last()
    with use_locale("he"):
        draft = screens.Draft(0, day=date(2026, 12, 17), repeat_weeks=1, until=date(2026, 12, 31))
        assert screens.repeat_words(draft) in screen.text
        assert words.duration_words(120) in screen.text
    await olga.press(screen, label("he", "✅ Confirm"))
    row = await bot.services.db.fetch_one("SELECT id, duration_minutes FROM meetings")
    assert row[1] == 120
    assert len(await bot.services.meetings.occurrences(row[0])) == 3


async def test_in_a_group_and_after_a_bad_typed_meeting(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, group, _members = await hub_with_members(telegram, "ar", ("ru",))
    await olga.send("/meeting", chat=group)
    assert (
        tr("ar", "To be guided step by step with buttons, send /meeting to me privately.")
        in group.last().text
    )
    # A typed meeting with an impossible date: the flow opens, saying what was wrong.
    await olga.send("/meeting 2026-02-30 18:00 90m Peer observation | Room 12")
    screen = olga.last()
    assert "2026-02-30" in screen.text
    assert tr("ar", "<b>New meeting for {hub}</b>", hub=HUB) in screen.text
    await olga.send("Peer observation")
    assert (
        tr(
            "ar",
            "<b>On which date?</b> Choose one, or type it as year-month-day, e.g. {example}.",
            example="2026-11-30",
        )
        in olga.last().text
    )
