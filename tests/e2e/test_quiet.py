"""Quiet hours and pauses: set by command, buttons or typing; holdable messages wait, then go."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import MovableClock
from bot.db.outbox import NewMessage
from tests.conftest import RunningBot, tr
from tests.e2e.test_broadcasts import copies, hub_with_members
from tests.fakebot import FakeTelegram, SimUser

ZONE = "Europe/Chisinau"  # the hub's zone (the test default): UTC+2 in December
AFTERNOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # 14:00 in Chisinau
NIGHT = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 22:00
MORNING = datetime(2026, 12, 6, 6, 1, tzinfo=UTC)  # 08:01
QUIET_SET = (
    "Quiet hours set: {start}–{end}, your time ({timezone}). Messages that aren't urgent "
    "will wait until they end."
)


async def _settings(bot: RunningBot, member: SimUser) -> tuple:
    row = await bot.services.db.fetch_one(
        "SELECT quiet_start, quiet_end, paused_until FROM users WHERE id = ?", (member.id,)
    )
    return tuple(row)


async def _queue(bot: RunningBot, member: SimUser, *items: tuple[str, str, bool]) -> None:
    """Outbox rows to ``member``: (kind, text, holdable), as prompts and nudges are written."""
    await bot.services.outbox.add(
        NewMessage(
            key=f"test:{kind}:{text}:{member.id}",
            chat_id=member.id,
            user_id=member.id,
            kind=kind,
            text=text,
            holdable=holdable,
        )
        for kind, text, holdable in items
    )
    bot.services.delivery.wake()
    await bot.server.settle()


async def _release(bot: RunningBot, clock: MovableClock, moment: datetime) -> None:
    clock.set(moment)
    await bot.services.quiet.release_due()
    await bot.server.settle()


def _texts(member: SimUser, *wanted: str) -> list[str]:
    return [m.text for m in member.inbox() if m.text in wanted]


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_quiet_hours_by_command_buttons_and_typing(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    _founder, _group, _fatima, (member,) = await hub_with_members(telegram, (locale,))
    await member.send("/quiet 21:00-08:00")
    assert member.last().text == tr(locale, QUIET_SET, start="21:00", end="08:00", timezone=ZONE)
    assert await _settings(bot, member) == ("21:00", "08:00", None)

    # /quiet alone shows the setting, with presets.
    await member.send("/quiet")
    screen = member.last()
    assert (
        tr(
            locale,
            "Your quiet hours: {start}–{end}, your time ({timezone}).",
            start="21:00",
            end="08:00",
            timezone=ZONE,
        )
        in screen.text
    )
    await member.press(screen, tr(locale, "{start}–{end}", start="22:00", end="07:00"))
    assert await _settings(bot, member) == ("22:00", "07:00", None)
    assert screen.text == tr(locale, QUIET_SET, start="22:00", end="07:00", timezone=ZONE)

    # ... or a typed range after /quiet.
    await member.send("/quiet")
    await member.send("23:30-06:45")
    assert await _settings(bot, member) == ("23:30", "06:45", None)

    # Off, by button.
    await member.send("/quiet")
    await member.press(member.last(), tr(locale, "🔔 Off"))
    assert await _settings(bot, member) == (None, None, None)
    assert member.last().text == tr(locale, "Quiet hours are off. Messages arrive at any time.")

    # From /settings.
    await member.send("/settings")
    await member.press(member.last(), tr(locale, "🌙 Quiet hours"))
    assert tr(locale, "You have no quiet hours: messages arrive at any time.") in (
        member.last().text
    )


@pytest.mark.parametrize("locale", ["ru", "ar"])
async def test_bad_input_changes_nothing(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot = await start_bot(make_config(), MovableClock(AFTERNOON))
    _founder, _group, _fatima, (member,) = await hub_with_members(telegram, (locale,))
    await member.send("/quiet 21:00-08:00")
    await member.send("/pause until 2026-12-27")
    before = await _settings(bot, member)
    example = "2026-12-26"  # three weeks from the member's today, 2026-12-05
    range_form = (
        "I couldn't read {text} as quiet hours. Send a range of two times from 00:00 to "
        "23:59, like /quiet 21:00-08:00, or /quiet off. Nothing was changed."
    )
    for text in ("25:00-08:00", "tonight"):
        await member.send(f"/quiet {text}")
        assert member.last().text == tr(locale, range_form, text=text)
    await member.send("/quiet 08:00-08:00")
    assert member.last().text == tr(
        locale,
        "Quiet hours need a start and an end that differ, like /quiet 21:00-08:00. "
        "Nothing was changed.",
    )
    await member.send("/pause 400d")
    assert member.last().text == tr(
        locale,
        "A pause can last at most a year. Send /pause 7d, /pause 2w or /pause until "
        "{example}. Nothing was changed.",
        example=example,
    )
    await member.send("/pause until 2026-12-01")
    assert member.last().text == tr(
        locale,
        "{date} has already passed. Send a date from today on, like /pause until "
        "{example}. Nothing was changed.",
        date="2026-12-01",
        example=example,
    )
    await member.send("/pause whenever")
    assert member.last().text == tr(
        locale,
        "I couldn't read {text} as a pause. Send /pause 7d (days), /pause 2w (weeks), "
        "/pause until {example} or /pause off. Nothing was changed.",
        text="whenever",
        example=example,
    )
    # Typed after /quiet: a bad range is answered, and the next good one is taken.
    await member.send("/quiet")
    await member.send("24:00-07:00")
    assert member.last().text == tr(locale, range_form, text="24:00-07:00")
    assert await _settings(bot, member) == before
    # Forged buttons: a clear answer, nothing changes.
    for data in ("qt:q:2500-0800", "qt:q:0800-0800", "qt:p:999", "qt:x:y", "qt:q"):
        answer = await member.press_data(member.last(), data)
        assert answer is not None and answer.show_alert
        assert answer.text == tr(locale, "This button is no longer valid.")
    assert await _settings(bot, member) == before


@pytest.mark.parametrize("locale", ["en", "he"])
# The hub's founder never started the bot: Telegram refuses them (403).
@pytest.mark.telegram_errors(403)
async def test_quiet_hours_hold_and_release_in_order(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(AFTERNOON)
    bot = await start_bot(make_config(), clock)
    _founder, _group, fatima, (member,) = await hub_with_members(telegram, (locale,))
    await member.send("/quiet 21:00-08:00")

    clock.set(NIGHT)
    await _queue(bot, member, ("prompt", "First prompt", True), ("nudge", "A nudge", True))
    # A later message that is not holdable (a reply waiting for its slot) is not blocked.
    await _queue(bot, member, ("reply", "A direct answer", False))
    assert _texts(member, "First prompt", "A nudge", "A direct answer") == ["A direct answer"]

    # An announcement: non-urgent waits; urgent passes.
    await fatima.send("/broadcast Room change tonight")
    await fatima.press(fatima.last(), "✅ Confirm")
    assert copies(member, "Room change tonight") == []
    assert len(copies(fatima, "Room change tonight")) == 1  # Fatima has no quiet hours
    report = fatima.last().text
    assert "1 delivered" in report
    assert "1 waiting for the member's quiet hours to end" in report

    await fatima.send("/broadcast Building closed: stay home")
    await fatima.press(fatima.last(), "☐ Urgent")
    preview = fatima.last()
    assert preview.button("☑ Urgent")
    assert "Urgent: it reaches members even during their quiet hours." in preview.text
    await fatima.press(preview, "✅ Confirm")
    assert len(copies(member, "Building closed")) == 1

    # Not yet morning: the release job leaves them.
    await _release(bot, clock, datetime(2026, 12, 6, 5, 59, tzinfo=UTC))
    assert _texts(member, "First prompt", "A nudge") == []

    await _release(bot, clock, MORNING)
    delivered = [
        m.text
        for m in member.inbox()
        if m.text in ("First prompt", "A nudge") or "Room change tonight" in m.text
    ]
    assert delivered[:2] == ["First prompt", "A nudge"]
    assert "Room change tonight" in delivered[2]
    assert len(delivered) == 3


# The hub's founder never started the bot: Telegram refuses them (403).
@pytest.mark.telegram_errors(403)
async def test_a_pause_holds_prompts_not_announcements(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(AFTERNOON)
    bot = await start_bot(make_config(), clock)
    _founder, _group, fatima, (member,) = await hub_with_members(telegram, ("he",))
    await member.send("/pause 7d")
    until = AFTERNOON + timedelta(days=7)
    assert (await _settings(bot, member))[2] == "2026-12-12T12:00:00Z"
    await _queue(bot, member, ("prompt", "Paused prompt", True))
    await fatima.send("/broadcast Still comes")
    await fatima.press(fatima.last(), "✅ Confirm")
    assert len(copies(member, "Still comes")) == 1
    assert _texts(member, "Paused prompt") == []

    await member.send("/pause")
    assert member.last().button(tr("he", "⏯ Resume now"))
    await _release(bot, clock, until - timedelta(minutes=1))
    assert _texts(member, "Paused prompt") == []
    await _release(bot, clock, until)
    assert _texts(member, "Paused prompt") == ["Paused prompt"]

    # Until a date: the end of that day in the member's zone; /pause off releases at once.
    await member.send("/pause until 2026-12-27")
    assert (await _settings(bot, member))[2] == "2026-12-27T22:00:00Z"
    await _queue(bot, member, ("nudge", "Paused nudge", True))
    assert _texts(member, "Paused nudge") == []
    await member.send("/pause off")
    resumed = tr("he", "Your pause is over: prompts and nudges arrive again.")
    assert resumed in [m.text for m in member.inbox()[-2:]]  # the nudge may come first
    assert _texts(member, "Paused nudge") == ["Paused nudge"]

    # By button, from /settings.
    await member.send("/settings")
    await member.press(member.last(), tr("he", "⏸ Pause"))
    await member.press(member.last(), tr("he", "2 weeks"))
    assert (await _settings(bot, member))[2] == "2026-12-26T12:00:00Z"

    # Typed after /pause.
    await member.send("/pause")
    await member.send("3 days")
    assert (await _settings(bot, member))[2] == "2026-12-15T12:00:00Z"


async def test_changing_settings_releases_what_no_longer_needs_holding(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(NIGHT)  # 22:00 in Chisinau
    bot = await start_bot(make_config(), clock)
    _founder, _group, _fatima, (member,) = await hub_with_members(telegram, ("en",))
    await member.send("/quiet 21:00-08:00")
    await _queue(bot, member, ("prompt", "One", True))
    assert _texts(member, "One") == []

    # Wider hours: still held, now until 09:00, so 08:01 releases nothing.
    await member.send("/quiet 20:00-09:00")
    await bot.server.settle()
    assert _texts(member, "One") == []
    await _release(bot, clock, MORNING)
    assert _texts(member, "One") == []

    # Hours that no longer cover now: released at once.
    await member.send("/quiet 10:00-11:00")
    await bot.server.settle()
    assert _texts(member, "One") == ["One"]

    # A new time zone moves local quiet hours: 22:00 in Chisinau is 20:00 in London.
    clock.set(NIGHT + timedelta(days=1))
    await member.send("/quiet 21:00-08:00")
    await _queue(bot, member, ("prompt", "Two", True))
    assert _texts(member, "Two") == []
    await member.send("/timezone Europe/London")
    await bot.server.settle()
    assert _texts(member, "Two") == ["Two"]

    # Quiet hours off: released at once.
    clock.set(NIGHT + timedelta(days=1, hours=2))  # 22:00 in London
    await _queue(bot, member, ("prompt", "Three", True))
    assert _texts(member, "Three") == []
    await member.send("/quiet off")
    await bot.server.settle()
    assert _texts(member, "Three") == ["Three"]


async def test_only_the_facilitator_marks_an_announcement_urgent(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _founder, _group, fatima, (member,) = await hub_with_members(telegram, ("ar",))
    await fatima.send("/broadcast Draft for later")
    broadcast_id = await bot.services.db.fetch_value("SELECT MAX(id) FROM broadcasts")
    answer = await member.press_data(member.last(), f"bc:{broadcast_id}:urg")
    assert answer is not None
    assert answer.text == tr("ar", "Only this hub's facilitators can do that.")
    assert not (await bot.services.broadcasts.get(broadcast_id)).urgent
    await fatima.press(fatima.last(), "☐ Urgent")
    assert (await bot.services.broadcasts.get(broadcast_id)).urgent
    await fatima.press(fatima.last(), "☑ Urgent")  # and back
    assert not (await bot.services.broadcasts.get(broadcast_id)).urgent


async def test_a_new_hub_zone_moves_quiet_hours_of_members_without_their_own(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(NIGHT)  # 22:00 in Chisinau, 20:00 in London
    bot = await start_bot(make_config(), clock)
    _founder, group, fatima, (member,) = await hub_with_members(telegram, ("he",))
    await member.send("/quiet 21:00-08:00")
    await _queue(bot, member, ("prompt", "Held", True))
    assert _texts(member, "Held") == []
    await fatima.send("/hubsettings timezone Europe/London", chat=group)
    await bot.server.settle()
    assert _texts(member, "Held") == ["Held"]
