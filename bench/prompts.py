"""Prompt fan-out at scale: 1,000 hubs of 100 members, a daily prompt due at the same minute.

Most hubs run on the hub's clock (Europe/Chisinau, 18:00 = 16:00 UTC); some run on each member's
clock, their members spread over five zones, so their one schedule each fires five times a day.
The scheduler runs in this process on a test clock (what the JobQueue's job calls at the due
minute): for each due instant, the time from the due minute until every row is in the outbox.
Then every instant is fired again (a racing sweep, a restart): nothing may be written twice.
Printed: the time per due instant, occurrences skipped (aim 0), rows duplicated (aim 0), and the
process's peak memory (aim < 150 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot

from bench.common import peak_mb
from bot.app import build_services
from bot.clock import MovableClock
from bot.config import config_from_mapping
from bot.pacing import TelegramPacer
from bot.services.prompt_rules import Recurrence

HUB_ZONE = "Europe/Chisinau"
MEMBER_ZONES = ("Europe/London", "Europe/Berlin", "Europe/Chisinau", "Europe/Moscow", "Asia/Dubai")
DAY = datetime(2026, 12, 7, tzinfo=UTC)
FIRST_USER = 10_000_000
TEXT = "What did you notice in your mentee's lesson today?"


def populate(path: Path, hubs: int, members: int, per_member_hubs: int) -> None:
    """Users, hubs and memberships straight into a migrated database."""
    now = "2026-12-01T00:00:00Z"
    with sqlite3.connect(path) as conn:
        users = []
        rows = []
        for hub in range(1, hubs + 1):
            member_mode = hub <= per_member_hubs
            for index in range(members):
                uid = FIRST_USER + (hub - 1) * members + index
                zone = MEMBER_ZONES[index % len(MEMBER_ZONES)] if member_mode else None
                users.append((uid, f"Member {uid}", ("en", "ro", "ru", "he")[index % 4], zone))
                role = "facilitator" if index == 0 else "member"
                rows.append((hub, uid, role))
        conn.executemany(
            """INSERT INTO users (id, first_name, language_code, timezone, started_at,
                                  created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(*user, now, now, now) for user in users],
        )
        conn.executemany(
            """INSERT INTO hubs (id, name, code, timezone, locale, prompt_timing, created_at)
               VALUES (?, ?, ?, ?, 'en', ?, ?)""",
            [
                (
                    hub,
                    f"Hub {hub}",
                    f"CODE{hub:05d}",
                    HUB_ZONE,
                    "member" if hub <= per_member_hubs else "hub",
                    now,
                )
                for hub in range(1, hubs + 1)
            ],
        )
        conn.executemany(
            "INSERT INTO memberships (hub_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
            [(*row, now) for row in rows],
        )


async def measure(directory: Path, hubs: int, members: int, per_member_hubs: int) -> dict:
    database = directory / "prompts.sqlite3"
    config = config_from_mapping(
        {
            "telegram": {"token": "123456:bench"},
            "database": {"path": str(database)},
            "defaults": {"timezone": HUB_ZONE},
        },
        {},
    )
    clock = MovableClock(DAY.replace(hour=8))
    services = build_services(config, Bot(config.telegram.token), TelegramPacer(1000), clock)
    await services.db.open()
    populate(database, hubs, members, per_member_hubs)
    for hub in range(1, hubs + 1):
        await services.prompts.create(
            hub_id=hub, author_id=None, recurrence=Recurrence("daily", "18:00"), text=TEXT
        )
    results = []
    moment = await services.db.fetch_value("SELECT MIN(next_fire) FROM schedules WHERE active = 1")
    while moment is not None and datetime.fromisoformat(moment).date() == DAY.date():
        due = datetime.fromisoformat(moment)
        clock.set(due)
        before = await services.db.fetch_value("SELECT COUNT(*) FROM outbox")
        started = time.perf_counter()
        fired = await services.scheduler.run_due()
        elapsed = time.perf_counter() - started
        after = await services.db.fetch_value("SELECT COUNT(*) FROM outbox")
        results.append((due, fired, after - before, elapsed))
        moment = await services.db.fetch_value(
            "SELECT MIN(next_fire) FROM schedules WHERE active = 1"
        )
    # Every instant again, as a racing sweep or a restart would: nothing new may be written.
    rows_before = await services.db.fetch_value("SELECT COUNT(*) FROM outbox")
    refired = 0
    for due, *_rest in results:
        clock.set(due)
        refired += await services.scheduler.run_due()
    rows_after = await services.db.fetch_value("SELECT COUNT(*) FROM outbox")
    per_user = Counter(
        row[0]
        for row in await services.db.fetch_all("SELECT user_id FROM outbox WHERE kind = 'prompt'")
    )
    skipped = await services.db.fetch_value(
        "SELECT COUNT(*) FROM schedule_runs WHERE outcome = 'skipped'"
    )
    await services.db.close()
    return {
        "instants": results,
        "duplicated": sum(n - 1 for n in per_user.values()) + (rows_after - rows_before),
        "missing": hubs * members - len(per_user),
        "skipped": skipped,
        "refired": refired,
        "peak_mb": peak_mb(os.getpid()),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hubs", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--per-member-hubs", type=int, default=200)


def main(args: argparse.Namespace) -> None:
    print("preparing hubs and prompts …", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(Path(tmp), args.hubs, args.members, args.per_member_hubs))
    print(
        f"\n{args.hubs} hubs × {args.members} members, a daily prompt at 18:00; "
        f"{args.per_member_hubs} hubs on members' clocks over {len(MEMBER_ZONES)} zones\n"
    )
    header = f"{'due (UTC)':<12} {'schedules':>10} {'rows':>8} {'due → all in outbox':>21}"
    print(header)
    print("-" * len(header))
    total_rows = 0
    for due, fired, rows, elapsed in result["instants"]:
        total_rows += rows
        print(f"{due:%H:%M:%S}     {fired:>10} {rows:>8} {elapsed * 1000:>18.0f} ms")
    print("-" * len(header))
    print(f"{'rows written':<32} {total_rows:>8}")
    print(f"{'members without a prompt':<32} {result['missing']:>8}")
    print(f"{'occurrences skipped':<32} {result['skipped']:>8}")
    print(f"{'rows duplicated (fired twice)':<32} {result['duplicated']:>8}")
    print(f"{'peak memory':<32} {result['peak_mb']:>6.0f} MB")
