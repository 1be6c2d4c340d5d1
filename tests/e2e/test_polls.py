"""Quick polls end to end: sent, answered (named and anonymous), closed, results, reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.handlers.common import plain_text
from bot.i18n import use_locale
from bot.services.poll_types import MAX_OPTION, MAX_OPTIONS, MAX_QUESTION, PollError
from tests.conftest import RunningBot, tr
from tests.e2e.meeting_helpers import START, meeting_hub, run_due
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

QUESTION = "Which day suits you?"
DAYS = ["Mon", "Wed", "Thu"]


def polls_in(chat: SimUser | SimGroup) -> list[Msg]:
    return [m for m in chat.inbox() if m.poll is not None]


async def setup(start_bot: Callable[..., Any], telegram: FakeTelegram, **kwargs: Any):
    bot, clock, group, fatima, members = await meeting_hub(start_bot, telegram, **kwargs)
    for member in members:
        group.add_member(member)
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    return bot, clock, group, fatima, members, hub.id


async def create(bot: RunningBot, hub_id: int, author: SimUser, **kwargs: Any):
    view = await bot.services.polls.create(
        hub_id=hub_id, author_id=author.id, question=QUESTION, options=DAYS, **kwargs
    )
    await bot.services.polls.drain()
    return view


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
async def test_named_group_poll_multiple_retract_results_and_reminders(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima, anonymous=False, multiple=True)
    [poll] = polls_in(group)
    assert poll.poll is not None and poll.poll["allows_multiple_answers"]
    assert not poll.poll["is_anonymous"]

    await noa.vote(poll, [0, 2])
    await mike.vote(poll, [1])
    await mike.vote(poll, [])  # retracted
    results = await bot.services.polls.results(view.id)
    assert results.counts == (1, 0, 1)
    assert results.total == 1
    assert results.non_voters is not None
    assert {v.user_id for v in results.non_voters} >= {mike.id, fatima.id}
    assert noa.id not in {v.user_id for v in results.non_voters}

    await fatima.send(f"/results {view.id}")
    shown = fatima.last()
    assert tr("en", "Not voted yet: {names}", names="").strip() in shown.text
    assert "Member1" in shown.text and "Member0" not in shown.text.split("Not voted")[1]
    assert "1 · 100%" in shown.text and "0 · 0%" in shown.text

    # In the group: no names of who has not voted.
    await fatima.send(f"/results {view.id}", chat=group)
    assert "Not voted" not in group.last().text

    # Remind non-voters, in one hour: to Mike (retracted) and not to Noa, once.
    await fatima.press(shown, tr("en", "🔔 Remind non-voters"))
    await fatima.press(fatima.last(), tr("en", "In 1 hour"))
    with pytest.raises(PollError):
        await bot.services.polls.remind_non_voters(view.id, START + timedelta(hours=2))
    clock.set(START + timedelta(hours=1, minutes=1))
    await run_due(bot, telegram)
    reminder = "is waiting for your vote"
    assert [m for m in mike.inbox() if reminder in m.text]
    assert not [m for m in noa.inbox() if reminder in m.text]
    await run_due(bot, telegram)
    assert len([m for m in mike.inbox() if reminder in m.text]) == 1


async def test_anonymous_group_poll_counts_close_early_and_no_reminder(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima)
    [poll] = polls_in(group)
    await noa.vote(poll, [1])
    await mike.vote(poll, [1])
    results = await bot.services.polls.results(view.id)
    assert results.counts == (0, 2, 0) and results.total == 2
    assert results.non_voters is None

    await fatima.send(f"/results {view.id}")
    shown = fatima.last()
    assert tr("en", "This poll is anonymous: nobody can see who voted for what.") in shown.text
    answer = await fatima.press(shown, tr("en", "🔔 Remind non-voters"))
    assert answer is not None and "anonymous" in (answer.text or "")
    with pytest.raises(PollError):
        await bot.services.polls.remind_non_voters(view.id, START + timedelta(hours=1))

    await fatima.send(f"/closepoll {view.id}")
    assert fatima.last().text == tr("en", "The poll is closed; its results are on their way.")
    await bot.services.polls.drain()  # the stop and the results, in the background
    await telegram.settle()
    assert poll.poll["is_closed"]
    posted = group.last().text
    assert QUESTION in posted and "100%" in posted
    await fatima.send(f"/closepoll {view.id}")
    assert fatima.last().text == tr("en", "This poll is already closed.")


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
@pytest.mark.parametrize("languages", [("he", "en"), ("en", "ar")])
async def test_private_poll_closes_on_time_across_a_restart(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, str]
) -> None:
    bot, clock, _group, fatima, (first, second), hub_id = await setup(
        start_bot, telegram, languages=languages
    )
    view = await create(
        bot, hub_id, fatima, anonymous=False, private=True, closes_at=START + timedelta(hours=2)
    )
    for member in (first, second, fatima):
        assert len(polls_in(member)) == 1
    await first.vote(polls_in(first)[0], [2])

    await bot.stop()
    clock.set(START + timedelta(hours=2, minutes=1))
    bot = await start_bot(clock=clock)
    await run_due(bot, telegram)
    await bot.services.polls.drain()
    bot.services.delivery.wake()
    await telegram.settle()
    assert (await bot.services.polls.get(view.id)).status == "closed"
    for member in (first, second):
        assert polls_in(member)[0].poll["is_closed"]
        closed = [m for m in member.inbox() if QUESTION in m.text and "█" in m.text]
        assert len(closed) == 1
    # The voter's own closed-poll message reads in their language (the RTL ones too).
    assert (await bot.services.polls.results(view.id)).counts == (0, 0, 1)


async def test_bad_input_and_refusals(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, group, fatima, (noa, _mike), hub_id = await setup(start_bot, telegram)
    polls = bot.services.polls
    bad = [
        {"options": ["Only one"]},
        {"options": [f"Option {i}" for i in range(MAX_OPTIONS + 1)]},
        {"options": ["Mon", "x" * (MAX_OPTION + 1)]},
        {"options": ["Mon", " mon "]},
        {"question": "q" * (MAX_QUESTION + 1)},
        {"closes_at": START - timedelta(minutes=1)},
    ]
    for extra in bad:
        params: dict[str, Any] = {"question": QUESTION, "options": DAYS, **extra}
        with pytest.raises(PollError) as error:
            await polls.create(hub_id=hub_id, author_id=fatima.id, **params)
        assert error.value.message
    assert polls_in(group) == []

    view = await create(bot, hub_id, fatima, anonymous=False)
    await fatima.send("/results 999")
    assert fatima.last().text == tr("en", "There is no poll with that number.")
    await fatima.send("/results")
    assert "/results" in fatima.last().text
    await noa.send(f"/results {view.id}")
    assert noa.last().text == tr("he", "Only this hub's facilitators can do that.")
    await noa.send(f"/closepoll {view.id}")
    assert noa.last().text == tr("he", "Only this hub's facilitators can do that.")
    assert (await polls.get(view.id)).status == "open"

    # Another hub's facilitator cannot touch it.
    other = telegram.user("Other", language_code="en")
    await other.send("/start")
    await other.send(f"/closepoll {view.id}")
    assert (await polls.get(view.id)).status == "open"

    # Forged callbacks: a member pressing close, nonsense data.
    await fatima.send(f"/results {view.id}", chat=group)
    answer = await noa.press_data(group.last(), f"pr:c:{view.id}")
    await fatima.send(f"/results {view.id}")
    shown = fatima.last()
    assert answer is not None
    assert answer.text == tr("he", "Only this hub's facilitators can do that.")
    answer = await fatima.press_data(shown, f"pr:t:{view.id}:zz")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    answer = await fatima.press_data(shown, "pr:c:99999")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    assert (await polls.get(view.id)).status == "open"


async def test_poll_text_goes_out_as_typed_not_as_html(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    """The bot's default parse mode is HTML: a poll must not inherit it ("<3" is not HTML)."""
    bot, _clock, group, fatima, (_noa, _mike), hub_id = await setup(start_bot, telegram)
    question = "Q&A day? <3 hours, or <b>more</b>?"
    options = ["A & B", "<i>later</i>", "1 < 2"]
    await bot.services.polls.create(
        hub_id=hub_id, author_id=fatima.id, question=question, options=options
    )
    [poll] = polls_in(group)
    assert poll.poll is not None
    assert poll.poll["question"] == question
    assert [o["text"] for o in poll.poll["options"]] == options


