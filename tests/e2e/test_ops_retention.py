"""Data minimisation: the daily retention job, driven by moving the scheduler's clock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import MovableClock
from bot.db.database import to_db_time
from tests.e2e.test_broadcasts import copies, hub_with_members
from tests.fakebot import FakeTelegram


async def add_row(db, key: str, chat_id: int, status: str, updated: datetime, **extra) -> None:  # type: ignore[no-untyped-def]
    columns = {
        "key": key,
        "chat_id": chat_id,
        "user_id": chat_id if chat_id > 0 else None,
        "kind": "test",
        "ref_id": 7,
        "text": f"private text {key}",
        "status": status,
        "not_before": to_db_time(updated + timedelta(days=3650)),  # never picked up by the worker
        "created_at": to_db_time(updated),
        "updated_at": to_db_time(updated),
        **extra,
    }
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    await db.execute(f"INSERT INTO outbox ({names}) VALUES ({marks})", list(columns.values()))  # noqa: S608


async def keys(db) -> set[str]:  # type: ignore[no-untyped-def]
    return {row[0] for row in await db.fetch_all("SELECT key FROM outbox")}


# The hub's founder never started the bot: Telegram refuses them (403).
@pytest.mark.telegram_errors(403)
async def test_old_finished_deliveries_go_recent_and_unfinished_stay(
    start_bot, make_config, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    clock = MovableClock(start)
    bot = await start_bot(make_config(retention={"days": 30, "hour": 4}), clock)
    services = bot.services
    db = services.db
    _founder, group, fatima, (noa, mihai) = await hub_with_members(telegram, ("he", "ru"))
    await fatima.send("/broadcast Old news for everyone")
    await fatima.press(fatima.last(), "✅ Confirm")
    await services.delivery.drained()
    assert len(copies(noa, "Old news")) == len(copies(mihai, "Old news")) == 1
    broadcast = await db.fetch_all(
        "SELECT key, status FROM outbox WHERE kind = 'broadcast' AND chat_id > 0"
    )
    sent_rows = {key for key, status in broadcast if status == "sent"}
    assert len(sent_rows) >= 3  # Fatima, Noa, Mihai
    # Beside it: unfinished rows from long ago, a group post, and a row finished later on.
    old = start - timedelta(days=100)
    await add_row(db, "old-pending", noa.id, "pending", old)
    await add_row(db, "old-held", mihai.id, "pending", old, held_until=to_db_time(old))
    await add_row(db, "old-sending", mihai.id, "sending", old)
    await add_row(db, "old-group-post", group.id, "sent", old)
    await add_row(db, "old-failed", noa.id, "failed", old)
    await add_row(db, "recent-sent", noa.id, "sent", start + timedelta(days=25))
    before = await keys(db)

    # Not its hour yet; then a few days on: it runs, and nothing is 30 days old but the 100-day-old.
    assert not await services.retention.job.run_due()
    clock.set(start + timedelta(days=5))
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        assert await services.retention.job.run_due()
    assert await keys(db) == before - {"old-failed"}
    assert "deleted 1 outbox rows" in caplog.text
    assert not await services.retention.job.run_due()  # once a day

    caplog.clear()
    clock.set(start + timedelta(days=40))  # the broadcast is 40 days old now
    doomed = await db.fetch_value(
        """SELECT COUNT(*) FROM outbox WHERE chat_id > 0 AND updated_at < ?
           AND status NOT IN ('pending', 'sending')""",
        (to_db_time(start + timedelta(days=10)),),
    )
    assert doomed > len(broadcast)  # also the report to Fatima, the invitation...
    with caplog.at_level(logging.INFO, logger="bot.services.retention"):
        assert await services.retention.job.run_due()
    left = await keys(db)
    assert not sent_rows & left
    assert {"old-pending", "old-held", "old-sending", "old-group-post", "recent-sent"} <= left
    assert f"deleted {doomed} outbox rows" in caplog.text
    # The counts survive without anyone in them.
    counts = dict(
        await db.fetch_all(
            "SELECT status, count FROM delivery_counts WHERE kind = 'broadcast'",
        )
    )
    expected: dict[str, int] = {}
    for _key, status in broadcast:
        expected[status] = expected.get(status, 0) + 1
    assert counts == expected
    assert not await db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE text LIKE '%Old news%' AND chat_id > 0"
    )
    # The bot goes on as before.
    await noa.send("/help")
    assert noa.last() is not None


# The founder never started the bot (403).
@pytest.mark.telegram_errors(403)
async def test_counts_survive_in_broadcasts_and_export_after_the_job(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from tests.e2e.test_exports import documents, table, unzip

    start = datetime.now(UTC).replace(microsecond=0)
    clock = MovableClock(start)
    bot = await start_bot(make_config(retention={"days": 30, "hour": 4}), clock)
    services = bot.services
    _founder, _group, fatima, _members = await hub_with_members(telegram, ("he", "ru"))
    await fatima.send("/broadcast Old news for everyone")
    await fatima.press(fatima.last(), "✅ Confirm")
    await services.delivery.drained()
    await fatima.send("/broadcasts")
    before = fatima.last().text
    assert "3 delivered" in before and "1 never started the bot" in before
    await fatima.send("/export")
    [announcement] = table(unzip(documents(fatima)[-1]), "announcements.csv")[1:]

    clock.set(start + timedelta(days=40))
    assert await services.retention.job.run_due()
    assert not await services.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'broadcast' AND chat_id > 0"
    )
    await fatima.send("/broadcasts")
    assert fatima.last().text == before
    await fatima.send("/export")
    assert table(unzip(documents(fatima)[-1]), "announcements.csv")[1:] == [announcement]
    assert announcement[3] == "3"
