"""Broadcast delivery: a hub of many members, the bot in its own process, the fake server here.

Three runs, side by side, each a broadcast to every member (default 10,000):

1. the server enforces a limit above the bot's configured pace: the achieved rate as a fraction
   of the pace (aim >= 0.95), messages lost and duplicated (aim 0), 429s received;
2. the bot's pace set above the server's limit: 429s happen; still 0 lost and 0 duplicated;
3. the server unlimited and the pace far above anything: the rate the worker itself sustains
   (aim >= 500/s), and the bot's peak memory with every row pending (aim < 150 MB).

Telegram's own numbers (about 30/s, a pace of 25/s) would make one run take seven minutes; by
default both are scaled by ten (300/s and 250/s), which keeps the ratios the runs measure.
``--scale 1`` runs at Telegram's real numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.common import bot_config, cpu_seconds, hub_database, peak_mb, running
from tests.fakebot import ApiCall, FakeTelegram, Limits

FIRST_MEMBER_ID = 2_000_000
TEXT = "Benchmark announcement"


@dataclass
class Run:
    name: str
    pace: float  # configured messages per second (0: unlimited)
    server_limit: float | None
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    rate: float = 0.0
    too_many: int = 0
    peak_mb: float = 0.0
    cpu_ms: float = 0.0  # the bot process's CPU per delivered message


async def measure(run: Run, members: int) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        config = bot_config(Path(tmp), run.pace)
        server = FakeTelegram(limits=Limits(global_per_second=run.server_limit))
        await server.start()
        facilitator = server.user("Facilitator", user_id=1_000)
        facilitator.started = True
        for i in range(members):
            server.user(f"Member {i}", user_id=FIRST_MEMBER_ID + i).started = True
        hub_database(config, members, FIRST_MEMBER_ID, facilitator.id)
        delivered_count = 0

        def tally(call: ApiCall) -> None:  # a running count: rescanning would be quadratic
            nonlocal delivered_count
            if call.ok and call.method == "sendMessage" and TEXT in str(call.params["text"]):
                delivered_count += int(call.params["chat_id"]) >= FIRST_MEMBER_ID

        try:
            async with running(server, env={"BOT_CONFIG": str(config)}) as process:
                await facilitator.send(f"/broadcast {TEXT}")
                await server.wait_for(lambda: bool(facilitator.inbox()), timeout=30)
                server.call_listeners.append(tally)
                cpu_before = cpu_seconds(process.pid)
                await facilitator.press(facilitator.last(), "✅ Confirm")
                started = time.monotonic()
                await server.wait_for(
                    lambda: delivered_count >= members, timeout=members / 10 + 120
                )
                run.peak_mb = peak_mb(process.pid)
                run.cpu_ms = (cpu_seconds(process.pid) - cpu_before) / members * 1000
                elapsed = time.monotonic() - started
        finally:
            await server.stop()
        delivered = [
            c
            for c in server.calls
            if c.ok
            and c.method == "sendMessage"
            and TEXT in str(c.params.get("text"))
            and int(c.params["chat_id"]) >= FIRST_MEMBER_ID
        ]
        per_member = Counter(int(c.params["chat_id"]) for c in delivered)
        run.delivered = len(per_member)
        run.lost = members - len(per_member)
        run.duplicated = sum(n - 1 for n in per_member.values() if n > 1)
        times = sorted(c.at for c in delivered)
        span = times[-1] - times[0] if len(times) > 1 else elapsed
        run.rate = (len(times) - 1) / span if span > 0 else float("nan")
        run.too_many = server.rejected_429
    return run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--scale", type=float, default=10.0, help="multiply Telegram's 30/s and the 25/s pace"
    )


def main(args: argparse.Namespace) -> None:
    limit, pace = 30 * args.scale, 25 * args.scale
    runs = [
        Run("server limit above pace", pace, limit),
        Run("pace above server limit", limit * 4 / 3, limit),
        Run("no limits", 100_000, None),
    ]
    results = []
    for run in runs:
        print(f"measuring: {run.name} …", file=sys.stderr)
        results.append(asyncio.run(measure(run, args.members)))
    print(f"\nbroadcast to {args.members} members; Telegram's numbers scaled by {args.scale:g}\n")
    header = (
        f"{'run':<26} {'pace/s':>8} {'server/s':>9} {'sent/s':>8} {'of pace':>8} "
        f"{'lost':>5} {'dup':>5} {'429s':>6} {'peak MB':>8} {'bot CPU/msg':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        limit_text = f"{r.server_limit:g}" if r.server_limit else "none"
        share = f"{r.rate / r.pace:.2f}" if r.pace < 10_000 else "-"
        print(
            f"{r.name:<26} {r.pace:>8g} {limit_text:>9} {r.rate:>8.0f} {share:>8} "
            f"{r.lost:>5} {r.duplicated:>5} {r.too_many:>6} {r.peak_mb:>8.1f} "
            f"{r.cpu_ms:>10.2f}ms"
        )
    unlimited = results[-1]
    print(
        f"\nthe worker's own ceiling on this machine, from its CPU per message: "
        f"{1000 / unlimited.cpu_ms:.0f} messages/s"
    )
