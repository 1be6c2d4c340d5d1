"""The delivery worker's crash window, with a stand-in Bot and a real database."""

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.config import DeliveryConfig
from bot.db import Database
from bot.db.outbox import NewMessage, OutboxRepository
from bot.pacing import TelegramPacer
from bot.services.delivery import DeliveryWorker

CONFIG = DeliveryConfig(
    messages_per_second=1000, private_chat_per_second=1000, group_per_minute=60000
)


class HeldBot:
    """Answers every send_message only when the test lets it; records the order of sends."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.sent: list[int] = []
        self.in_flight = 0
        self._arrived = asyncio.Condition()

    async def wait_in_flight(self, count: int) -> None:
        async with asyncio.timeout(5), self._arrived:
            await self._arrived.wait_for(lambda: self.in_flight >= count)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> SimpleNamespace:
        self.in_flight += 1
        async with self._arrived:
            self._arrived.notify_all()
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1
        self.sent.append(chat_id)
        return SimpleNamespace(message_id=len(self.sent))


async def nothing(*_: object) -> None:
    """A hook that does nothing."""


@pytest.fixture
async def outbox(tmp_path: Path) -> Any:
    db = Database(tmp_path / "hub.sqlite3")
    await db.open()
    repo = OutboxRepository(db)
    await repo.add(
        NewMessage(key=f"m:{n}", chat_id=10_000 + n, kind="broadcast", text="hi")
        for n in range(100)
    )
    yield repo
    await db.close()


def worker(bot: HeldBot, outbox: OutboxRepository, concurrency: int = 4) -> DeliveryWorker:
    return DeliveryWorker(
        bot,  # type: ignore[arg-type]
        outbox,
        CONFIG,
        TelegramPacer(CONFIG.messages_per_second),
        on_blocked=nothing,
        on_migrated=nothing,
        concurrency=concurrency,
    )


async def statuses(outbox: OutboxRepository) -> dict[str, int]:
    rows = await outbox._db.fetch_all("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {row[0]: row[1] for row in rows}


async def test_rows_are_claimed_only_as_their_request_leaves(outbox: OutboxRepository) -> None:
    bot = HeldBot()
    delivery = worker(bot, outbox, concurrency=4)
    await delivery.start()
    await bot.wait_in_flight(4)
    # Read ahead into memory, but only the four requests out are 'sending': a kill now would
    # repeat at most four.
    assert await statuses(outbox) == {"pending": 96, "sending": 4}
    bot.release.set()
    await delivery.drained()
    await delivery.stop()
    assert await statuses(outbox) == {"sent": 100}
    assert sorted(bot.sent) == [10_000 + n for n in range(100)]


async def test_a_graceful_stop_finishes_what_is_in_flight_and_repeats_nothing(
    outbox: OutboxRepository,
) -> None:
    bot = HeldBot()
    delivery = worker(bot, outbox, concurrency=3)
    await delivery.start()
    await bot.wait_in_flight(3)
    stopping = asyncio.create_task(delivery.stop())
    await asyncio.sleep(0)  # the stop has begun: what was read ahead is let go
    bot.release.set()
    await stopping
    assert await statuses(outbox) == {"sent": 3, "pending": 97}
    again = HeldBot()
    again.release.set()
    delivery = worker(again, outbox)
    await delivery.start()
    await delivery.drained()
    await delivery.stop()
    assert not set(bot.sent) & set(again.sent)
    assert len(bot.sent) + len(again.sent) == 100


async def test_outcomes_survive_a_busy_database(
    outbox: OutboxRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write refused once is written with the next try: no row stays 'sending'."""
    real_apply = outbox.apply
    failures = [1]

    async def flaky_apply(*args: Any, **kwargs: Any) -> set[int]:
        if failures[0] and args[1]:  # the first write that carries outcomes
            failures[0] -= 1
            raise RuntimeError("database is locked")
        return await real_apply(*args, **kwargs)

    monkeypatch.setattr(outbox, "apply", flaky_apply)
    bot = HeldBot()
    bot.release.set()
    delivery = worker(bot, outbox)
    await delivery.start()
    await delivery.drained()
    await delivery.stop()
    assert await statuses(outbox) == {"sent": 100}
    assert len(bot.sent) == 100


async def test_identical_replies_waiting_merge_in_a_group_not_in_a_private_chat(
    outbox: OutboxRepository,
) -> None:
    delivery = worker(HeldBot(), outbox)
    group, person = -100_500, 42
    merged = [await delivery.defer_reply(group, "Help text", None, n, 3) for n in (1, 2, 3)]
    kept = [await delivery.defer_reply(person, "Help text", None, None, 1) for _ in range(3)]
    assert merged == [True, False, False]  # thirty /help in a flooded group: one answer
    assert kept == [True, True, True]  # a person's every answer arrives
