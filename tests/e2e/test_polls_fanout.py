"""Quick polls' private fan-out and stops, durable: restarts, /closepoll mid-way, crashes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from bot.clock import MovableClock
from bot.i18n import gettext, ref, use_locale
from tests.conftest import RunningBot, tr
from tests.e2e.meeting_helpers import START
from tests.e2e.test_broadcasts import hub_with_members
from tests.fakebot import FakeTelegram, Msg, SimUser

QUESTION = "Which day suits you?"
DAYS = ["Mon", "Wed", "Thu"]
CLOSED = "The poll {ref} is closed: <b>{question}</b>"
SENT_TO = "Sent privately to {sent} of {count} members."
CLOSED_FIRST = "{count} were not sent: the poll closed first."


def closed_heading(locale: str, poll_id: int) -> str:
    """The first line of a closed poll's results, as ``locale`` reads it."""
    with use_locale(locale):
        number = ref(poll_id)
    return tr(locale, CLOSED, ref=number, question=QUESTION)


def polls_in(user: SimUser) -> list[Msg]:
    return [m for m in user.inbox() if m.poll is not None]


def sent_polls(members: list[SimUser]) -> int:
    return sum(len(polls_in(m)) for m in members)


def language_of(index: int) -> str:
    return ("en", "he", "ar")[index % 3]


async def slow_hub(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Any],
    telegram: FakeTelegram,
    size: int,
) -> tuple[RunningBot, Any, MovableClock, SimUser, list[SimUser], int]:
    """A hub of ``size`` members (en/he/ar); sends paced at 10 a second, so a fan-out lasts."""
    config = make_config(delivery={"messages_per_second": 10})
    clock = MovableClock(START)
    bot = await start_bot(config, clock)
    languages = tuple(language_of(i) for i in range(size))
    _founder, group, fatima, members = await hub_with_members(telegram, languages)
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    return bot, config, clock, fatima, members, hub.id


async def private_poll(bot: RunningBot, hub_id: int, author: SimUser) -> int:
    view = await bot.services.polls.create(
        hub_id=hub_id,
        author_id=author.id,
        question=QUESTION,
        options=DAYS,
        anonymous=False,
        private=True,
    )
    return view.id


