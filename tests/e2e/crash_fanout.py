"""Run one prompt fan-out in this process and SIGKILL it half-way through writing the outbox.

``python -m tests.e2e.crash_fanout <database> <UTC moment>``: the scheduler fires what is due at
that moment; the outbox insert writes some rows, then the process kills itself, as ``kill -9``
would, with the transaction open. ``tests/e2e/test_prompts_timing.py`` checks what survives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime

from telegram import Bot

from bot.app import build_services
from bot.clock import MovableClock
from bot.config import config_from_mapping
from bot.db.outbox import OutboxRepository
from bot.pacing import TelegramPacer


async def main(database: str, moment: str) -> None:
    config = config_from_mapping(
        {
            "telegram": {"token": "123456:crash-test-token"},
            "database": {"path": database},
            "defaults": {"timezone": "Europe/Chisinau"},
        },
        {},
    )
    services = build_services(
        config,
        Bot(config.telegram.token),
        TelegramPacer(1000),
        MovableClock(datetime.fromisoformat(moment)),
    )
    await services.db.open()
    real = OutboxRepository.add_many

    async def add_half_then_die(conn, messages):
        rows = list(messages)
        await real(conn, rows[: len(rows) // 2])
        os.kill(os.getpid(), signal.SIGKILL)

    OutboxRepository.add_many = staticmethod(add_half_then_die)  # type: ignore[method-assign]
    await services.scheduler.run_due()
    print("the fan-out finished: the kill never came", file=sys.stderr)
    sys.exit(3)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
