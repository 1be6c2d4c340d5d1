"""Where the update path spends its time: cProfile of the bot under /help and /start bursts.

The bot runs as its own process (``bench.profiled_bot``, the real ``python -m bot run`` with a
profiler switched on by a signal) against the fake server here, with its pacing far above the load.
Everyone sends /start once to warm up; then, for each command, a burst from many users at once
(half of them hub members, one a facilitator) is profiled from the first update to the last reply.

For each burst it prints the process's CPU per update and three tables, per update:
- by own time (tottime): where the CPU goes, whatever the caller;
- by cumulative time, the bot's own functions: which of our steps cost what, callees included;
- by cumulative time, the libraries' steps (python-telegram-bot, httpx/httpcore, anyio, aiosqlite,
  Babel) under a third of the total, so the one chain every update goes down does not fill it.
Waiting in ``epoll`` is idle time, not cost, and is left out. A coroutine counts one call per
resumption. ``--echo`` profiles the bare echo bot of ``bench updates`` the same way.

cProfile needs no install. With ``--py-spy FILE`` and py-spy on the PATH, a py-spy flame graph
(SVG) of the same bursts is recorded as well; py-spy samples without slowing the bot down.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, ReplyClock, bot_config, cpu_seconds, hub_database, running
from tests.fakebot import FakeTelegram, SimUser

FIRST_USER_ID = 3_000_000
LOCALES = ("en", "ru", "he", "ro", "nl", "ar")
LIBRARIES = ("/telegram/", "/httpx/", "/httpcore/", "/anyio/", "/aiosqlite/", "/babel/")
IDLE = ("of 'select.epoll' objects>", "of 'select.kqueue' objects>")
# Python-telegram-bot's dispatch chain: each contains the whole handler.
DISPATCH = ("ext/_application.py", "ext/_baseupdateprocessor.py", "_handlers/basehandler.py")

Key = tuple[str, int, str]


def where(key: Key) -> str:
    """``package/module.py:line(function)``, short enough for a table."""
    filename, line, function = key
    if filename == "~":
        return function
    for marker in ("site-packages/", "/lib/python3", str(ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    filename = filename.split("/", 1)[1] if filename.startswith(".") else filename
    return f"{filename}:{line}({function})"


def print_top(stats: pstats.Stats, updates: int, top: int) -> None:
    entries = stats.stats  # type: ignore[attr-defined]
    rows = [
        (key, calls, tottime, cumtime)
        for key, (_, calls, tottime, cumtime, _) in entries.items()
        if not any(idle in key[2] for idle in IDLE)
    ]
    total = sum(tottime for _, _, tottime, _ in rows)
    print(f"profiled time (without epoll waits): {total / updates * 1e6:.0f} µs per update")

    def table(title: str, chosen: list[tuple[Key, int, float, float]]) -> None:
        print(f"\n{title}")
        print(f"{'calls/upd':>9} {'own µs/upd':>10} {'cum µs/upd':>10}  function")
        for key, calls, tottime, cumtime in chosen[:top]:
            print(
                f"{calls / updates:>9.2f} {tottime / updates * 1e6:>10.1f} "
                f"{cumtime / updates * 1e6:>10.1f}  {where(key)}"
            )

    table("top by own time (tottime), everything", sorted(rows, key=lambda r: -r[2]))
    by_cumulative = sorted(rows, key=lambda r: -r[3])
    table(
        "top by cumulative time, the bot's own code",
        [r for r in by_cumulative if "/bot/" in r[0][0] and "/bench/" not in r[0][0]],
    )
    table(
        "top by cumulative time, library steps under a third of the total (below the chain "
        "dispatch → send_message → httpx that holds everything)",
        [
            r
            for r in by_cumulative
            if any(part in r[0][0] for part in LIBRARIES)
            and not any(part in r[0][0] for part in DISPATCH)
            and r[3] < total / 3
        ],
    )


def _forget(path: Path) -> None:
    path.unlink(missing_ok=True)


async def burst(
    server: FakeTelegram,
    clock: ReplyClock,
    process: asyncio.subprocess.Process,
    users: list[SimUser],
    text: str,
    count: int,
    out: Path,
) -> tuple[pstats.Stats, float, float]:
    """Profile ``count`` updates of ``text``; return the stats, CPU ms per update and updates/s."""
    _forget(out)
    process.send_signal(signal.SIGUSR1)
    await asyncio.sleep(0.2)  # let the signal land before the first update
    expected = clock.replies + count
    cpu, started = cpu_seconds(process.pid), time.monotonic()
    for i in range(count):
        user = users[i % len(users)]
        clock.offered(user.id)
        user.post(text)
    await server.wait_for(lambda: clock.replies >= expected, timeout=300)
    elapsed = time.monotonic() - started
    cpu_ms = (cpu_seconds(process.pid) - cpu) / count * 1000
    process.send_signal(signal.SIGUSR2)
    await server.wait_for(out.exists, timeout=60)
    return pstats.Stats(str(out)), cpu_ms, count / elapsed


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = bot_config(Path(tmp), 100_000, per_chat=100_000)
        members = args.users // 2
        hub_database(config, members, FIRST_USER_ID, FIRST_USER_ID - 1)
        keep = Path(args.out) if args.out else None
        out = Path(tmp) / "update.prof"
        server = FakeTelegram()
        await server.start()
        clock = ReplyClock()
        server.call_listeners.append(clock)
        env = {"BOT_CONFIG": str(config), "MENTORHUB_PROFILE_OUT": str(out)}
        target = ("bench.echo_bot",) if args.echo else ("bot", "run")
        command = (sys.executable, "-m", "bench.profiled_bot", *target)
        try:
            async with running(server, command, env) as process:
                users = [server.user("Facilitator", user_id=FIRST_USER_ID - 1)] + [
                    server.user(f"User{i}", user_id=FIRST_USER_ID + i, language_code=LOCALES[i % 6])
                    for i in range(args.users - 1)
                ]
                for user in users:  # warm-up: caches, connections, every locale's catalog
                    for text in ("/start", "/help"):
                        clock.offered(user.id)
                        user.post(text)
                await server.wait_for(lambda: clock.replies >= 2 * len(users), timeout=120)
                spy = None
                if args.py_spy:
                    py_spy = shutil.which("py-spy")
                    if py_spy is None:
                        raise SystemExit("--py-spy: py-spy is not on the PATH (pip install py-spy)")
                    spy = await asyncio.create_subprocess_exec(
                        py_spy,
                        *("record", "--pid", str(process.pid), "-o", args.py_spy),
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=asyncio.subprocess.DEVNULL,
                    )
                    await asyncio.sleep(1)
                for text in args.commands:
                    stats, cpu_ms, rate = await burst(
                        server, clock, process, users, text, args.burst, out
                    )
                    print(
                        f"\n=== {text}: burst of {args.burst} from {len(users)} users; "
                        f"bot CPU {cpu_ms:.2f} ms per update ({rate:.0f} updates/s, profiled)"
                    )
                    print_top(stats, args.burst, args.top)
                    if keep is not None:
                        keep.mkdir(parents=True, exist_ok=True)
                        stats.dump_stats(keep / f"{text.strip('/')}.prof")
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    await asyncio.wait_for(spy.wait(), 60)
                    print(f"\npy-spy flame graph: {args.py_spy}")
        finally:
            await server.stop()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--burst", type=int, default=2000, help="updates per command")
    parser.add_argument("--top", type=int, default=15, help="rows per table")
    parser.add_argument("--commands", nargs="+", default=["/help", "/start"])
    parser.add_argument("--out", metavar="DIR", help="keep each burst's pstats file in DIR")
    parser.add_argument(
        "--echo", action="store_true", help="profile the bare echo bot instead, for comparison"
    )
    parser.add_argument("--py-spy", metavar="SVG", help="also record a py-spy flame graph")


def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    asyncio.run(run(args))
