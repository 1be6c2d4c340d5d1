"""The daily backup of a running bot, driven by moving the scheduler's clock."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import MovableClock
from tests.conftest import tr
from tests.fakebot import FakeTelegram

START = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


async def test_a_daily_copy_in_the_folder_keeping_the_newest(
    start_bot, make_config, telegram: FakeTelegram, tmp_path: Path, caplog
) -> None:
    clock = MovableClock(START)
    bot = await start_bot(make_config(backups={"keep": 2, "hour": 3}), clock)
    job = bot.services.backups.job
    assert bot.app.job_queue.get_jobs_by_name("daily:backup")
    noa = telegram.user("Noa", language_code="he")
    await noa.send("/start")
    assert not await job.run_due()  # 12:00: not its hour
    folder = tmp_path / "backups"  # "backups", next to the database
    with caplog.at_level(logging.INFO, logger="bot.services.backups"):
        for day in range(1, 4):
            clock.set(START + timedelta(days=day, hours=-8, minutes=30))  # 04:30
            assert await job.run_due()
            assert not await job.run_due()
    copies = sorted(folder.iterdir())
    assert [p.name for p in copies] == [
        "mentorhub-20261207-043000Z.sqlite3",
        "mentorhub-20261208-043000Z.sqlite3",
    ]
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("SELECT id FROM users WHERE id = ?", (noa.id,)).fetchall()
    assert caplog.text.count("backup written to") == 3
    assert "1 older copies deleted, 2 kept" in caplog.text


async def test_a_failed_backup_is_logged_and_the_bot_goes_on(
    start_bot, make_config, telegram: FakeTelegram, tmp_path: Path, caplog
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    clock = MovableClock(START)
    bot = await start_bot(make_config(backups={"folder": str(tmp_path / "a-file" / "b")}), clock)
    clock.advance(timedelta(days=1))
    with caplog.at_level(logging.INFO, logger="bot.services.backups"):
        assert await bot.services.backups.job.run_due()
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "failed: NotADirectoryError" in failures[0].getMessage()
    assert "a-file" in failures[0].getMessage()
    noa = telegram.user("Noa", language_code="ar")
    await noa.send("/start")
    assert tr("ar", "Welcome to Mentor Hub, {name}!", name="Noa") in noa.last().text
    clock.advance(timedelta(days=1))  # tried again the next day
    assert await bot.services.backups.job.run_due()


async def test_no_folder_no_backups(start_bot, make_config, tmp_path: Path) -> None:
    clock = MovableClock(START)
    bot = await start_bot(make_config(backups={"folder": ""}), clock)
    clock.advance(timedelta(days=2))
    assert not await bot.services.backups.job.run_due()
    assert not bot.app.job_queue.get_jobs_by_name("daily:backup")
    assert not (tmp_path / "backups").exists()


@pytest.mark.parametrize(
    ("section", "values", "key"),
    [
        ("backups", {"keep": 0}, "backups.keep"),
        ("backups", {"hour": 24}, "backups.hour"),
        ("retention", {"days": 0}, "retention.days"),
    ],
)
def test_bad_settings_name_the_key(make_config, section: str, values: dict, key: str) -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match=key):
        make_config(**{section: values})
