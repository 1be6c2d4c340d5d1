"""Mentor Hub against a bare python-telegram-bot echo bot, on the same fake Bot API server.

Each bot runs as its own process (as in production) against a fake Telegram server in this
process, over HTTP on loopback. Measured, side by side in one run:

- throughput: a burst of /help updates from many users at once, until every reply has arrived,
  and the bot process's CPU per update in that burst;
- latency: updates offered at a steady rate (default 100/s) for /start and for /help, from the
  moment the server holds the update to the moment the bot's reply reaches it (p50, p99);
- peak memory: the bot process's peak resident set (VmHWM).

Throughput on a shared machine varies from run to run, so the burst is repeated over several
rounds (default 5), the two bots alternating which goes first, and the table gives the ratio's
min/median/max; the steady-rate latency is measured in the first round only.

The bot's pacing of outgoing messages is set far above the load: this measures the bot's own
cost, not Telegram's limits. Run: ``python -m bench updates`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
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
    name: str,
    command: Sequence[str],
    env: dict[str, str],
    args: argparse.Namespace,
    *,
    latency_too: bool = True,
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
            latency: dict[str, tuple[float, float]] = {}
            for text in ("/start", "/help") if latency_too and args.steady else ():
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


async def run(args: argparse.Namespace) -> list[tuple[Result, Result]]:
    """``args.rounds`` rounds of (mentor-hub, echo) results, alternating which runs first."""
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        # Pace far above the load: the bot's own cost is measured here, not Telegram's ceiling.
        config = bot_config(Path(tmp), 100_000, per_chat=100_000)
        subjects = [
            ("mentor-hub", BOT, {"BOT_CONFIG": str(config)}),
            ("ptb echo bot", (sys.executable, "bench/echo_bot.py"), {}),
        ]
        for number in range(args.rounds):
            results: dict[str, Result] = {}
            for name, command, env in subjects if number % 2 == 0 else subjects[::-1]:
                print(f"round {number + 1}/{args.rounds}: measuring {name} …", file=sys.stderr)
                results[name] = await measure(name, command, env, args, latency_too=number == 0)
            rounds.append((results["mentor-hub"], results["ptb echo bot"]))
    return rounds


def _spread(values: list[float], fmt: str) -> str:
    return (
        f"{format(statistics.median(values), fmt)} "
        f"({format(min(values), fmt)}–{format(max(values), fmt)})"
    )


def print_table(rounds: list[tuple[Result, Result]], args: argparse.Namespace) -> None:
    print(
        f"\n{args.users} users; burst of {args.burst} /help updates, {args.rounds} rounds; "
        f"{args.steady} updates per command at {args.rate:g}/s (first round)\n"
    )
    header = (
        f"{'round':<6} {'bot':<14} {'updates/s':>10} {'bot CPU/upd':>12} {'server CPU/upd':>15} "
        f"{'/start p50':>11} {'/start p99':>11} {'/help p50':>10} {'/help p99':>10} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for number, pair in enumerate(rounds, 1):
        for r in pair:
            start, help_ = (
                [f"{ms:.1f}ms" for ms in r.latency[text]] if text in r.latency else ["-", "-"]
                for text in ("/start", "/help")
            )
            print(
                f"{number:<6} {r.name:<14} {r.throughput:>10.0f} {r.bot_cpu_ms:>10.2f}ms "
                f"{r.server_cpu_ms:>13.2f}ms {start[0]:>11} {start[1]:>11} "
                f"{help_[0]:>10} {help_[1]:>10} {r.peak_mb:>8.1f}"
            )
    ratios = [hub.throughput / echo.throughput for hub, echo in rounds]
    print("\nmedian (min–max) over the rounds:")
    print(f"  throughput ratio mentor-hub / echo: {_spread(ratios, '.2f')}")
    for index, name in enumerate(("mentor-hub", "ptb echo bot")):
        cpu = [pair[index].bot_cpu_ms for pair in rounds]
        rate = [pair[index].throughput for pair in rounds]
        print(
            f"  {name:<13} CPU per update: {_spread(cpu, '.2f')} ms; "
            f"updates/s: {_spread(rate, '.0f')}"
        )
    cpu_ratios = [echo.bot_cpu_ms / hub.bot_cpu_ms for hub, echo in rounds]
    print(f"  bot CPU per update, echo / mentor-hub: {_spread(cpu_ratios, '.2f')}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5, help="bursts per bot, side by side")
    parser.add_argument("--steady", type=int, default=1000, help="updates per command")
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second")


def main(args: argparse.Namespace) -> None:
    rounds = asyncio.run(run(args))
    print_table(rounds, args)
