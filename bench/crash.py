"""kill -9 mid-broadcast, over and over: what a crash costs (duplicates per kill) and the pace.

The bot runs in its own process against the fake server (no limits). A broadcast goes to every
member; the process is killed with SIGKILL after a random number of deliveries, started again,
killed again, ``--kills`` times, then left to finish. Printed per pace: messages lost (aim 0),
duplicates per kill (aim: at most the worker's senders, the requests that can be open at once)
and the rate achieved between kills. ``tests/e2e/test_crash.py`` runs the same at 300 members.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, bot_config, hub_database
from bot.app import CONNECTIONS
from tests.fakebot import ApiCall, FakeTelegram

FIRST_MEMBER = 3_000_000
TEXT = "Announcement that must arrive once"
SENDERS = CONNECTIONS // 2  # the delivery worker's concurrency (bot/app.py)


@dataclass
class Crashes:
    """What a run of kills did: deliveries per life of the process, and the rows' reasons."""

    seed: int
    members: int
    lives: list[Counter[int]] = field(default_factory=list)
    reasons: dict[int, str | None] = field(default_factory=dict)
    send_seconds: float = 0.0  # time spent sending, summed over the lives

    @property
    def received(self) -> Counter[int]:
        total: Counter[int] = Counter()
        for life in self.lives:
            total.update(life)
        return total

    def repeated_per_kill(self) -> list[int]:
        """For each restart: members who got again what they had before the kill."""
        seen: set[int] = set()
        repeated = []
        for life in self.lives:
            repeated.append(len(set(life) & seen))
            seen |= set(life)
        return repeated[1:]

    @property
    def rate(self) -> float:
        return sum(self.received.values()) / self.send_seconds if self.send_seconds else 0.0


async def _start(server: FakeTelegram, config: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env={
            **os.environ,
            "BOT_CONFIG": str(config),
            "BOT_TOKEN": server.token,
            "MENTORHUB_TELEGRAM_API_BASE_URL": server.api_root,
            "MENTORHUB_TELEGRAM_POLL_TIMEOUT": "1",
            "PTB_TIMEDELTA": "true",
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.wait_for(server.wait_for_poller(), 30)
    return process


async def kill_repeatedly(
    directory: Path, *, members: int, kills: int, pace: float, seed: int, most_per_life: int
) -> Crashes:
    """Broadcast to ``members``, SIGKILL the bot ``kills`` times mid-send, then let it finish."""
    rng = random.Random(seed)
    result = Crashes(seed, members)
    config = bot_config(directory, pace)
    server = FakeTelegram()
    await server.start()
    facilitator = server.user("Facilitator", user_id=1_000)
    facilitator.started = True
    for n in range(members):
        server.user(f"Member {n}", user_id=FIRST_MEMBER + n).started = True
    hub_database(config, members, FIRST_MEMBER, facilitator.id)
    process: asyncio.subprocess.Process | None = None
    kill_after = 0
    first_at: float | None = None

    def on_call(call: ApiCall) -> None:
        nonlocal first_at
        if not (call.ok and call.method == "sendMessage" and TEXT in str(call.params["text"])):
            return
        member = int(call.params["chat_id"])
        if member < FIRST_MEMBER:
            return  # the facilitator: the preview and the report quote the text too
        first_at = call.at if first_at is None else first_at
        life = result.lives[-1]
        life[member] += 1
        alive = process is not None and process.returncode is None
        if alive and sum(life.values()) >= kill_after:
            os.kill(process.pid, signal.SIGKILL)

    server.call_listeners.append(on_call)
    try:
        for life in range(kills + 1):
            kill_after = members * 10 if life == kills else rng.randint(1, most_per_life)
            result.lives.append(Counter())
            first_at = None
            process = await _start(server, config)
            if life == 0:
                await facilitator.send(f"/broadcast {TEXT}")
                await server.wait_for(lambda: bool(facilitator.inbox()), timeout=30)
                await facilitator.press(facilitator.last(), "✅ Confirm")
            # The life ends with its kill, or when every member has the message (then stop it).
            exited = asyncio.ensure_future(process.wait())
            done = asyncio.ensure_future(
                server.wait_for(lambda: len(result.received) == members, timeout=300)
            )
            await asyncio.wait({exited, done}, return_when=asyncio.FIRST_COMPLETED)
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
            await asyncio.wait_for(exited, 60)
            done.cancel()
            if life < kills and process.returncode != -signal.SIGKILL:
                break  # everything arrived before this life's kill
            if first_at is not None:
                result.send_seconds += time.monotonic() - first_at
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()
    with sqlite3.connect(directory / "bench.sqlite3") as conn:
        result.reasons = dict(
            conn.execute(
                "SELECT chat_id, reason FROM outbox"
                " WHERE kind = 'broadcast' AND status = 'sent' AND chat_id >= ?",
                (FIRST_MEMBER,),
            ).fetchall()
        )
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--members", type=int, default=2_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)


def main(args: argparse.Namespace) -> None:
    seed = random.randrange(1_000_000) if args.seed is None else args.seed
    paces = (250.0, 100_000.0)
    results = []
    for pace in paces:
        print(f"measuring: pace {pace:g}/s, {args.kills} kills …", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            most = max(2, args.members // args.kills)
            results.append(
                asyncio.run(
                    kill_repeatedly(
                        Path(tmp),
                        members=args.members,
                        kills=args.kills,
                        pace=pace,
                        seed=seed,
                        most_per_life=most,
                    )
                )
            )
    print(f"\n{args.members} members, {args.kills} kills (SIGKILL) each, seed {seed}; ")
    print(f"the worker has {SENDERS} senders, so at most {SENDERS} requests are open at once\n")
    header = (
        f"{'pace/s':>8} {'lost':>5} {'dup total':>10} {'dup/kill min':>13} {'median':>7} "
        f"{'max':>4} {'resends without reason':>23} {'sent/s in a life':>17}"
    )
    print(header)
    print("-" * len(header))
    for pace, r in zip(paces, results, strict=True):
        per_kill = r.repeated_per_kill()
        received = r.received
        repeated = [m for m, n in received.items() if n > 1]
        unexplained = sum(1 for m in repeated if "resent" not in (r.reasons.get(m) or ""))
        pace_text = "none" if pace >= 10_000 else f"{pace:g}"
        print(
            f"{pace_text:>8} {r.members - len(received):>5} {sum(per_kill):>10} "
            f"{min(per_kill):>13} {statistics.median(per_kill):>7g} {max(per_kill):>4} "
            f"{unexplained:>23} {r.rate:>17.0f}"
        )