async def finish(bot: RunningBot, telegram: FakeTelegram) -> None:
    await bot.services.polls.drain()
    await bot.services.delivery.drained()
    await telegram.settle()


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_restart_mid_fanout_sends_the_rest_once(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Any],
    telegram: FakeTelegram,
    locale: str,
) -> None:
    bot, config, clock, fatima, members, hub_id = await slow_hub(
        start_bot, make_config, telegram, 30
    )
    await bot.services.users.set_locale(fatima.id, locale)
    poll_id = await private_poll(bot, hub_id, fatima)
    # create() returned before the fan-out: it runs in the background, not in the handler.
    assert sent_polls(members) < len(members)
    await telegram.wait_for(lambda: sent_polls(members) >= 8)
    await bot.stop()
    assert sent_polls(members) < len(members)  # it really was stopped mid-way

    bot = await start_bot(config, clock)
    await finish(bot, telegram)
    assert [len(polls_in(m)) for m in [*members, fatima]] == [1] * (len(members) + 1)
    # Once the sending ended, the author hears how it went (the founder never started the bot).
    report = fatima.last().text
    assert tr(locale, SENT_TO, sent=len(members) + 1, count=len(members) + 2) in report
    assert (
        tr(locale, "{count} member never started the bot, so it cannot write to them.", count=1)
        in report
    )
    await bot.stop()
    bot = await start_bot(config, clock)  # and once more: nothing goes twice
    await finish(bot, telegram)
    assert [len(polls_in(m)) for m in members] == [1] * len(members)
    reports = [
        m
        for m in fatima.inbox()
        if tr(locale, "{count} member never started the bot, so it cannot write to them.", count=1)
        in m.text
    ]
    assert len(reports) == 1
    assert (await bot.services.polls.get(poll_id)).status == "open"


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_closepoll_mid_fanout_replies_at_once_and_stops_every_poll_sent(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Any],
    telegram: FakeTelegram,
    locale: str,
) -> None:
    bot, _config, _clock, fatima, members, hub_id = await slow_hub(
        start_bot, make_config, telegram, 30
    )
    await bot.services.users.set_locale(fatima.id, locale)
    poll_id = await private_poll(bot, hub_id, fatima)
    await telegram.wait_for(lambda: sent_polls(members) >= 5)
    await fatima.send(f"/closepoll {poll_id}")
    answer = "The poll is closed; its results are on their way."
    assert [m for m in fatima.inbox() if m.text == tr(locale, answer)]
    # The handler answered without waiting for the stops: they run in the background, paced.
    await finish(bot, telegram)
    with use_locale(locale):
        sent_text = gettext(answer)
    reply_call = next(
        i
        for i, c in enumerate(telegram.calls)
        if c.method == "sendMessage" and c.params.get("text") == sent_text
    )
    stops = [i for i, c in enumerate(telegram.calls) if c.method == "stopPoll"]
    assert len(stops) >= 5 and reply_call < stops[-1]

    got = [m for m in members if polls_in(m)]
    assert 0 < len(got) < len(members)  # the rest were never sent
    for member in members:
        # Every poll that went out is stopped, a send that raced the close included.
        assert all(p.poll["is_closed"] for p in polls_in(member))
    for index, member in enumerate(members):
        if member in got:
            heading = closed_heading(language_of(index), poll_id)
            assert len([m for m in member.inbox() if heading in m.text]) == 1
    for member in members:
        if member not in got:
            assert not [m for m in member.inbox() if QUESTION in m.text]
    rows = await bot.services.db.fetch_all(
        "SELECT status, COUNT(*) FROM poll_sends WHERE poll_id = ? GROUP BY status", (poll_id,)
    )
    counts = {r[0]: r[1] for r in rows}
    assert counts.get("pending", 0) == 0 and counts.get("sending", 0) == 0
    assert counts["cancelled"] == len(members) - len(got) + (0 if polls_in(fatima) else 1)
    report = fatima.last().text
    assert tr(locale, CLOSED_FIRST, count=counts["cancelled"]) in report


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
@pytest.mark.parametrize("languages", [("he", "en"), ("ar", "ru")])
async def test_a_crash_between_close_and_stoppoll_is_mended_at_start_up(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Any],
    telegram: FakeTelegram,
    languages: tuple[str, str],
) -> None:
    config = make_config()
    clock = MovableClock(START)
    bot = await start_bot(config, clock)
    _founder, group, fatima, members = await hub_with_members(telegram, languages)
    hub = await bot.services.hubs.for_chat(group.id)
    poll_id = await private_poll(bot, hub.id, fatima)
    await finish(bot, telegram)
    await members[0].vote(polls_in(members[0])[0], [1])
    await bot.stop()
    # What a kill -9 right after the close's transaction leaves: closed, nothing stopped.
    with sqlite3.connect(config.database.path) as conn:
        conn.execute("UPDATE polls SET status = 'closed' WHERE id = ?", (poll_id,))

    bot = await start_bot(config, clock)
    await finish(bot, telegram)
    for member, locale in zip(members, languages, strict=True):
        assert polls_in(member)[0].poll["is_closed"]
        heading = closed_heading(locale, poll_id)
        assert len([m for m in member.inbox() if heading in m.text]) == 1
    await bot.stop()
    bot = await start_bot(config, clock)  # the results were queued once: never again
    await finish(bot, telegram)
    for member, locale in zip(members, languages, strict=True):
        heading = closed_heading(locale, poll_id)
        assert len([m for m in member.inbox() if heading in m.text]) == 1
    assert len(telegram.calls_of("stopPoll")) == 3  # the two members and Fatima, once each
