"""Moving and cancelling a meeting: who is told, the group post, reminders that never fire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.clock import MovableClock
from bot.services.meeting_types import MeetingError
from tests.conftest import tr
from tests.e2e.meeting_helpers import TYPED, meeting_hub, run_due, shown_time, with_text
from tests.fakebot import FakeTelegram

STARTS = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Chisinau


@pytest.mark.telegram_errors(403)
async def test_move_tells_those_who_had_not_declined_and_moves_the_reminders(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await noa.press(with_text(noa, "Peer observation")[-1], tr("he", "Going"))
    await mike.press(with_text(mike, "Peer observation")[-1], "Can't")

    await fatima.send("/movemeeting 1 2026-12-04 19:00")
    assert tr("en", "🔁 Moved. Everyone who hadn't declined is told:") in fatima.last().text
    told = with_text(noa, tr("he", "🔁 This meeting has a new time:"))
    assert len(told) == 1
    new_start = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert shown_time("he", new_start) in told[0].text
    assert with_text(mike, tr("en", "🔁 This meeting has a new time:")) == []
    post = with_text(group, "Peer observation")[-1]
    assert shown_time("en", new_start) in post.text and "Going: 1" in post.text
    meeting = await bot.services.meetings.get(1)
    assert meeting.sequence == 1
    occurrence = await bot.services.meetings.next_occurrence(1)
    assert occurrence.sequence == 1
    assert occurrence.starts_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)

    # The old reminder time passes: nothing. The new one: a reminder.
    before = len(noa.inbox())
    clock.set(STARTS - timedelta(days=1))
    await run_due(bot, telegram)
    assert len(noa.inbox()) == before
    clock.set(occurrence.starts_at - timedelta(days=1))
    await run_due(bot, telegram)
    assert len(noa.inbox()) == before + 1
    assert shown_time("he", new_start) in noa.last().text

    # The buttons: +1 hour.
    await fatima.send("/movemeeting 1")
    await fatima.press(fatima.last(), "+1 hour")
    moved = await bot.services.meetings.next_occurrence(1)
    assert moved.starts_at == datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert shown_time("en", moved.starts_at) in with_text(group, "Peer observation")[-1].text


@pytest.mark.telegram_errors(403)
async def test_cancel_after_confirmation_and_no_reminder_ever(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await mike.press(with_text(mike, "Peer observation")[-1], "Can't")
    await fatima.send("/cancelmeeting 1")
    confirm = fatima.last()
    assert tr("en", "Cancel this meeting?") in confirm.text
    await fatima.press(confirm, "Keep it")
    assert not (await bot.services.meetings.occurrence(1)).cancelled
    await fatima.send("/cancelmeeting 1")
    await fatima.press(fatima.last(), "Yes, cancel it")
    assert (
        tr("en", "❌ Cancelled. Everyone who hadn't declined is told, and no reminder will go out.")
        in fatima.last().text
    )
    assert len(with_text(noa, tr("he", "❌ This meeting is cancelled:"))) == 1
    assert with_text(mike, tr("en", "❌ This meeting is cancelled:")) == []
    post = with_text(group, "Peer observation")[-1]
    assert tr("en", "❌ Cancelled") in post.text and post.buttons == []
    answer = await noa.press(with_text(noa, "Peer observation")[0], tr("he", "Going"))
    assert answer is not None and answer.text == tr("he", "This meeting was cancelled.")

    before = len(noa.inbox())
    for moment in (STARTS - timedelta(days=1), STARTS - timedelta(hours=1)):
        clock.set(moment)
        await run_due(bot, telegram)
    assert len(noa.inbox()) == before
    await fatima.send("/cancelmeeting 1")
    assert tr("en", "There is no upcoming meeting with that number.") in fatima.last().text


@pytest.mark.telegram_errors(403)
async def test_weekly_series_keeps_local_time_across_dst_and_cancels_as_a_whole(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    clock = MovableClock(datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    bot, clock, group, fatima, (noa, mike) = await meeting_hub(
        start_bot, telegram, ("ar", "en"), clock=clock
    )
    hub = (await bot.services.access.facilitated_hubs(fatima.id))[0]
    meetings = bot.services.meetings
    meeting = await meetings.create(
        hub_id=hub.id,
        author_id=fatima.id,
        title="Weekly circle",
        place="Library",
        starts_local=datetime(2026, 10, 15, 18, 0),
        duration=timedelta(hours=1),
        repeat_weeks=1,
        repeat_until=date(2026, 11, 5),
    )
    await telegram.settle()
    occurrences = await meetings.occurrences(meeting.id)
    # Europe/Chisinau leaves summer time on 25 October: 18:00 stays 18:00.
    assert [o.starts_at.hour for o in occurrences] == [15, 15, 16, 16]
    assert {o.starts_local[-5:] for o in occurrences} == {"18:00"}
    assert len(with_text(group, "Weekly circle")) == 1  # one post for the series

    after_dst = occurrences[2]
    clock.set(after_dst.starts_at - timedelta(hours=1))
    await run_due(bot, telegram)
    reminder = with_text(noa, "Weekly circle")[-1]
    assert shown_time("ar", after_dst.starts_at) in reminder.text  # 18:00 in winter time too
    assert reminder.button(tr("ar", "Going")).callback_data == f"mt:r:{after_dst.id}:y"

    await fatima.send(f"/cancelmeeting {meeting.id}")
    assert tr("en", "Cancel this meeting, or the whole series?") in fatima.last().text
    await fatima.press(fatima.last(), "The whole series")
    left = [o for o in await meetings.occurrences(meeting.id) if not o.cancelled]
    assert [o.id for o in left] == [occurrences[0].id, occurrences[1].id]  # the past stays
    assert (await meetings.get(meeting.id)).status == "scheduled"  # two took place
    told = with_text(mike, tr("en", "❌ This meeting and the rest of its series are cancelled:"))
    assert len(told) == 1
    before = len(noa.inbox())
    clock.set(occurrences[3].starts_at - timedelta(hours=1))
    await run_due(bot, telegram)
    assert len(noa.inbox()) == before


@pytest.mark.telegram_errors(403)
async def test_moving_a_series_asks_this_one_or_the_whole_series(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    hub = (await bot.services.access.facilitated_hubs(fatima.id))[0]
    meetings = bot.services.meetings
    meeting = await meetings.create(
        hub_id=hub.id,
        author_id=fatima.id,
        title="Fortnightly circle",
        place="",
        starts_local=datetime(2026, 12, 7, 17, 0),
        duration=timedelta(minutes=45),
        repeat_weeks=2,
        repeat_until=date(2027, 1, 31),
    )
    await telegram.settle()
    first, second, *rest = await meetings.occurrences(meeting.id)
    await fatima.send(f"/movemeeting {meeting.id} 2026-12-08 18:30")
    assert tr("en", "Only this one") in [b.text for row in fatima.last().buttons for b in row]
    await fatima.press(fatima.last(), "Only this one")
    assert (await meetings.occurrence(first.id)).starts_local == "2026-12-08 18:30"
    assert (await meetings.occurrence(second.id)).starts_local == "2026-12-21 17:00"

    await fatima.send(f"/movemeeting {meeting.id} 2026-12-09 18:30")
    await fatima.press(fatima.last(), "The whole series")
    after = await meetings.occurrences(meeting.id)
    # Every one moves as the first did from where it stood (12-08 18:30): one day later.
    assert [o.starts_local for o in after] == ["2026-12-09 18:30"] + [
        (datetime.strptime(o.starts_local, "%Y-%m-%d %H:%M") + timedelta(days=1)).strftime(
            "%Y-%m-%d %H:%M"
        )
        for o in (second, *rest)
    ]
    told = with_text(noa, tr("he", "🔁 This meeting and the rest of its series have a new time:"))
    assert len(told) == 1
    assert len(with_text(noa, tr("he", "🔁 This meeting has a new time:"))) == 1


@pytest.mark.telegram_errors(403)
async def test_a_started_meeting_cannot_be_moved_or_cancelled_from_an_old_button(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await fatima.send("/cancelmeeting 1")
    cancel_card = fatima.last()
    await fatima.send("/movemeeting 1")
    move_card = fatima.last()
    before = len(noa.inbox())

    clock.set(STARTS + timedelta(minutes=10))
    started = tr("en", "This meeting has already started.")
    answer = await fatima.press(cancel_card, "Yes, cancel it")
    assert answer is not None and answer.text == started
    answer = await fatima.press(move_card, "+1 hour")
    assert answer is not None and answer.text == started
    occurrence = await bot.services.meetings.occurrence(1)
    assert not occurrence.cancelled and occurrence.starts_at == STARTS
    assert occurrence.sequence == 0
    assert len(noa.inbox()) == before  # nobody told of a change
    meetings = bot.services.meetings  # the service refuses too (a press racing the start)
    with pytest.raises(MeetingError):
        await meetings.cancel(1)
    with pytest.raises(MeetingError):
        await meetings.move(1, datetime(2026, 12, 4, 18, 0))


@pytest.mark.telegram_errors(403)
async def test_a_shift_button_moves_each_of_the_series_by_that_shift(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    hub = (await bot.services.access.facilitated_hubs(fatima.id))[0]
    meetings = bot.services.meetings
    meeting = await meetings.create(
        hub_id=hub.id,
        author_id=fatima.id,
        title="Fortnightly circle",
        place="",
        starts_local=datetime(2026, 12, 7, 17, 0),
        duration=timedelta(minutes=45),
        repeat_weeks=2,
        repeat_until=date(2027, 1, 31),
    )
    await telegram.settle()
    # The first one alone was moved a day and a half later before.
    await fatima.send(f"/movemeeting {meeting.id} 2026-12-09 05:00")
    await fatima.press(fatima.last(), "Only this one")
    before = [o.starts_local for o in await meetings.occurrences(meeting.id)]
    assert before[:2] == ["2026-12-09 05:00", "2026-12-21 17:00"]

    for label, shift in (
        ("+1 hour", timedelta(hours=1)),
        ("+1 day", timedelta(days=1)),
        ("+1 week", timedelta(weeks=1)),
    ):
        await fatima.send(f"/movemeeting {meeting.id}")
        await fatima.press(fatima.last(), label)
        await fatima.press(fatima.last(), "The whole series")
        after = [o.starts_local for o in await meetings.occurrences(meeting.id)]
        assert after == [
            (datetime.strptime(local, "%Y-%m-%d %H:%M") + shift).strftime("%Y-%m-%d %H:%M")
            for local in before
        ], label
        before = after
    told = with_text(noa, tr("he", "🔁 This meeting and the rest of its series have a new time:"))
    assert len(told) == 3


@pytest.mark.telegram_errors(403)
async def test_move_and_cancel_cards_show_the_readers_zone(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    _bot, _clock, _group, fatima, _members = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    await fatima.send("/timezone Asia/Tokyo")  # 18:00 in Chisinau is 01:00 the next day there
    for locale in ("en", "he"):
        if locale == "he":
            await fatima.send("/language")
            await fatima.press(fatima.last(), "עברית")
        tokyo, hub = shown_time(locale, STARTS, "Asia/Tokyo"), shown_time(locale, STARTS)
        await fatima.send("/movemeeting 1")
        card = fatima.last().text
        assert tr(locale, "Move this meeting?") in card
        assert tokyo in card and hub not in card
        await fatima.send("/cancelmeeting 1")
        card = fatima.last().text
        assert tr(locale, "Cancel this meeting?") in card
        assert tokyo in card and hub not in card
