"""Named polls keep the votes Telegram counted before the stop, even those the bot reads after it:
every vote cast while the bot was down arrives (as `poll_answer`) only once it is back, and by then
the sender may have stopped the poll. The results wait for those answers. And a stop held back
by flood control keeps the retries a network error has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import MovableClock
from bot.i18n import ngettext, use_locale
from bot.services.poll_sends import ANSWERS_GRACE
from tests.conftest import tr
from tests.e2e.meeting_helpers import START, run_due
from tests.e2e.test_broadcasts import hub_with_members
from tests.e2e.test_polls import QUESTION, create, polls_in, setup
from tests.fakebot import FakeTelegram, SimGroup, SimUser


def voted(locale: str, n: int) -> str:
    with use_locale(locale):
        return ngettext("{count} person voted.", "{count} people voted.", n, count=n)


def results_in(chat: SimUser | SimGroup) -> list[str]:
    return [m.text for m in chat.inbox() if QUESTION in m.text and "█" in m.text]


async def settle_polls(bot: Any, telegram: FakeTelegram) -> None:
    await telegram.settle()
    await bot.services.polls.drain()
    bot.services.delivery.wake()
    await telegram.settle()


async def test_a_vote_cast_while_the_bot_was_down_counts_in_a_named_group_poll(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima, anonymous=False, closes_at=START + timedelta(hours=2))
    [poll] = polls_in(group)
    await noa.vote(poll, [0])
    await bot.stop()
    telegram._vote(mike, poll, [1])  # his poll_answer waits at Telegram
    clock.set(START + timedelta(hours=2, minutes=1))
    bot = await start_bot(clock=clock)  # closes the poll and stops it before reading updates
    await run_due(bot, telegram)
    await settle_polls(bot, telegram)

    assert poll.poll is not None and poll.poll["is_closed"]
    [posted] = results_in(group)
    assert voted("en", 2) in posted
    results = await bot.services.polls.results(view.id)
    assert results.counts == (1, 1, 0) and results.total == 2
    assert mike.id not in {v.user_id for v in results.non_voters or []}


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
@pytest.mark.parametrize("languages", [("he", "en"), ("en", "ar")])
async def test_a_vote_cast_while_the_bot_was_down_counts_in_a_private_poll(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, str]
) -> None:
    bot, clock, _group, fatima, (first, second), hub_id = await setup(
        start_bot, telegram, languages=languages
    )
    view = await create(
        bot, hub_id, fatima, anonymous=False, private=True, closes_at=START + timedelta(hours=2)
    )
    await first.vote(polls_in(first)[0], [2])
    await bot.stop()
    telegram._vote(second, polls_in(second)[0], [0])
    clock.set(START + timedelta(hours=2, minutes=1))
    bot = await start_bot(clock=clock)
    await run_due(bot, telegram)
    await settle_polls(bot, telegram)

    for member, locale in zip((first, second), languages, strict=True):
        [closed] = results_in(member)
        assert voted(locale, 2) in closed
    assert (await bot.services.polls.results(view.id)).counts == (1, 0, 1)


async def test_results_wait_a_little_for_answers_that_never_count(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    """A stranger in the group votes: Telegram counts them, the hub does not; the results wait
    for their answer a little, then go with the members' votes."""
    bot, clock, group, fatima, (noa, _mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima, anonymous=False)
    [poll] = polls_in(group)
    stranger = telegram.user("Stranger", language_code="ar")
    group.add_member(stranger)
    await stranger.vote(poll, [0])
    await noa.vote(poll, [1])
    await fatima.send(f"/closepoll {view.id}")
    assert fatima.last().text == tr("en", "The poll is closed; its results are on their way.")
    await settle_polls(bot, telegram)
    assert poll.poll is not None and poll.poll["is_closed"]
    assert results_in(group) == []

    clock.advance(ANSWERS_GRACE + timedelta(seconds=1))
    await settle_polls(bot, telegram)
    [posted] = results_in(group)
    assert voted("en", 1) in posted


@pytest.mark.telegram_errors(429)
async def test_a_stop_held_back_by_flood_control_keeps_its_network_retries(
    start_bot: Callable[..., Any], make_config: Callable[..., Any], telegram: FakeTelegram
) -> None:
    """429s are Telegram asking to wait, not failures: they do not use up the retries a
    network error has, so a 429 then one network error still gets the poll stopped."""
    clock = MovableClock(START)
    bot = await start_bot(make_config(delivery={"max_attempts": 2}), clock)
    _founder, group, fatima, (noa,) = await hub_with_members(telegram, ("he",))
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    view = await create(bot, hub.id, fatima, anonymous=False)
    [poll] = polls_in(group)
    group.add_member(noa)
    await noa.vote(poll, [2])
    telegram.fail_next("stopPoll", 429, 502)
    await bot.services.polls.close(view.id)
    await telegram.wait_for(lambda: bool(poll.poll and poll.poll["is_closed"]), timeout=10)
    await settle_polls(bot, telegram)
    assert [c.error_code for c in telegram.calls_of("stopPoll")] == [429, 502, None]
    [posted] = results_in(group)
    assert voted("en", 1) in posted
