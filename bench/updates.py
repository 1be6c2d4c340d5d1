"""Mentor Hub against a bare python-telegram-bot echo bot, on the same fake Bot API server.

Each bot runs as its own process (as in production) against a fake Telegram server in this
process, over HTTP on loopback. Measured, side by side in one run:

- throughput: a burst of updates from many users at once, until every reply has arrived;
- latency: updates offered at a steady rate (default 100/s) for /start and for /help, from the
  moment the server holds the update to the moment the bot's reply reaches it (p50, p99);
- peak memory: the bot process's peak resident set (VmHWM).

The bot's pacing of outgoing messages is set far above the load: this measures the bot's own
cost, not Telegram's limits. Run: ``python -m bench updates`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import BOT, ReplyClock, bot_config, cpu_seconds, peak_mb, percentile_ms, running
from tests.fakebot import FakeTelegram, SimUser


@dataclass
class Result:
    name: str
    throughput: float
    bot_cpu_ms: float  # the bot process's CPU per update in the burst
    server_cpu_ms: float  # the fake server's CPU per update in the burst (not the bot's cost)
    latency: dict[str, tuple[float, float]]  # command -> (p50 ms, p99 ms)
    peak_mb: float


async def _wait_replies(clock: ReplyClock, server: FakeTelegram, count: int) -> None:
    await server.wait_for(lambda: clock.replies >= count, timeout=120)


async def measure(
    name: str, command: Sequence[str], env: dict[str, str], args: argparse.Namespace
) -> Result:
    server = FakeTelegram()
    await server.start()
    clock = ReplyClock()
    server.call_listeners.append(clock)
    try:
        async with running(server, command, env) as process:
            users: list[SimUser] = [
                server.user(f"User{i}", language_code=("en", "ru", "he", "ro", "nl", "ar")[i % 6])
                for i in range(args.users)
            ]

            def offer(user: SimUser, text: str) -> None:
                clock.offered(user.id)
                user.post(text)

            for user in users:  # warm-up: everyone starts the bot once
                offer(user, "/start")
            await _wait_replies(clock, server, len(users))

            # Throughput: a burst of updates at once.
            expected = clock.replies + args.burst
            started, bot_cpu = time.monotonic(), cpu_seconds(process.pid)
            server_cpu = time.process_time()
            for i in range(args.burst):
                offer(users[i % len(users)], "/help")
            await _wait_replies(clock, server, expected)
            throughput = args.burst / (time.monotonic() - started)
            bot_cpu_ms = (cpu_seconds(process.pid) - bot_cpu) / args.burst * 1000
            server_cpu_ms = (time.process_time() - server_cpu) / args.burst * 1000

            # Latency at a steady rate, per command.
            latency = {}
            for text in ("/start", "/help"):
                clock.latencies.clear()
                expected = clock.replies + args.steady
                t0 = time.monotonic()
                for i in range(args.steady):
                    await asyncio.sleep(max(0.0, t0 + i / args.rate - time.monotonic()))
                    offer(users[i % len(users)], text)
                await _wait_replies(clock, server, expected)
                latency[text] = (
                    percentile_ms(clock.latencies, 0.5),
                    percentile_ms(clock.latencies, 0.99),
                )
            peak = peak_mb(process.pid)
    finally:
        await server.stop()
    return Result(name, throughput, bot_cpu_ms, server_cpu_ms, latency, peak)


async def run(args: argparse.Namespace) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        # Pace far above the load: the bot's own cost is measured here, not Telegram's ceiling.
        config = bot_config(Path(tmp), 100_000)
        subjects = [
            ("mentor-hub", BOT, {"BOT_CONFIG": str(config)}),
            ("ptb echo bot", (sys.executable, "bench/echo_bot.py"), {}),
        ]
        for name, command, env in subjects:
            print(f"measuring {name} …", file=sys.stderr)
            results.append(await measure(name, command, env, args))
    return results


def print_table(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\n{args.users} users; burst of {args.burst} updates; "
        f"{args.steady} updates per command at {args.rate:g}/s\n"
    )
    header = (
        f"{'bot':<14} {'updates/s':>10} {'bot CPU/upd':>12} {'server CPU/upd':>15} "
        f"{'/start p50':>11} {'/start p99':>11} {'/help p50':>10} {'/help p99':>10} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<14} {r.throughput:>10.0f} {r.bot_cpu_ms:>10.2f}ms "
            f"{r.server_cpu_ms:>13.2f}ms {r.latency['/start'][0]:>9.1f}ms "
            f"{r.latency['/start'][1]:>9.1f}ms {r.latency['/help'][0]:>8.1f}ms "
            f"{r.latency['/help'][1]:>8.1f}ms {r.peak_mb:>8.1f}"
        )
    hub, echo = results
    print(f"\nthroughput ratio mentor-hub / echo: {hub.throughput / echo.throughput:.2f}")
    print(f"bot CPU per update, echo / mentor-hub: {echo.bot_cpu_ms / hub.bot_cpu_ms:.2f}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--steady", type=int, default=1000, help="updates per command")
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second")


def main(args: argparse.Namespace) -> None:
    results = asyncio.run(run(args))
    print_table(results, args)
