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
    bot, _clock, group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
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
