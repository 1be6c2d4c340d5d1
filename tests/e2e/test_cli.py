"""The command line as an operator uses it: check-config, migrate, backup, and run (a process)."""

import asyncio
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.db.migrate import migration_scripts
from tests.fakebot import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """main() configures logging for the process; put it back for the tests that follow."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def write_config(path: Path, telegram: FakeTelegram, *, extra: str = "") -> Path:
    example = (ROOT / "config.example.toml").read_text()
    text = example.replace(
        'api_base_url = "https://api.telegram.org"', f'api_base_url = "{telegram.api_root}"'
    )
    text = text.replace('path = "mentorhub.sqlite3"', f'path = "{path / "hub.sqlite3"}"')
    text = text.replace("poll_timeout = 30", "poll_timeout = 2")
    file = path / "config.toml"
    file.write_text(text + extra)
    return file


def test_check_config_prints_settings_without_the_token(
    tmp_path: Path,
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", telegram.token)
    assert main(["--config", str(write_config(tmp_path, telegram)), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "configuration is valid" in out
    assert telegram.token not in out
    assert telegram.token.split(":")[1] not in out


def test_invalid_config_stops_with_the_key_named(
    tmp_path: Path,
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", telegram.token)
    config = write_config(tmp_path, telegram)
    config.write_text(config.read_text().replace('timezone = "UTC"', 'timezone = "Moon/Base"'))
    assert main(["--config", str(config), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "defaults.timezone" in err
    assert telegram.token not in err
    monkeypatch.delenv("BOT_TOKEN")
    assert main(["--config", str(write_config(tmp_path, telegram)), "run"]) == 2
    assert "telegram.token: missing" in capsys.readouterr().err


def test_migrate_and_backup(
    tmp_path: Path,
    telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", telegram.token)
    config = str(write_config(tmp_path, telegram))
    assert main(["--config", config, "migrate"]) == 0
    assert f"schema version {len(migration_scripts())}" in capsys.readouterr().out
    assert main(["--config", config, "backup", str(tmp_path / "copy.sqlite3")]) == 0
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
    assert {"users", "hubs", "memberships"} <= tables


async def test_run_serves_users_and_stops_cleanly_on_interrupt(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    config = write_config(tmp_path, telegram)
    env = {**os.environ, "BOT_TOKEN": telegram.token, "BOT_CONFIG": str(config)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(20):
            await telegram.wait_for_poller()
        alice = telegram.user("Alice", language_code="nl")
        await alice.send("/start")
        await telegram.wait_for(lambda: bool(alice.inbox()))
        assert "Mentor Hub" in alice.last().text
        assert "Welcome" not in alice.last().text  # Dutch
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    log = output.decode()
    assert process.returncode == 0, log
    assert "is ready" in log
    assert telegram.token.split(":")[1] not in log
