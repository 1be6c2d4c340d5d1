"""Meeting reminders: at each offset, to those who have not declined, once, across restarts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import i18n
from bot.config import Config
from bot.handlers.common import plain_text
from bot.i18n import ngettext, use_locale
from bot.services.meeting_fanout import reminder_heading
from tests.conftest import tr
from tests.e2e.meeting_helpers import TYPED, meeting_hub, run_due, watch, with_text
from tests.fakebot import FakeTelegram, Msg, SimUser

STARTS = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Chisinau


def _visible(text: str) -> str:
    return re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text)


def reminders(user: SimUser, minutes: int) -> list[Msg]:
    """Reminders of the meeting ``minutes`` before it, by their heading in the user's language."""
    with use_locale(user.language_code or "en"):
        heading = _visible(plain_text(reminder_heading(minutes)))
    return [
        m
        for m in with_text(user, "Peer observation")
        if _visible(m.text.split("\n")[0]).strip() == heading
    ]


async def holdable(bot, offset_key: str) -> set[int]:
    rows = await bot.services.db.fetch_all(
        "SELECT DISTINCT holdable FROM outbox WHERE key LIKE ?",
        (f"meeting_reminder:%:{offset_key}:%",),
    )
    return {r[0] for r in rows}


@pytest.mark.telegram_errors(403)
async def test_reminders_at_each_offset_to_the_right_people(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await noa.press(with_text(noa, "Peer observation")[-1], tr("he", "Going"))
    await mike.press(with_text(mike, "Peer observation")[-1], "Can't")

    clock.set(STARTS - timedelta(days=1, minutes=1))
    await run_due(bot, telegram)
    assert reminders(noa, 1440) == []

    clock.set(STARTS - timedelta(days=1))
    await run_due(bot, telegram)
    day = reminders(noa, 1440)
    assert len(day) == 1
    with_he = day[0].text
    assert "Room 12, Holon" in with_he
    assert day[0].button("✅ " + tr("he", "Going"))  # her answer shown, buttons to change it
    assert day[0].button(tr("he", "📅 Add to calendar"))
    assert reminders(mike, 1440) == []  # he declined
    assert len(reminders(fatima, 1440)) == 1  # no answer yet: reminded
    assert await holdable(bot, "1440") == {1}

    await run_due(bot, telegram)  # nothing twice
    assert len(reminders(noa, 1440)) == 1

    clock.set(STARTS - timedelta(hours=1))
    await run_due(bot, telegram)
    assert len(reminders(noa, 60)) == 1
    assert reminders(mike, 60) == []
    assert await holdable(bot, "60") == {0}  # the last one before the start: quiet hours exempt


@pytest.mark.telegram_errors(403)
async def test_a_reminder_due_while_down_goes_once_at_restart(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    make_config: Callable[..., Config],
) -> None:
    bot, clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await bot.stop()
    telegram.settle_hooks.remove(bot.services.meetings.posts.idle)

    # Down over both reminders' times: only the latest goes out, once, "in 30 minutes".
    clock.set(STARTS - timedelta(minutes=30))
    again = await start_bot(make_config(), clock=clock)
    watch(again, telegram)
    await run_due(again, telegram)
    assert len(reminders(noa, 30)) == 1  # the hour-before one, saying the time left
    await run_due(again, telegram)
    assert len(reminders(noa, 30)) == 1
    await again.stop()
    telegram.settle_hooks.remove(again.services.meetings.posts.idle)


@pytest.mark.telegram_errors(403)
async def test_no_reminder_once_the_meeting_started(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    make_config: Callable[..., Config],
) -> None:
    bot, clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await bot.stop()
    telegram.settle_hooks.remove(bot.services.meetings.posts.idle)
    clock.set(STARTS + timedelta(minutes=5))
    again = await start_bot(make_config(), clock=clock)
    watch(again, telegram)
    await run_due(again, telegram)
    assert reminders(noa, 60) == []
    answer = await noa.press(with_text(noa, "Peer observation")[0], tr("he", "Going"))
    assert answer is not None and answer.text == tr("he", "This meeting has already started.")
    assert await again.services.meetings.answer_of(1, noa.id) is None


@pytest.mark.telegram_errors(403)
async def test_new_offsets_rewrite_the_reminders_of_upcoming_meetings(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    hub = (await bot.services.access.facilitated_hubs(fatima.id))[0]
    await bot.services.db.execute("UPDATE hubs SET reminder_offsets = '30' WHERE id = ?", (hub.id,))
    assert await bot.services.meetings.offsets_changed(hub.id) == 1
    for moment in (STARTS - timedelta(days=1), STARTS - timedelta(hours=1)):
        clock.set(moment)
        await run_due(bot, telegram)
    assert reminders(noa, 1440) == [] and reminders(noa, 60) == []
    clock.set(STARTS - timedelta(minutes=30))
    await run_due(bot, telegram)
    assert len(reminders(noa, 30)) == 1
    assert await holdable(bot, "30") == {0}  # now the last one before the start


async def release(bot, telegram: FakeTelegram) -> None:
    """The quiet-hours release job runs: held rows are decided about again."""
    await bot.services.quiet.release_due()
    bot.services.delivery.wake()
    await telegram.settle()


async def reminder_rows(bot, user: SimUser) -> list[tuple[str, str | None]]:
    rows = await bot.services.db.fetch_all(
        "SELECT status, reason FROM outbox WHERE kind = 'meeting_reminder' AND user_id = ?",
        (user.id,),
    )
    return [(r[0], r[1]) for r in rows]


@pytest.mark.telegram_errors(403)
async def test_a_held_reminder_is_not_released_after_the_meeting_is_cancelled(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await noa.send("/quiet 17:00-20:00")  # 18:00 in Chisinau is inside her quiet hours
    await fatima.send(f"/meeting {TYPED}")
    clock.set(STARTS - timedelta(days=1))
    await run_due(bot, telegram)
    assert reminders(noa, 1440) == []  # held for her quiet hours
    assert len(reminders(mike, 1440)) == 1

    await fatima.send("/cancelmeeting 1")
    await fatima.press(fatima.last(), "Yes, cancel it")
    assert len(with_text(noa, tr("he", "❌ This meeting is cancelled:"))) == 1
    assert await reminder_rows(bot, noa) == [("cancelled", "meeting cancelled")]

    clock.set(STARTS - timedelta(hours=21))  # her quiet hours are over
    await release(bot, telegram)
    assert reminders(noa, 1440) == []


@pytest.mark.telegram_errors(403)
async def test_a_held_reminder_is_not_released_after_the_meeting_moved(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    await noa.send("/quiet 17:00-20:00")
    await fatima.send(f"/meeting {TYPED}")
    clock.set(STARTS - timedelta(days=1))
    await run_due(bot, telegram)
    assert reminders(noa, 1440) == []  # held
    await fatima.send("/movemeeting 1 2026-12-05 10:00")
    assert len(with_text(noa, tr("he", "🔁 This meeting has a new time:"))) == 1
    assert await reminder_rows(bot, noa) == [("cancelled", "meeting moved")]

    clock.set(STARTS - timedelta(hours=21))
    await release(bot, telegram)
    assert reminders(noa, 1440) == []  # not the old time's reminder


@pytest.mark.telegram_errors(403)
async def test_a_held_reminder_is_not_released_after_declining(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await noa.send("/quiet 17:00-20:00")
    await mike.send("/quiet 17:00-20:00")
    await fatima.send(f"/meeting {TYPED}")
    clock.set(STARTS - timedelta(days=1))
    await run_due(bot, telegram)
    assert reminders(noa, 1440) == [] and reminders(mike, 1440) == []
    await noa.press(with_text(noa, "Peer observation")[-1], tr("he", "Can't"))
    assert await reminder_rows(bot, noa) == [("cancelled", "declined")]

    clock.set(STARTS - timedelta(hours=21))
    await release(bot, telegram)
    assert reminders(noa, 1440) == []
    assert len(reminders(mike, 1440)) == 1  # still coming: his reminder goes out


@pytest.mark.telegram_errors(403)
async def test_a_reminder_held_past_the_start_is_dropped(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram, ("en", "he"))
    hub = (await bot.services.access.facilitated_hubs(fatima.id))[0]
    await bot.services.db.execute(
        "UPDATE hubs SET reminder_offsets = '1440,60,30' WHERE id = ?", (hub.id,)
    )
    await noa.send("/quiet 16:30-18:30")  # the hour-before one (17:00) is held past 18:00
    await fatima.send(f"/meeting {TYPED}")
    clock.set(STARTS - timedelta(hours=1))
    await run_due(bot, telegram)
    assert reminders(noa, 60) == []
    assert len(reminders(mike, 60)) == 1

    clock.set(STARTS + timedelta(minutes=30))  # released after the meeting started
    await release(bot, telegram)
    assert reminders(noa, 60) == []
    assert ("cancelled", "meeting started") in await reminder_rows(bot, noa)


async def down_until(
    bot, telegram: FakeTelegram, clock, moment: datetime, start_bot, make_config
) -> Any:
    """The bot is down from now until ``moment``; the restarted bot."""
    await bot.stop()
    telegram.settle_hooks.remove(bot.services.meetings.posts.idle)
    clock.set(moment)
    again = await start_bot(make_config(), clock=clock)
    watch(again, telegram)
    return again


def headings(user: SimUser) -> list[str]:
    return [
        m.text.split("\n")[0]
        for m in with_text(user, "Peer observation")
        if "⏰" in m.text.split("\n")[0]
    ]


@pytest.mark.telegram_errors(403)
async def test_a_late_reminder_says_the_time_actually_left(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    make_config: Callable[..., Config],
) -> None:
    bot, clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    # Down over the day-before reminder's time, back 20 hours before the start.
    again = await down_until(
        bot, telegram, clock, STARTS - timedelta(hours=20), start_bot, make_config
    )
    await run_due(again, telegram)
    with i18n.use_locale("he"):
        in_20_he = ngettext("⏰ In {n} hour:", "⏰ In {n} hours:", 20, n=20)
    assert headings(noa) == [in_20_he]
    assert headings(mike) == ["⏰ In 20 hours:"]
    await again.stop()
    telegram.settle_hooks.remove(again.services.meetings.posts.idle)


@pytest.mark.telegram_errors(403)
async def test_a_late_reminder_is_skipped_when_the_next_comes_soon(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    make_config: Callable[..., Config],
) -> None:
    bot, clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    # Back 2 hours before the start: the day-before reminder would say "in 1 day"; the
    # hour-before one comes in an hour, so the late one is skipped.
    again = await down_until(
        bot, telegram, clock, STARTS - timedelta(hours=2), start_bot, make_config
    )
    await run_due(again, telegram)
    assert headings(noa) == [] and headings(mike) == []
    clock.set(STARTS - timedelta(hours=1))
    await run_due(again, telegram)
    assert headings(mike) == ["⏰ In 1 hour:"]
    with i18n.use_locale("he"):
        assert headings(noa) == [ngettext("⏰ In {n} hour:", "⏰ In {n} hours:", 1, n=1)]
    await again.stop()
    telegram.settle_hooks.remove(again.services.meetings.posts.idle)
