"""Quick polls' edges: a refused group poll, final counts at close, stale `poll` updates, reach."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from telegram import Update

from bot.i18n import ngettext, use_locale
from tests.conftest import tr
from tests.e2e import test_poll_flow as flow
from tests.e2e.meeting_helpers import START, run_due
from tests.e2e.test_polls import QUESTION, create, polls_in, setup
from tests.fakebot import FakeTelegram

REFUSED = (
    "Telegram refused the poll “{question}” in the group of {hub}, so it was not created. "
    "Please check that the bot is still in the group and may send polls, then try again."
)


def trn(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    with use_locale(locale):
        return ngettext(singular, plural, n, **params)


@pytest.mark.telegram_errors(403)  # Telegram refuses the poll: the bot was removed
@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_refused_group_poll_is_removed_with_its_schedule_and_the_author_told(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Any],
    telegram: FakeTelegram,
    locale: str,
) -> None:
    bot, olga, group, _members = await flow.start(start_bot, make_config, telegram, locale)
    preview = await flow.to_preview(olga, locale)
    await olga.press(preview, tr(locale, "Close: 1 day"))
    # The bot was removed from the group a moment ago; the update saying so is not here yet.
    group.bot_status = "kicked"
    await olga.press(olga.last(), tr(locale, "✅ Confirm"))
    assert await bot.services.db.fetch_all("SELECT id FROM polls") == []
    assert await bot.services.db.fetch_all("SELECT poll_id FROM poll_sends") == []
    assert tr(locale, REFUSED, question=flow.QUESTION, hub=flow.HUB) in olga.last().text
    schedules = await bot.services.db.fetch_all(
        "SELECT id FROM schedules WHERE kind LIKE 'poll_%' AND active = 1"
    )
    assert schedules == []
    # Nothing fires a day later either.
    bot.services.scheduler.clock.advance(timedelta(days=1, minutes=1))
    assert await bot.services.scheduler.run_due() == 0


async def test_results_at_close_come_from_the_stopped_poll_across_a_restart(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima, closes_at=START + timedelta(hours=2))
    [poll] = polls_in(group)
    await noa.vote(poll, [0])
    await bot.stop()
    # Mike votes while the bot is down: his `poll` update waits for it at Telegram.
    telegram._vote(mike, poll, [1])
    clock.set(START + timedelta(hours=2, minutes=1))
    bot = await start_bot(clock=clock)
    await run_due(bot, telegram)
    await bot.services.polls.drain()
    bot.services.delivery.wake()
    await telegram.settle()
    assert poll.poll is not None and poll.poll["is_closed"]
    posted = [m.text for m in group.inbox() if QUESTION in m.text]
    assert len(posted) == 1
    assert trn("en", "{count} person voted.", "{count} people voted.", 2, count=2) in posted[0]
    assert (await bot.services.polls.results(view.id)).counts == (1, 1, 0)


async def test_an_older_poll_update_never_overwrites_a_newer_one(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima)
    [poll] = polls_in(group)
    assert poll.poll is not None
    await noa.vote(poll, [0])
    first = copy.deepcopy(poll.poll)  # the state after Noa's vote
    await mike.vote(poll, [1])
    # Updates are handled concurrently: the one about Noa's vote may finish last.
    stale = Update.de_json({"update_id": 1, "poll": first}, bot.app.bot)
    await bot.app.update_queue.put(stale)
    await telegram.settle()
    results = await bot.services.polls.results(view.id)
    assert results.counts == (1, 1, 0) and results.total == 2


@pytest.mark.telegram_errors(403)  # one member blocked the bot; the founder never started it
@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_author_hears_how_many_were_refused_and_results_show_it(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, _group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    await bot.services.users.set_locale(fatima.id, locale)
    await noa.block()
    view = await create(bot, hub_id, fatima, anonymous=False, private=True)
    await bot.services.polls.drain()
    bot.services.delivery.wake()
    await telegram.settle()
    assert len(polls_in(mike)) == 1 and polls_in(noa) == []
    blocked = trn(
        locale,
        "{count} member has blocked the bot.",
        "{count} members have blocked the bot.",
        1,
        count=1,
    )
    never = trn(
        locale,
        "{count} member never started the bot, so it cannot write to them.",
        "{count} members never started the bot, so it cannot write to them.",
        1,
        count=1,
    )
    sent = trn(
        locale,
        "Sent privately to {sent} of {count} member.",
        "Sent privately to {sent} of {count} members.",
        4,
        sent=2,
        count=4,
    )
    report = fatima.last().text
    for line in (sent, blocked, never):
        assert line in report
    reports = [m for m in fatima.inbox() if blocked in m.text]
    assert len(reports) == 1  # once
    await fatima.send(f"/results {view.id}")
    shown = fatima.last().text
    assert blocked in shown and never in shown and sent in shown


@pytest.mark.telegram_errors(403)  # Telegram refuses the retried poll: the bot was removed
@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_group_poll_refused_on_a_later_try_is_removed_and_the_author_told(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, group, fatima, _members, hub_id = await setup(start_bot, telegram)
    await bot.services.users.set_locale(fatima.id, locale)
    telegram.set_network_failure(True)  # the first try cannot reach Telegram: left to the sender
    view = await bot.services.polls.create(
        hub_id=hub_id,
        author_id=fatima.id,
        question=QUESTION,
        options=["Mon", "Wed"],
        closes_at=START + timedelta(days=1),
    )
    group.bot_status = "kicked"  # meanwhile the bot was removed from the group
    telegram.set_network_failure(False)
    await telegram.wait_for(lambda: any(not c.ok and c.error_code == 403 for c in telegram.calls))
    await bot.services.polls.drain()
    await bot.services.delivery.drained()
    await telegram.settle()
    assert await bot.services.polls.get(view.id) is None
    schedules = await bot.services.db.fetch_all(
        "SELECT id FROM schedules WHERE kind LIKE 'poll_%' AND active = 1"
    )
    assert schedules == []
    told = tr(locale, REFUSED, question=QUESTION, hub="Chisinau mentors")
    assert [m for m in fatima.inbox() if m.text == told]
