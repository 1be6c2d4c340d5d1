"""Held rows and the delivery worker's queries: do 100,000 rows held overnight slow them?

The same outbox twice, ``--ready`` rows due now (one per member) and then that plus ``--held``
held rows (prompts held for quiet hours, some to the same members as the ready rows). Timed:
reading every ready row in the worker's pages (``due``), ``next_due`` with nothing ready, the
release job's ``release_due`` with nothing to release, and holding a page of 256 rows. Printed as
milliseconds and as the ratio with/without held rows (aim: about 1).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.db.database import Database, to_db_time
from bot.db.outbox import NewMessage, OutboxRepository

PAGE = 256
FIRST_MEMBER_ID = 2_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ready", type=int, default=10_000, help="rows due now")
    parser.add_argument("--held", type=int, default=100_000, help="rows held")
    parser.add_argument("--repeat", type=int, default=5, help="best of this many")


async def _walk(outbox: OutboxRepository, now: datetime) -> int:
    """Read every due row page by page, as the feeder does (without sending them)."""
    after, seen = 0, 0
    while True:
        rows = await outbox.due(now, PAGE, after)
        seen += len(rows)
        if len(rows) < PAGE:
            return seen
        after = rows[-1].id


async def _best(repeat: int, action) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        best = min(best, time.perf_counter() - started)
    return best * 1000


async def _measure(db: Database, outbox: OutboxRepository, ready: int, repeat: int) -> dict:
    now = datetime.now(UTC) + timedelta(seconds=5)
    walked = await _walk(outbox, now)
    assert walked == ready, (walked, ready)
    figures = {"due: every ready row": await _best(repeat, lambda: _walk(outbox, now))}
    async with db.transaction() as conn:  # nothing ready: what the worker asks before sleeping
        await conn.execute("UPDATE outbox SET status = 'sent' WHERE held_until IS NULL")
    figures["next_due, none ready"] = await _best(repeat, outbox.next_due)
    figures["release_due, none due"] = await _best(repeat, lambda: outbox.release_due(now))
    async with db.transaction() as conn:
        await conn.execute("UPDATE outbox SET status = 'pending' WHERE held_until IS NULL")
    await db.execute("ANALYZE")
    return figures


async def _fill(db: Database, ready: int, held: int) -> None:
    until = to_db_time(datetime.now(UTC) + timedelta(hours=10))
    async with db.transaction() as conn:
        await OutboxRepository.add_many(
            conn,
            (
                NewMessage(f"ready:{member}", member, "broadcast", "Ready", member)
                for member in range(FIRST_MEMBER_ID, FIRST_MEMBER_ID + ready)
            ),
        )
        if held:
            first = await OutboxRepository.add_many(
                conn,
                (
                    NewMessage(
                        f"held:{i}",
                        FIRST_MEMBER_ID + i,
                        "prompt",
                        "Held",
                        FIRST_MEMBER_ID + i,
                        holdable=True,
                    )
                    for i in range(held)
                ),
            )
            assert first == held
            await conn.execute("UPDATE outbox SET held_until = ? WHERE kind = 'prompt'", (until,))
    await db.execute("ANALYZE")


async def _run(args: argparse.Namespace) -> None:
    results = {}
    for held in (0, args.held):
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(Path(tmp) / "bench.sqlite3")
            await db.open()
            await _fill(db, args.ready, held)
            outbox = OutboxRepository(db)
            results[held] = await _measure(db, outbox, args.ready, args.repeat)
            until = datetime.now(UTC) + timedelta(hours=1)
            started = time.perf_counter()
            for page in range(4):  # what the worker writes when a page of rows is held
                ids = range(1 + page * PAGE, 1 + (page + 1) * PAGE)
                await outbox.hold([(i, until) for i in ids])
            results[held]["hold a page of 256 (mean)"] = (time.perf_counter() - started) * 250
            await db.close()
    print(
        f"\n{args.ready} ready rows; with and without {args.held} held rows"
        f" (best of {args.repeat})\n"
    )
    print(f"{'query':28} {'no held ms':>11} {'held ms':>9} {'ratio':>6}")
    print("-" * 57)
    for name, base in results[0].items():
        loaded = results[args.held][name]
        ratio = loaded / base if base else float("nan")
        print(f"{name:28} {base:11.2f} {loaded:9.2f} {ratio:6.2f}")


def main(args: argparse.Namespace) -> None:
    asyncio.run(_run(args))
