"""A hub's prompt settings under /hubsettings: timing, the nudge, and hub holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import MovableClock
from bot.i18n import ngettext, use_locale
from tests.conftest import RunningBot, tr
from tests.e2e.test_prompt_flow import (
    MONDAY_NOON,
    fire,
    hub_with_members,
    label,
    prompts_received,
    running,
)
from tests.fakebot import FakeTelegram, Msg, SimUser


async def open_settings(user: SimUser, locale: str) -> Msg:
    await user.send("/hubsettings")
    screen = user.last()
    await user.press(screen, label(locale, "💭 Prompts…"))
    return screen


async def daily_prompt(user: SimUser, locale: str, text: str, at: str = "18:00") -> None:
    await user.send("/prompt")
    await user.send(text)
    await user.press(user.last(), label(locale, "Every day"))
    await user.press(user.last(), at)
    await user.press(user.last(), label(locale, "✅ Confirm"))


async def hub_id(bot: RunningBot) -> int:
    rows = await bot.services.db.fetch_all("SELECT id FROM hubs ORDER BY id")
    return rows[0][0]


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_timing_switch_sends_at_each_members_own_time(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai, ivan) = await hub_with_members(telegram, locale, ("ro", "ru"))
    await ivan.send("/timezone Europe/Moscow")
    screen = await open_settings(olga, locale)
    assert tr(locale, "<b>Prompts in {hub}</b>", hub="Chisinau mentors") in screen.text
    hub_time = "Prompts go out at the hub's local time ({timezone})."
    assert tr(locale, hub_time, timezone="Europe/Chisinau") in screen.text
    assert screen.button("✓ " + label(locale, "Hub's time"))
    await olga.press(screen, label(locale, "Members' own time"))
    assert tr(locale, "Prompts go out at each member's own local time.") in screen.text
    assert screen.button("✓ " + label(locale, "Members' own time"))
    assert (await bot.services.prompts.settings(await hub_id(bot))).timing == "member"

    await daily_prompt(olga, locale, "How did today go?")
    await fire(bot, clock, datetime(2026, 11, 23, 15, 0, tzinfo=UTC), telegram)  # 18:00 Moscow
    assert len(prompts_received(ivan, "How did today go?")) == 1
    assert prompts_received(mihai, "How did today go?") == []
    await fire(bot, clock, datetime(2026, 11, 23, 16, 0, tzinfo=UTC), telegram)  # 18:00 Chisinau
    assert len(prompts_received(mihai, "How did today go?")) == 1
    assert len(prompts_received(ivan, "How did today go?")) == 1

    # Back to the hub's time: tomorrow both get it at 18:00 in Chisinau.
    await olga.press(screen, label(locale, "Hub's time"))
    assert (await bot.services.prompts.settings(await hub_id(bot))).timing == "hub"
    await fire(bot, clock, datetime(2026, 11, 24, 15, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(ivan, "How did today go?")) == 1
    await fire(bot, clock, datetime(2026, 11, 24, 16, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(ivan, "How did today go?")) == 2
    assert len(prompts_received(mihai, "How did today go?")) == 2
    # The ◀ Back button returns to /hubsettings.
    await olga.press(screen, label(locale, "◀ Back"))
    assert tr(locale, "<b>Settings of {hub}</b>", hub="Chisinau mentors") in screen.text


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_nudge_hours_by_button_and_typed(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, _members = await hub_with_members(telegram, locale, ())
    hub = await hub_id(bot)
    screen = await open_settings(olga, locale)
    with use_locale(locale):
        nudge = ngettext(
            "Nudge: one gentle reminder {count} hour after an unanswered prompt.",
            "Nudge: one gentle reminder {count} hours after an unanswered prompt.",
            24,
        )
    assert nudge in screen.text
    await olga.press(screen, label(locale, "🔔 Nudge…"))
    assert screen.button("✓ " + label(locale, "{hours} h", hours=24))
    await olga.press(screen, label(locale, "{hours} h", hours=12))
    assert (await bot.services.prompts.settings(hub)).nudge_hours == 12
    assert screen.button("✓ " + label(locale, "{hours} h", hours=12))
    await olga.press(screen, label(locale, "Off"))
    assert (await bot.services.prompts.settings(hub)).nudge_hours == 0
    assert tr(locale, "Nudge: off. Unanswered prompts get no reminder.") in screen.text

    for bad in ("200", "0.5", "soon", "-3"):
        await olga.send(bad)
        assert (
            tr(locale, "Type a whole number of hours from 1 to {limit}, or choose Off.", limit=168)
            in olga.last().text
        ), bad
    assert (await bot.services.prompts.settings(hub)).nudge_hours == 0
    await olga.send("36")
    assert tr(locale, "Saved.") in olga.last().text
    assert (await bot.services.prompts.settings(hub)).nudge_hours == 36
    await olga.send("40")  # the main screen waits for nothing: stray text, not the hours
    assert (await bot.services.prompts.settings(hub)).nudge_hours == 36


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_holidays_add_remove_and_bad_ranges(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai,) = await hub_with_members(telegram, locale, ("nl",))
    hub = await hub_id(bot)
    screen = await open_settings(olga, locale)
    assert tr(locale, "No hub holidays.") in screen.text
    await olga.press(screen, label(locale, "🏖 Holidays…"))
    assert tr(locale, "None yet.") in screen.text

    await olga.send("2026-12-24 2027-01-07")
    assert tr(locale, "Saved.") in olga.last().text
    await olga.send("2026-11-24")  # one day: tomorrow
    await olga.send("2026-12-31 – 2027-01-01")  # a dash between works too
    holidays = await bot.services.prompts.holidays(hub)
    assert [(h.first_day, h.last_day) for h in holidays] == [
        (date(2026, 11, 24), date(2026, 11, 24)),
        (date(2026, 12, 24), date(2027, 1, 7)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ]
    listing = olga.last()
    assert listing.button(label(locale, "✖ Remove {id}", id=3))

    bad = {
        "2027-01-07 2026-12-24": tr(
            locale, "The last day of a holiday cannot come before its first day."
        ),
        "2026-11-20 2026-11-30": tr(
            locale,
            "{date} has already passed. A holiday starts today or later.",
            date="2026-11-20",
        ),
        "2026-12-01 2028-01-01": tr(locale, "A holiday can last at most a year."),
        "christmas": "2026-12-07 2026-12-14",  # the example, with today's dates
        "2026-02-30": "2026-12-07 2026-12-14",
        "2026-12-01 2026-12-02 2026-12-03": "2026-12-07 2026-12-14",
    }
    for typed, answer in bad.items():
        await olga.send(typed)
        assert answer in olga.last().text, typed
    assert len(await bot.services.prompts.holidays(hub)) == 3

    await olga.press(listing, label(locale, "✖ Remove {id}", id=3))
    assert [h.first_day for h in await bot.services.prompts.holidays(hub)] == [
        date(2026, 11, 24),
        date(2026, 12, 24),
    ]
    # A removed holiday's button, pressed again (or forged), changes nothing.
    removed = max(h.id for h in holidays)
    answer = await olga.press_data(listing, f"ps:{hub}:rm:{removed}")
    assert answer is not None and answer.text == tr(locale, "This button is no longer valid.")

    # No prompt on a hub holiday; the day after, it goes out again.
    await daily_prompt(olga, locale, "Weekly thought")
    await fire(bot, clock, datetime(2026, 11, 23, 16, 0, tzinfo=UTC), telegram)
    await fire(bot, clock, datetime(2026, 11, 24, 16, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, "Weekly thought")) == 1
    await fire(bot, clock, datetime(2026, 11, 25, 16, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, "Weekly thought")) == 2


async def test_non_facilitators_and_forged_presses(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, group, (mihai, noa) = await hub_with_members(telegram, "en", ("ru", "he"))
    hub = await hub_id(bot)
    refused = tr("he", "Only this hub's facilitators can do that.")
    for data in (f"ps:{hub}:tm:member", f"ps:{hub}:ng:12", f"ps:{hub}:show", f"ps:{hub}:rm:1"):
        answer = await noa.press_data(noa.last(), data)
        assert answer is not None and answer.text == refused, data
    stale = tr("en", "This button is no longer valid.")
    for data in (
        f"ps:{hub}:tm:moon",
        f"ps:{hub}:ng:7",  # not one of the buttons
        f"ps:{hub}:ng:x",
        f"ps:{hub}:zap",
        "ps:9999:show",  # no such hub
        "ps:x:show",
        f"ps:{hub}:rm:12345",
    ):
        answer = await olga.press_data(olga.last(), data)
        assert answer is not None and answer.text == stale, data
    settings = await bot.services.prompts.settings(hub)
    assert (settings.timing, settings.nudge_hours) == ("hub", 24)

    # A facilitator demoted while the holiday screen waits for dates: the dates are refused.
    await olga.send(f"/promote {noa.id}", chat=group)
    screen = await open_settings(noa, "he")
    await noa.press(screen, label("he", "🏖 Holidays…"))
    await olga.send(f"/demote {noa.id}", chat=group)
    await noa.send("2026-12-24 2027-01-07")
    assert noa.last().text == refused
    assert await bot.services.prompts.holidays(hub) == []
    assert mihai is not None
