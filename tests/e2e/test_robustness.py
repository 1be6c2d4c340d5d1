"""When things go wrong: blocked users, a busy database, Telegram failing, secrets in logs."""

import logging
import sqlite3

import pytest

from tests.conftest import RunningBot
from tests.fakebot import FakeTelegram


async def test_blocking_and_coming_back(bot: RunningBot, telegram: FakeTelegram) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/start")
    await alice.block()
    assert (await bot.services.users.get(alice.id)).blocked_at is not None
    await alice.unblock()
    await alice.send("/start")
    assert (await bot.services.users.get(alice.id)).blocked_at is None
    assert "Welcome" in alice.last().text


async def test_busy_database_gets_a_localised_answer_and_nothing_breaks(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    ivan = telegram.user("Ivan", language_code="ru")
    await ivan.send("/start")
    locker = sqlite3.connect(bot.services.db.path, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")
        await ivan.send("/timezone Europe/Moscow")
        busy = ivan.last().text
        assert "/timezone" not in busy
        assert busy != ivan.inbox()[-2].text
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    await ivan.send("/timezone Europe/Moscow")
    assert "Europe/Moscow" in ivan.last().text


async def test_telegram_failing_does_not_stop_the_bot(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/start")
    caplog.set_level(logging.ERROR)
    telegram.set_network_failure(True)
    bob = telegram.user("Bob", language_code="en")
    await bob.send("/help")  # queued while the network is down; polling retries
    telegram.set_network_failure(False)
    await bob.send("/help")
    assert "/hubs" in bob.last().text


@pytest.mark.telegram_errors(429)
async def test_a_429_on_a_reply_is_waited_out(bot: RunningBot, telegram: FakeTelegram) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/start")
    telegram.limits.private_per_second = 1
    await alice.send("/help")
    await alice.send("/hubs")
    assert telegram.rejected_429 >= 1
    assert "You are not in a hub yet" in alice.last().text


async def test_token_never_reaches_the_logs(
    start_bot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await start_bot()
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/start")
    telegram.set_network_failure(True)
    await alice.send("/help")
    telegram.set_network_failure(False)
    await alice.send("/help")
    secret = telegram.token.split(":", 1)[1]
    assert caplog.records
    assert secret not in caplog.text


async def test_a_network_lost_after_start_is_said_once_and_polling_recovers(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    telegram.set_network_failure(True)
    failed = len([c for c in telegram.calls if c.method == "getUpdates" and not c.ok])
    await telegram.wait_for(
        lambda: (
            len([c for c in telegram.calls if c.method == "getUpdates" and not c.ok]) >= failed + 2
        ),
        timeout=30,
    )
    telegram.set_network_failure(False)
    alice = telegram.user("Alice", language_code="ro")
    await alice.send("/help")
    assert "/hubs" in alice.last().text
    said = [r for r in caplog.records if r.name == "bot.startup"]
    assert [r.levelno for r in said] == [logging.WARNING, logging.INFO]
    assert "lost the connection" in said[0].getMessage()
    assert "back" in said[1].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
