"""The group post's edits are coalesced and paced; /meetings for members and facilitators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import tr
from tests.e2e.meeting_helpers import TYPED, meeting_hub, with_text
from tests.fakebot import FakeTelegram


def edits(telegram: FakeTelegram) -> list:
    return [c for c in telegram.calls if c.method == "editMessageText"]


@pytest.mark.telegram_errors(403)
async def test_a_burst_of_presses_costs_few_edits_and_never_an_unchanged_one(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, group, fatima, members = await meeting_hub(
        start_bot, telegram, ("he", "en", "ar", "ru", "ro", "nl"), interval=0.5
    )
    await fatima.send(f"/meeting {TYPED}")
    post = with_text(group, "Peer observation")[-1]
    before = len(edits(telegram))
    telegram.settle_hooks.remove(bot.services.meetings.posts.idle)
    for member in members:
        for data in ("mt:r:1:m", "mt:r:1:y"):
            group.add_member(member)
            query_id = telegram._new_callback_query()
            telegram._push_update(
                "callback_query",
                {
                    "id": query_id,
                    "from": member.to_json(),
                    "message": post.to_json(),
                    "chat_instance": "1",
                    "data": data,
                },
            )
    await telegram.settle()
    await bot.services.meetings.posts.idle()
    telegram.settle_hooks.append(bot.services.meetings.posts.idle)
    made = edits(telegram)[before:]
    assert 1 <= len(made) <= 3  # twelve presses
    assert all(call.ok for call in made)
    assert "Going: 6 · Maybe: 0" in post.text
    # The same answer again changes no count: no edit at all (never "not modified").
    await members[0].press(post, "Going")
    await bot.services.meetings.posts.idle()
    assert len(edits(telegram)) == before + len(made)


@pytest.mark.telegram_errors(403)
async def test_meetings_lists_own_answer_and_facilitators_see_who(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    _bot, _clock, _group, fatima, (noa, mike) = await meeting_hub(start_bot, telegram)
    await noa.send("/meetings")
    assert tr("he", "No meetings are planned in your hubs.") in noa.last().text
    await fatima.send(f"/meeting {TYPED}")
    await mike.press(with_text(mike, "Peer observation")[-1], "Can't")

    await noa.send("/meetings")
    listing = noa.last()
    assert "Peer observation" in listing.text
    assert tr("he", "You haven't answered yet.") in listing.text
    assert not any("mt:cx" in (b.callback_data or "") for row in listing.buttons for b in row)
    await noa.press(listing, tr("he", "Maybe"))
    await noa.send("/meetings")
    assert tr("he", "Your answer: {answer}", answer=tr("he", "Maybe")) in noa.last().text
    assert noa.last().button("✅ " + tr("he", "Maybe"))

    await fatima.send("/meetings")
    view = fatima.last().text
    assert tr("en", "{answer}: {names}", answer="Maybe", names="Member0") in view
    assert tr("en", "{answer}: {names}", answer="Can't", names="Member1") in view
    assert fatima.last().button("❌ Cancel it")
