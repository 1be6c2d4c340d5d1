"""The group post's edits are coalesced and paced; /meetings for members and facilitators."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import tr
from tests.e2e.meeting_helpers import TYPED, meeting_hub, watch, with_text
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram


def edits(telegram: FakeTelegram) -> list:
    return [c for c in telegram.calls if c.method == "editMessageText"]


class EditorClock:
    """The post editor's ``monotonic`` and ``sleep``: its sleeps end when the test moves it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, woken))
        await woken

    @property
    def sleeping(self) -> int:
        return len(self._sleepers)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for due, woken in [s for s in self._sleepers if s[0] <= self.now]:
            self._sleepers.remove((due, woken))
            woken.set_result(None)


@pytest.mark.telegram_errors(403)
async def test_a_burst_of_presses_costs_few_edits_and_never_an_unchanged_one(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, group, fatima, members = await meeting_hub(
        start_bot, telegram, ("he", "en", "ar", "ru", "ro", "nl"), interval=0.5
    )
    posts = bot.services.meetings.posts
    clock = EditorClock()
    posts.monotonic, posts.sleep = clock.monotonic, clock.sleep
    await fatima.send(f"/meeting {TYPED}")
    post = with_text(group, "Peer observation")[-1]
    before = len(edits(telegram))
    telegram.settle_hooks.remove(posts.idle)
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
    # Every press is handled; the editor made at most its first edit and waits out the interval.
    assert len(edits(telegram)) - before <= 1
    if clock.sleeping:
        clock.advance(0.5)
    await posts.idle()
    telegram.settle_hooks.append(posts.idle)
    made = edits(telegram)[before:]
    assert 1 <= len(made) <= 2  # twelve presses
    assert all(call.ok for call in made)
    assert "Going: 6 · Maybe: 0" in post.text
    # The same answer again changes no count: no edit at all (never "not modified").
    clock.advance(1.0)  # the interval has passed: an edit would go out at once
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


@pytest.mark.telegram_errors(403)
async def test_after_a_restart_the_post_is_compared_with_what_it_shows(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    make_config: Callable[..., Any],
) -> None:
    bot, clock, group, fatima, (noa, _mike) = await meeting_hub(start_bot, telegram)
    await fatima.send(f"/meeting {TYPED}")
    post = with_text(group, "Peer observation")[-1]
    group.add_member(noa)
    await noa.press(post, "Going")
    assert "Going: 1" in post.text
    await bot.stop()
    telegram.settle_hooks.remove(bot.services.meetings.posts.idle)
    again = await start_bot(make_config(), clock=clock)
    watch(again, telegram)
    before = len(edits(telegram))
    await noa.press(post, "Going")  # the same answer: the post already says so
    assert len(edits(telegram)) == before  # no edit, so no "message is not modified"
    await noa.press(post, "Maybe")
    assert "Going: 0 · Maybe: 1" in post.text


@pytest.mark.telegram_errors(403)
async def test_meetings_in_a_group_lists_only_its_hub_and_no_names(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    _bot, _clock, group_a, fatima, (noa, mike) = await meeting_hub(
        start_bot, telegram, ("he", "en")
    )
    await fatima.send(f"/meeting {TYPED}")
    await mike.press(with_text(mike, "Peer observation")[-1], "Can't")
    # Fatima also founds hub B, where Noa answers a meeting with a private link.
    group_b = await make_hub(telegram, fatima, "Secret hub")
    await fatima.send("/invite", chat=group_b)
    code = invite_link(telegram, group_b.last().text).rsplit("=", 1)[1]
    await noa.send(f"/start {code}")
    await fatima.send(
        "/meeting 2026-12-03 18:00 60m Board talk | https://zoom.us/j/999secret", chat=group_b
    )
    await noa.press(with_text(noa, "Board talk")[-1], tr("he", "Going"))

    before = len(group_a.inbox())
    await fatima.send("/meetings", chat=group_a)
    shown = [m.text for m in group_a.inbox()[before:]]
    assert len(shown) == 1 and "Peer observation" in shown[0]
    assert "Going: 0 · Maybe: 0" in shown[0]
    assert not any("999secret" in t or "Board talk" in t for t in shown)
    assert not any("Member" in t for t in shown)  # nobody named, not even Fatima's answer
    assert tr("en", "You haven't answered yet.") not in shown[0]
    assert not any("mt:cx" in (b.callback_data or "") for b in group_a.last().buttons[0])
    # In private the facilitator still sees who answered.
    await fatima.send("/meetings")
    assert any(
        tr("en", "{answer}: {names}", answer="Can't", names="Member1") in m.text
        for m in fatima.inbox()[-2:]
    )


@pytest.mark.telegram_errors(403)
async def test_edits_of_two_posts_in_one_group_keep_to_the_groups_limit(
    start_bot: Callable[..., Any], telegram: FakeTelegram, make_config: Callable[..., Any]
) -> None:
    # Telegram's real limit, and the bot told the same (tests usually pace far above it).
    telegram.limits.group_per_minute = 20
    config = make_config(delivery={"group_per_minute": 20})
    bot, _clock, group, fatima, members = await meeting_hub(
        lambda **kw: start_bot(config, **kw), telegram, ("he", "en", "ar")
    )
    await fatima.send(f"/meeting {TYPED}")
    await fatima.send("/meeting 2026-12-04 18:00 60m Second talk | Room 3")
    posts = [with_text(group, "Peer observation")[-1], with_text(group, "Second talk")[-1]]
    for member in members:
        group.add_member(member)
    for _round in range(4):
        for occurrence, post in enumerate(posts, start=1):
            for member in members:
                for data in (f"mt:r:{occurrence}:m", f"mt:r:{occurrence}:y"):
                    telegram._push_update(
                        "callback_query",
                        {
                            "id": telegram._new_callback_query(),
                            "from": member.to_json(),
                            "message": post.to_json(),
                            "chat_instance": "1",
                            "data": data,
                        },
                    )
    await telegram.settle()
    assert telegram.rejected_429 == 0
    assert not [c for c in telegram.calls if c.error_code == 429]
    for post in posts:
        assert "Going: 3 · Maybe: 0" in post.text
    assert bot.services.meetings.posts.edits >= 2
