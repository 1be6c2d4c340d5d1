"""Strings that say what they mean: announcements that start with "At", the Schedule… buttons,
/demote's confirmation, and delivery reasons in the reader's language."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import callbacks
from bot.clock import MovableClock
from tests.conftest import RunningBot, tr
from tests.e2e.test_broadcasts import _all_broadcasts, hub_with_members
from tests.e2e.test_hubs import make_hub
from tests.e2e.test_members import join
from tests.fakebot import FakeTelegram

AT_TEXT = "At Thursday's meeting we will plan the spring observations."


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_an_announcement_starting_with_at_is_text_not_a_bad_date(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    founder = telegram.user("Olga", language_code=locale)
    await make_hub(telegram, founder)
    await founder.send("/start")
    await founder.send(f"/broadcast {AT_TEXT}")
    preview = founder.last()
    assert AT_TEXT in preview.text
    assert (
        tr(locale, "<b>Preview</b>: to {count} member of <b>{hub}</b>", count=1, hub="")[:5]
        in preview.text
    )  # the preview, in the sender's language
    assert tr(locale, "🗓 Schedule…") in [b.text for row in preview.buttons for b in row]
    # the power-user form still schedules
    await founder.send("/broadcast at 2030-12-24 18:00 Holiday greetings")
    assert "Holiday greetings" in founder.last().text
    assert (await _all_broadcasts(bot))[-1].send_at is not None


async def test_schedule_buttons_pick_a_day_and_a_time_in_the_hubs_zone(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 12:00 in Chisinau, Monday
    bot = await start_bot(make_config(), clock)
    _founder, _group, fatima, (member,) = await hub_with_members(telegram, ("ro",))
    await fatima.send("/broadcast Room change for Tuesday")
    await fatima.press(fatima.last(), "🗓 Schedule…")
    days = fatima.last()
    assert "Europe/Chisinau" in days.text
    data = [b.callback_data for row in days.buttons for b in row if b.callback_data]
    assert all(len(d.encode()) < 64 for d in data)
    assert any(d.endswith(":20261123") for d in data)  # today: 16:00 and later are still ahead
    tuesday = next(b for row in days.buttons for b in row if (b.callback_data or "").endswith("24"))
    await fatima.press(days, tuesday.text)
    times = fatima.last()
    assert [b.text for b in times.buttons[0]] == ["08:00", "12:00", "16:00"]

    # Another facilitator's rights are re-checked on every press: a plain member is refused.
    broadcast = (await _all_broadcasts(bot))[-1]
    forged = callbacks.pack("bct", broadcast.id, "20261124", "1800")
    answer = await member.press_data(member.last(), forged)
    assert answer is not None and answer.show_alert
    assert (await bot.services.broadcasts.get(broadcast.id)).send_at is None

    await fatima.press(times, "18:00")
    preview = fatima.last()
    assert "Scheduled for" in preview.text
    scheduled = await bot.services.broadcasts.get(broadcast.id)
    local = scheduled.send_at.astimezone(ZoneInfo("Europe/Chisinau"))
    assert (local.day, local.hour, local.minute) == (24, 18, 0)
    await fatima.press(preview, "✅ Confirm")
    assert "To see or cancel it, send /broadcasts." in fatima.last().text


async def test_demote_says_the_person_is_no_longer_a_facilitator(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    mihai = telegram.user("Mihai", language_code="ro")
    await join(telegram, owner, group, mihai)
    await owner.send(f"/promote {mihai.id}", chat=group)
    await owner.send(f"/demote {mihai.id}", chat=group)
    assert "Mihai is no longer a facilitator of Chisinau mentors." in group.last().text
    assert "is now a member" not in group.last().text
