"""A hub's meeting settings under /hubsettings: reminder offsets and feedback after meetings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import MovableClock
from bot.handlers.meeting_settings import parse_offsets
from tests.conftest import RunningBot, tr
from tests.e2e.test_prompt_flow import MONDAY_NOON, hub_with_members, label, running
from tests.fakebot import FakeTelegram, Msg, SimUser

HUB = "Chisinau mentors"


async def open_settings(user: SimUser, locale: str) -> Msg:
    await user.send("/hubsettings")
    screen = user.last()
    await user.press(screen, label(locale, "📅 Meetings…"))
    return screen


async def hub_id(bot: RunningBot) -> int:
    rows = await bot.services.db.fetch_all("SELECT id FROM hubs ORDER BY id")
    return rows[0][0]


def on(locale: str, message: str, **params: object) -> str:
    return "✓ " + label(locale, message, **params)


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_reminder_toggles_and_feedback(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, _members = await hub_with_members(telegram, locale, ("ro",))
    settings = bot.services.meeting_settings
    hub = await hub_id(bot)
    changed: list[int] = []

    async def listener(hub_id: int) -> None:
        changed.append(hub_id)

    settings.on_offsets_changed(listener)

    screen = await open_settings(olga, locale)
    assert tr(locale, "<b>Meetings in {hub}</b>", hub=HUB) in screen.text
    # The default: a day and an hour before.
    assert screen.button(on(locale, "{number} d", number=1))
    assert screen.button(on(locale, "{hours} h", hours=1))
    assert screen.button(label(locale, "{minutes} min", minutes=15)).text == label(
        locale, "{minutes} min", minutes=15
    )
    assert tr(locale, "Feedback after meetings: off.") in screen.text

    answer = await olga.press(screen, label(locale, "{minutes} min", minutes=15))
    assert answer is not None and answer.text == tr(locale, "Saved.")
    assert await settings.reminder_offsets(hub) == [1440, 60, 15]
    assert screen.button(on(locale, "{minutes} min", minutes=15))
    await olga.press(screen, label(locale, "{number} wk", number=1))
    await olga.press(screen, on(locale, "{number} d", number=1))
    await olga.press(screen, on(locale, "{hours} h", hours=1))
    assert await settings.reminder_offsets(hub) == [10080, 15]
    row = await bot.services.db.fetch_one("SELECT reminder_offsets FROM hubs WHERE id = ?", (hub,))
    assert row[0] == "10080,15"  # largest first
    assert changed == [hub] * 4

    await olga.press(screen, on(locale, "{number} wk", number=1))
    # The last reminder cannot be toggled off: "No reminders" says so on purpose.
    answer = await olga.press(screen, on(locale, "{minutes} min", minutes=15))
    assert answer is not None and answer.show_alert
    assert answer.text == tr(locale, "Keep at least one reminder, or choose “No reminders”.")
    assert await settings.reminder_offsets(hub) == [15]
    await olga.press(screen, label(locale, "🔕 No reminders"))
    assert await settings.reminder_offsets(hub) == []
    assert tr(locale, "Reminders: none. Members get the announcement only.") in screen.text
    await olga.press(screen, label(locale, "{hours} h", hours=1))
    assert await settings.reminder_offsets(hub) == [60]

    await olga.press(screen, label(locale, "☐ Feedback"))
    assert await settings.feedback_on(hub)
    assert screen.button(label(locale, "☑ Feedback"))
    await olga.press(screen, label(locale, "☑ Feedback"))
    assert not await settings.feedback_on(hub)

    await olga.press(screen, label(locale, "◀ Back"))
    assert tr(locale, "<b>Settings of {hub}</b>", hub=HUB) in screen.text


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_typed_offsets(start_bot, make_config, telegram: FakeTelegram, locale: str) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, _group, _members = await hub_with_members(telegram, locale, ("ro",))
    hub = await hub_id(bot)
    screen = await open_settings(olga, locale)
    await olga.press(screen, label(locale, "✏️ Type my own"))
    for bad in ("soon", "0m", "3w", "2d, 3x"):
        await olga.send(bad)
        assert tr(locale, "I couldn't read those reminders.") in olga.last().text
    assert await bot.services.meeting_settings.reminder_offsets(hub) == [1440, 60]
    await olga.send("2d, 3h, 1h30m")
    assert tr(locale, "Saved.") in olga.last().text
    assert await bot.services.meeting_settings.reminder_offsets(hub) == [2880, 180, 90]
    # A typed offset shows as a toggle of its own, and can be turned off.
    shown = olga.last()
    assert shown.button(on(locale, "{number} d", number=2))
    await olga.press(shown, on(locale, "{hours} h {minutes} min", hours=1, minutes=30))
    assert await bot.services.meeting_settings.reminder_offsets(hub) == [2880, 180]
    # Once saved, typed text is no longer read as offsets.
    await olga.send("15m")
    assert await bot.services.meeting_settings.reminder_offsets(hub) == [2880, 180]


async def test_members_and_forged_presses_change_nothing(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, group, (mihai,) = await hub_with_members(telegram, "en", ("he",))
    hub = await hub_id(bot)
    settings = bot.services.meeting_settings
    for data in (f"ms:{hub}:o:15", f"ms:{hub}:none", f"ms:{hub}:fb:1", f"ms:{hub}:show"):
        answer = await mihai.press_data(mihai.last(), data)
        assert answer is not None and answer.show_alert
        assert answer.text == tr("he", "Only this hub's facilitators can do that.")
    screen = await open_settings(olga, "en")
    for data in (f"ms:{hub}:o:16", f"ms:{hub}:o:x", f"ms:{hub}:fb:2", f"ms:{hub}:zz", "ms:x"):
        answer = await olga.press_data(screen, data)
        assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    assert await settings.reminder_offsets(hub) == [1440, 60]
    assert not await settings.feedback_on(hub)

    # Demoted between the button and the typed answer: refused, nothing saved.
    await olga.send(f"/promote {mihai.id}", chat=group)
    screen = await open_settings(mihai, "he")
    await mihai.press(screen, label("he", "✏️ Type my own"))
    await olga.send(f"/demote {mihai.id}", chat=group)
    await mihai.send("30m")
    assert mihai.last().text == tr("he", "Only this hub's facilitators can do that.")
    assert await settings.reminder_offsets(hub) == [1440, 60]


def test_parse_offsets() -> None:
    assert parse_offsets("1w, 1d; 3h 15m") == [10080, 1440, 180, 15]
    assert parse_offsets("1h30m") == [90]
    assert parse_offsets("none") == []
    assert parse_offsets("2m") is None  # below 5 minutes
    assert parse_offsets("15") is None  # a unit is needed
    assert parse_offsets("1d, 1d") == [1440]


async def test_offsets_shape_the_reminders_of_a_new_meeting(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)  # 12:00 in Chisinau
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai,) = await hub_with_members(telegram, "en", ("he",))
    screen = await open_settings(olga, "en")
    await olga.press(screen, "15 min")
    await olga.press(screen, "✓ 1 d")
    await olga.press(screen, "✓ 1 h")
    assert "Reminders go to members who have not declined: 15 minutes before the start." in (
        screen.text
    )
    await olga.send("/meeting")
    await olga.send("Peer observation")
    await olga.send("2026-11-23")
    await olga.send("18:00")
    await olga.send("45m")
    await olga.send("Room 12")
    await olga.press(olga.last(), "Once")
    assert "Reminders: 15 minutes before (see /hubsettings)." in olga.last().text
    await olga.press(olga.last(), "✅ Confirm")

    def reminders() -> list[str]:
        return [m.text for m in mihai.inbox() if "⏰" in m.text]

    for moment, expected in (
        (datetime(2026, 11, 23, 15, 0, tzinfo=UTC), 0),  # an hour before: no reminder now
        (datetime(2026, 11, 23, 15, 45, tzinfo=UTC), 1),
        (datetime(2026, 11, 23, 15, 50, tzinfo=UTC), 1),
    ):
        clock.set(moment)
        await bot.services.scheduler.run_due()
        bot.services.delivery.wake()
        await telegram.settle()
        assert len(reminders()) == expected, moment
    assert "Peer observation" in reminders()[0]