async def test_a_vote_from_outside_the_hub_is_not_counted(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, group, fatima, (noa, _mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima, anonymous=False)
    [poll] = polls_in(group)
    stranger = telegram.user("Stranger", language_code="ar")
    group.add_member(stranger)  # in the group, never joined the hub
    await stranger.vote(poll, [0])
    await noa.vote(poll, [1])
    results = await bot.services.polls.results(view.id)
    assert results.counts == (0, 1, 0) and results.total == 1
    assert stranger.id not in {v.user_id for v in results.voters or []}


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
async def test_a_held_reminder_goes_not_to_who_voted_meanwhile(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, mike), hub_id = await setup(start_bot, telegram)
    view = await create(bot, hub_id, fatima, anonymous=False, private=True)
    await noa.send("/quiet 00:00-23:59")  # the reminder will wait for her quiet hours
    await bot.services.polls.remind_non_voters(view.id, START + timedelta(hours=1))
    clock.set(START + timedelta(hours=1, minutes=1))
    await run_due(bot, telegram)
    reminder = "is waiting for your vote"
    assert [m for m in mike.inbox() if reminder in m.text]  # not held: reminded
    await noa.vote(polls_in(noa)[0], [1])
    await noa.send("/quiet off")  # released: decided again, she has voted
    bot.services.delivery.wake()
    await telegram.settle()
    rows = await bot.services.db.fetch_all(
        "SELECT status, reason FROM outbox WHERE kind = 'poll_remind' AND user_id = ?", (noa.id,)
    )
    assert [(r[0], r[1]) for r in rows] == [("cancelled", "voted")]


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_an_anonymous_poll_cannot_go_privately_to_each_member(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    """Privately, each member's poll message would tell the bot their answer."""
    bot, _clock, group, fatima, _members, hub_id = await setup(start_bot, telegram)
    refusal = (
        "An anonymous poll can only go to the hub's group: sent to each member privately, "
        "each answer would be known. Switch anonymous off, or send it to the group."
    )
    with use_locale(locale), pytest.raises(PollError) as refused:
        await create(bot, hub_id, fatima, anonymous=True, private=True)
    assert plain_text(refused.value.message) == tr(locale, refusal)
    assert await bot.services.db.fetch_all("SELECT id FROM polls") == []
    assert polls_in(group) == []
