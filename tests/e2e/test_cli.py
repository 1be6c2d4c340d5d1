"""The command line as an operator uses it: check-config, migrate, backup, and run (a process)."""

import asyncio
import logging
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class Ended:
    returncode: int | None
    output: str


async def run_briefly(config: Path, token: str) -> Ended:
    """``python -m bot run`` that is expected to give up at start-up (the fake keeps serving)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        cwd=ROOT,
        env={**os.environ, "BOT_TOKEN": token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return Ended(process.returncode, output.decode())


def one_line(result: Ended) -> str:
    """Start-up failed with one actionable line and no traceback."""
    assert result.returncode == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


async def test_an_unreachable_bot_api_is_one_line(tmp_path: Path, telegram: FakeTelegram) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, telegram)
    config.write_text(config.read_text().replace(telegram.api_root, f"http://127.0.0.1:{port}"))
    line = one_line(await run_briefly(config, telegram.token))
    assert f"cannot reach the Bot API at http://127.0.0.1:{port}" in line
    assert "proxy" in line
    assert "telegram.api_base_url" in line
    assert telegram.token.split(":")[1] not in line


@pytest.mark.telegram_errors(401)
async def test_a_rejected_token_is_one_line_without_the_token(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    wrong = "123456:WRONG-token_abcdefghijklmnopqrstuvw"
    line = one_line(await run_briefly(write_config(tmp_path, telegram), wrong))
    assert "Telegram rejected the token" in line
    assert "BOT_TOKEN" in line
    assert "WRONG-token" not in line


async def test_a_database_path_that_cannot_be_written_is_one_line(
    tmp_path: Path, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    config = write_config(tmp_path, telegram)
    config.write_text(
        config.read_text().replace(str(tmp_path / "hub.sqlite3"), str(tmp_path / "a-file" / "x.db"))
    )
    line = one_line(await run_briefly(config, telegram.token))
    assert "database.path" in line
    assert str(tmp_path / "a-file" / "x.db") in line
    monkeypatch.setenv("BOT_TOKEN", telegram.token)
    assert main(["--config", str(config), "migrate"]) == 1  # make run migrates first


async def test_a_webhook_url_that_is_not_https_is_one_line(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    config = write_config(tmp_path, telegram)
    config.write_text(
        config.read_text()
        .replace('mode = "polling"', 'mode = "webhook"')
        .replace('url = ""', 'url = "http://bot.example.org"', 1)
    )
    result = await run_briefly(config, telegram.token)
    assert result.returncode == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "webhook.url" in lines[0]
    assert "https://" in lines[0]
