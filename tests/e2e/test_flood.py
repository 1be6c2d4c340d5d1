"""One busy group never stalls the bot: a chat out of budget gets its replies from the outbox."""

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from bot.config import Config
from tests.conftest import RunningBot, tr
from tests.e2e.test_hubs import make_hub
from tests.e2e.test_questions import ask, hub_with, post_of
from tests.fakebot import FakeTelegram, SimGroup, SimUser

FLOOD = 30


def crowd(telegram: FakeTelegram, group: SimGroup, lang: str) -> list[SimUser]:
    members = [telegram.user(f"Member {n}", language_code=lang) for n in range(FLOOD)]
    for member in members:
        group.add_member(member)
    return members


def error_texts(lang: str) -> list[str]:
    return [
        tr(lang, "The database is busy right now. Please try again in a moment."),
        tr(
            lang,
            "Sorry, something went wrong. Please try again; "
            "if it happens again, tell your facilitator.",
        ),
    ]


def replies_to_commands(group: SimGroup) -> Counter[int]:
    """How many bot messages answer each command (by the message they quote)."""
    return Counter(m.reply_to for m in group.inbox() if m.from_bot and m.reply_to is not None)


@pytest.mark.parametrize("lang", ["en", "he"])
async def test_a_flood_paced_by_the_bot_is_merged_and_nobody_waits(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Config],
    telegram: FakeTelegram,
    lang: str,
) -> None:
    """The bot knows the group's limit: one answer now, the rest merged into one from the outbox."""
    telegram.limits.group_per_minute = 60
    bot: RunningBot = await start_bot(make_config(delivery={"group_per_minute": 60}))
    owner = telegram.user("Olga", language_code=lang)
    group = await make_hub(telegram, owner)
    members = crowd(telegram, group, lang)
    await bot.services.delivery.drained()  # the hub's welcome has taken the group's slot
    before = len(group.inbox())

    for member in members:
        member.post(f"/help@{telegram.bot_username}", chat=group)
    private = telegram.user("Pavel", language_code=lang)
    asked = time.monotonic()
    await private.send("/help")
    answered = next(
        c.at for c in telegram.calls_of("sendMessage") if c.params["chat_id"] == private.id
    )
    assert answered - asked < 5  # not after the group's flood wait (57 s in the report)
    assert "/hubs" in private.last().text

    await bot.services.delivery.drained()
    new = group.inbox()[before:]
    assert telegram.rejected_429 == 0
    assert 1 <= len(new) <= 3  # one answer at once, the rest merged into one
    assert all(m.text == new[0].text for m in new)
    assert not any(text in m.text for m in new for text in error_texts(lang))
    assert all(n == 1 for n in replies_to_commands(group).values())


@pytest.mark.telegram_errors(429)
async def test_a_group_that_answers_429_is_not_waited_for(
    start_bot: Callable[..., Any],
    make_config: Callable[..., Config],
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Telegram stops the group for about a minute: handlers return, the rest waits its turn."""
    bot: RunningBot = await start_bot()  # the test config paces groups far above Telegram
    owner = telegram.user("Olga", language_code="ru")
    group = await make_hub(telegram, owner)
    members = crowd(telegram, group, "ru")
    # Fewer than the bot thinks it may send: its first replies go out, then Telegram says 429.
    telegram.limits.group_per_minute = 3
    caplog.set_level(logging.WARNING)

    for member in members:
        member.post(f"/help@{telegram.bot_username}", chat=group)
    private = telegram.user("Pavel", language_code="ru")
    started = time.monotonic()
    await private.send("/help")
    assert time.monotonic() - started < 5
    assert "/hubs" in private.last().text

    assert telegram.rejected_429 >= 1
    texts = [m.text for m in group.inbox() if m.from_bot]
    assert not any(text in t for t in texts for text in error_texts("ru"))
    assert all(n == 1 for n in replies_to_commands(group).values())
    waiting = await bot.services.db.fetch_all(
        "SELECT text, not_before FROM outbox WHERE chat_id = ? AND status = 'pending'",
        (group.id,),
    )
    assert len(waiting) == 1  # the answers Telegram refused, merged, due when it allows
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_post_refresh_put_off_by_429_happens_when_telegram_allows(
    bot: RunningBot, telegram: FakeTelegram, lang: str
) -> None:
    """A "🙋 Me too" in a group Telegram holds back: no error, the post catches up later."""
    _, group, (alice, dana) = await hub_with(telegram, "en", lang)
    await ask(alice, "How do we start the first meeting?")
    post = post_of(group, 1)
    edits = len(telegram.calls_of("editMessageText"))
    # As after Telegram answered a 429 with retry_after 2 for this group.
    bot.app.bot.rate_limiter.pause(group.id, 2)
    await dana.press(post, "🙋 Me too")
    assert post.buttons[0][0].text == "🙋 Me too"  # not yet, and Telegram was not asked
    assert len(telegram.calls_of("editMessageText")) == edits
    assert bot.app.job_queue.get_jobs_by_name("refresh-post:1")
    assert not any(text in m.text for m in dana.inbox() for text in error_texts(lang))
    await telegram.wait_for(lambda: post.buttons[0][0].text == "🙋 Me too (1)", timeout=10)
