"""``python -m bot restore FILE`` as an operator runs it: a process beside (or instead of) a bot."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.services.backups import copy_database
from tests.e2e.test_cli import ROOT, write_config
from tests.fakebot import FakeTelegram


@dataclass
class Done:
    returncode: int | None
    output: str


async def cli(config: Path, token: str, *args: str) -> Done:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        *args,
        cwd=ROOT,
        env={**os.environ, "BOT_TOKEN": token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return Done(process.returncode, output.decode())


def exists(path: str) -> bool:
    return Path(path).exists()


def users(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM users ORDER BY id")]


def add_user(path: Path, user_id: int) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO users (id, created_at, updated_at) VALUES (?, 'x', 'x')", (user_id,)
        )
    conn.close()


@pytest.fixture
async def setup(tmp_path: Path, telegram: FakeTelegram) -> tuple[Path, Path, Path]:
    """(config, the live database with user 7 then 8, a backup holding user 7 only)."""
    config = write_config(tmp_path, telegram)
    migrated = await cli(config, telegram.token, "migrate")
    assert migrated.returncode == 0, migrated.output
    live = tmp_path / "hub.sqlite3"
    add_user(live, 7)
    backup = tmp_path / "saved" / "mentorhub-20261205-030000Z.sqlite3"
    backup.parent.mkdir()
    copy_database(live, backup)
    add_user(live, 8)
    return config, live, backup


async def test_restore_puts_the_backup_in_place_and_keeps_the_old_file(
    setup: tuple[Path, Path, Path], telegram: FakeTelegram
) -> None:
    config, live, backup = setup
    done = await cli(config, telegram.token, "restore", str(backup))
    assert done.returncode == 0, done.output
    assert f"restored {backup}" in done.output
    kept = live.with_name("hub.sqlite3.before-restore")
    assert f"kept as {kept}" in done.output
    assert users(live) == [7]
    assert users(kept) == [7, 8]
    assert users(backup) == [7]  # the backup itself is left as it was
    # A second restore keeps the first's old file too.
    again = await cli(config, telegram.token, "restore", str(backup))
    assert again.returncode == 0, again.output
    assert users(live.with_name("hub.sqlite3.before-restore.1")) == [7]
    assert users(kept) == [7, 8]


async def test_restore_refuses_what_is_not_a_sound_mentor_hub_database(
    setup: tuple[Path, Path, Path], telegram: FakeTelegram, tmp_path: Path
) -> None:
    config, live, backup = setup
    text = tmp_path / "notes.txt"
    text.write_text("SQLite format 3 is what this is not\n")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(backup.read_bytes())
    page = 4096
    data[page * 2 : page * 3] = b"\xff" * page  # a page of the tables overwritten
    damaged.write_bytes(bytes(data))
    cases = {
        text: "is not an SQLite database",
        other: "is not a Mentor Hub database",
        damaged: "damaged",
        tmp_path / "missing.sqlite3": "is not a file",
    }
    for file, reason in cases.items():
        done = await cli(config, telegram.token, "restore", str(file))
        assert done.returncode == 1, done.output
        lines = [line for line in done.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in done.output, done.output
        assert lines[0].startswith("cannot restore:") and reason in lines[0], lines[0]
    assert users(live) == [7, 8]
    assert not [p for p in os.listdir(tmp_path) if ".before-restore" in p]


async def test_a_running_bot_blocks_restore_and_a_killed_ones_lock_does_not(
    setup: tuple[Path, Path, Path], telegram: FakeTelegram
) -> None:
    config, live, backup = setup
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=ROOT,
        env={**os.environ, "BOT_TOKEN": telegram.token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(20):
            await telegram.wait_for_poller()
        refused = await cli(config, telegram.token, "restore", str(backup))
        assert refused.returncode == 1, refused.output
        assert f"a bot is running on {live} (process {bot.pid})" in refused.output
        assert "stop it first" in refused.output
        assert users(live) == [7, 8]
        # Nor does a second bot start on the same database.
        second = await cli(config, telegram.token, "run")
        assert second.returncode == 1, second.output
        assert "cannot start: a bot is running on" in second.output
    finally:
        bot.send_signal(signal.SIGKILL)  # a crash: no clean-up at all
        await asyncio.wait_for(bot.communicate(), 20)
    assert exists(f"{live}.lock")  # left behind, but nobody holds it
    assert exists(f"{live}-wal")  # and the killed bot's WAL
    done = await cli(config, telegram.token, "restore", str(backup))
    assert done.returncode == 0, done.output
    assert not exists(f"{live}-wal")  # not applied to the restored file
    assert users(live) == [7]
    assert users(live.with_name("hub.sqlite3.before-restore")) == [7, 8]
