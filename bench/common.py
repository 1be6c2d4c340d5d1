"""What the benchmarks share: the bot as a process against the fake server, and measuring it."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from tests.fakebot import ApiCall, FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
BOT = (sys.executable, "-m", "bot", "run")


class ReplyClock:
    """Matches each reply to the oldest unanswered update of its chat (replies keep order)."""

    def __init__(self) -> None:
        self.sent: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.latencies: list[float] = []
        self.replies = 0

    def offered(self, chat_id: int) -> None:
        self.sent[chat_id].append(time.monotonic())

    def __call__(self, call: ApiCall) -> None:
        if call.method != "sendMessage" or not call.ok:
            return
        queue = self.sent.get(int(call.params["chat_id"]))
        if queue:
            self.latencies.append(call.at - queue.popleft())
            self.replies += 1


def percentile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bot_config(directory: Path, pace: float, *, per_chat: float | None = None) -> Path:
    """The example config with the database in ``directory`` and the given pace.

    ``per_chat``: the per-chat limits too (messages a second in a private chat, and that times 60
    a minute in a group), for benchmarks of the bot's own cost rather than of Telegram's limits.
    """
    text = (ROOT / "config.example.toml").read_text()
    text = text.replace('path = "mentorhub.sqlite3"', f'path = "{directory / "bench.sqlite3"}"')
    text = text.replace("messages_per_second = 25", f"messages_per_second = {pace}")
    if per_chat is not None:
        text = text.replace(
            "private_chat_per_second = 1\n", f"private_chat_per_second = {per_chat}\n"
        )
        text = text.replace("group_per_minute = 20\n", f"group_per_minute = {per_chat * 60}\n")
    config = directory / "config.toml"
    config.write_text(text)
    return config


def hub_database(config: Path, members: int, first_id: int, facilitator: int) -> None:
    """Migrate the config's database and write a hub with ``members`` members straight into it."""
    env = {**os.environ, "BOT_CONFIG": str(config), "BOT_TOKEN": "1:x"}
    subprocess.run([*BOT[:3], "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    now = "2026-11-23T00:00:00Z"
    users = [facilitator] + [first_id + i for i in range(members)]
    with sqlite3.connect(config.parent / "bench.sqlite3") as conn:
        conn.executemany(
            """INSERT INTO users (id, first_name, language_code, started_at, created_at, updated_at)
               VALUES (?, ?, 'en', ?, ?, ?)""",
            [(uid, f"Member {uid}", now, now, now) for uid in users],
        )
        conn.execute(
            """INSERT INTO hubs (id, name, code, chat_id, timezone, locale, created_by, created_at)
               VALUES (1, 'Bench hub', 'BENCH234', -4000009999, 'UTC', 'en', ?, ?)""",
            (facilitator, now),
        )
        conn.executemany(
            "INSERT INTO memberships (hub_id, user_id, role, joined_at) VALUES (1, ?, ?, ?)",
            [(uid, "facilitator" if uid == facilitator else "member", now) for uid in users],
        )


@asynccontextmanager
async def running(
    server: FakeTelegram, command: Sequence[str] = BOT, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a bot process against ``server`` until the block ends, then stop it with Ctrl-C."""
    full_env = {
        **os.environ,
        **(env or {}),
        "BOT_TOKEN": server.token,
        "ECHO_BASE_URL": server.base_url,
        "MENTORHUB_TELEGRAM_API_BASE_URL": server.api_root,
        "PTB_TIMEDELTA": "true",
    }
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=full_env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.wait_for(server.wait_for_poller(), 30)
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 60)
