"""Meetings end to end: announce, RSVP and the group post's counts, bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import tr
from tests.e2e.meeting_helpers import TYPED, meeting_hub, with_text
from tests.fakebot import FakeTelegram


@pytest.mark.telegram_errors(403)  # the hub's founder never started the bot
async def test_announce_rsvp_and_live_counts(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    _bot, _clock, group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    assert (
        tr("en", "✅ The meeting is planned:") in fatima.inbox()[-2].text
        or tr("en", "✅ The meeting is planned:") in fatima.last().text
    )
    post = with_text(group, "Peer observation")[-1]
    assert "Room 12, Holon" in post.text
    assert (
        tr("en", "Going: {yes} · Maybe: {maybe} · Can't: {no}", yes=0, maybe=0, no=0) in post.text
    )
    copy_he = with_text(noa, "Peer observation")[-1]
    assert tr("he", "A new meeting in your hub:") in copy_he.text
    assert copy_he.button(tr("he", "📅 Add to calendar")).callback_data.startswith("mc:ics:")
    copy_en = with_text(mike, "Peer observation")[-1]

    answer = await noa.press(copy_he, tr("he", "Going"))
    assert answer is not None and answer.text == tr("he", "✅ You're going. See you there!")
    assert copy_he.button("✅ " + tr("he", "Going"))  # her own message shows her choice
    await mike.press(copy_en, "Maybe")
    await mike.press(copy_en, "Can't")
    assert (
        tr("en", "Going: {yes} · Maybe: {maybe} · Can't: {no}", yes=1, maybe=0, no=1) in post.text
    )

    # On the group post too, by a member; a stranger's press changes nothing.
    await fatima.press(post, "Going")
    assert "Going: 2" in post.text
    stranger = telegram.user("Stranger", language_code="en")
    group.add_member(stranger)
    answer = await stranger.press(post, "Going")
    assert answer is not None and answer.show_alert
    assert "Going: 2" in post.text


@pytest.mark.telegram_errors(403)
async def test_bad_input_gets_clear_answers(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    _bot, _clock, _group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    cases = {
        "2026-02-30 18:00 90m Talk": tr(
            "en",
            "{value} is not a date. Write it as YYYY-MM-DD, e.g. 2026-12-03.",
            value="2026-02-30",
        ),
        "2026-12-03 25:00 90m Talk": tr(
            "en", "{value} is not a time. Write it as HH:MM, e.g. 18:00.", value="25:00"
        ),
        "2026-11-30 18:00 90m Talk": tr(
            "en", "That time has already passed. Choose a time in the future."
        ),
        "2026-12-03 18:00 0m Talk": tr("en", "A meeting lasts between 1 minute and 24 hours."),
        "2026-12-03 18:00 25h Talk": tr("en", "A meeting lasts between 1 minute and 24 hours."),
        "2026-12-03 18:00 soon Talk": tr(
            "en", "{value} is not a duration. Write e.g. 45m, 1h, 1h30m or 90m.", value="soon"
        ),
        "2026-12-03 18:00 1h " + "x" * 121: tr(
            "en", "The title is too long: at most {limit} characters, please.", limit=120
        ),
        "2026-12-03 18:00 1h Talk | " + "y" * 301: tr(
            "en", "The place is too long: at most {limit} characters, please.", limit=300
        ),
        "2026-12-03 18:00 1h Talk | ftp://files.example.org": tr(
            "en", "A link must start with http:// or https://."
        ),
        "2026-12-03 18:00": tr(
            "en", "Something is missing: the date, the time, the duration, the title."
        ),
    }
    for typed, problem in cases.items():
        await fatima.send(f"/meeting {typed}")
        assert problem in fatima.last().text, typed
    assert await _bot.services.meetings.get(1) is None  # nothing was planned

    # Durations people write; a link is fine.
    await fatima.send("/meeting 2026-12-03 18:00 1h30m Online | https://meet.example.org/x")
    occurrence = await _bot.services.meetings.next_occurrence(1)
    assert occurrence is not None and occurrence.meeting.duration.total_seconds() == 5400
    assert occurrence.meeting.is_link

    # A member may not plan, move or cancel.
    await noa.send(f"/meeting {TYPED}")
    assert tr("he", "Only facilitators can do that.") in noa.last().text
    await noa.send("/cancelmeeting 1")
    assert tr("he", "Only this hub's facilitators can do that.") in noa.last().text
    await noa.send("/movemeeting 1 2026-12-05 18:00")
    assert tr("he", "Only this hub's facilitators can do that.") in noa.last().text
    await fatima.send("/cancelmeeting 99")
    assert tr("en", "There is no upcoming meeting with that number.") in fatima.last().text
    await fatima.send("/movemeeting 1 2026-12-05 31:00")
    assert tr("en", "{value} is not a time. Write it as HH:MM, e.g. 18:00.", value="31:00") in (
        fatima.last().text
    )
    # A forged button changes nothing.
    answer = await noa.press_data(noa.last(), "mt:cx:1:s")
    assert answer is not None and answer.show_alert
    assert not (await _bot.services.meetings.occurrence(occurrence.id)).cancelled
