"""Command line: ``python -m bot run | migrate | backup <file> | restore <file> | check-config``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from typing import TYPE_CHECKING

from bot.config import Config, ConfigError, load_config
from bot.logs import setup_logging

if TYPE_CHECKING:
    from bot.context import BotApplication

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Mentor Hub Telegram bot")
    parser.add_argument("--config", help="config file (default: $BOT_CONFIG or config.toml)")
    parser.add_argument("--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling or webhook, as configured)")
    sub.add_parser("migrate", help="create or upgrade the database, then exit")
    backup = sub.add_parser("backup", help="copy the live database to a file")
    backup.add_argument("file")
    restore = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    restore.add_argument("file")
    sub.add_parser("check-config", help="validate the configuration and print it (token hidden)")
    return parser


def run(config: Config) -> int:
    """Check what start-up needs, then run until stopped; 1 with one line if it cannot start."""
    from telegram.error import InvalidToken, NetworkError

    from bot.app import ALLOWED_UPDATES, build_application
    from bot.startup import StartupError, preflight

    try:
        username = asyncio.run(preflight(config))
    except StartupError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    log.info("the Bot API at %s knows this bot as @%s", config.telegram.api_base_url, username)
    from bot.services.restore import DatabaseLockedError, acquire_lock

    try:  # held until the process ends: a restore refuses to replace a database in use
        lock = acquire_lock(config.database.path)
    except (DatabaseLockedError, OSError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    app = build_application(config)
    try:
        _serve(app, config, ALLOWED_UPDATES)
    except InvalidToken:  # the token was revoked between the check and the start
        print("cannot start: Telegram rejected the token: check BOT_TOKEN", file=sys.stderr)
        return 1
    except NetworkError as exc:  # the network went away between the check and the start
        print(
            f"cannot start: the Bot API at {config.telegram.api_base_url} went away "
            f"({type(exc).__name__}): check the network and telegram.api_base_url",
            file=sys.stderr,
        )
        return 1
    finally:
        lock.release()
    return 0


def _serve(app: BotApplication, config: Config, allowed_updates: list[str]) -> None:
    """Poll, or take webhooks, as configured, until stopped."""
    if config.telegram.mode == "webhook":
        webhook = config.webhook
        app.run_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path="telegram",
            webhook_url=webhook.url,
            secret_token=webhook.secret_token or None,
            allowed_updates=allowed_updates,
        )
    else:
        # poll_interval=0: long polling already waits for news; an interval would only add delay.
        app.run_polling(
            poll_interval=0,
            timeout=config.telegram.poll_timeout,
            allowed_updates=allowed_updates,
        )


async def _migrate(config: Config) -> int:
    from bot.db import Database

    db = Database(config.database.path, busy_timeout_ms=config.database.busy_timeout_ms)
    try:
        return await db.open()
    finally:
        await db.close()


async def _backup(config: Config, target: str) -> None:
    from bot.db import Database

    db = Database(config.database.path, busy_timeout_ms=config.database.busy_timeout_ms)
    await db.open(migrate=False)
    try:
        await db.backup(target)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Opt in to PTB's timedelta durations now rather than hear its deprecation warnings.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(config.telegram.token, logging.DEBUG if args.verbose else logging.INFO)
    if args.command == "check-config":
        for section, values in config.redacted().items():
            print(f"[{section}]")
            for key, value in values.items():
                print(f"{key} = {value!r}")
        print("configuration is valid")
        return 0
    if args.command == "migrate":
        from bot.startup import StartupError, check_database

        try:
            check_database(config)
        except StartupError as exc:
            print(f"cannot migrate: {exc}", file=sys.stderr)
            return 1
        version = asyncio.run(_migrate(config))
        print(f"database {config.database.path} is at schema version {version}")
        return 0
    if args.command == "backup":
        asyncio.run(_backup(config, args.file))
        print(f"backup written to {args.file}")
        return 0
    if args.command == "restore":
        return _restore(config, args.file)
    return run(config)


def _restore(config: Config, file: str) -> int:
    from bot.services.restore import RestoreError, restore

    try:
        version, kept = restore(file, config.database.path)
    except RestoreError as exc:
        print(f"cannot restore: {exc}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:
        print(f"cannot restore: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"restored {file} (schema version {version}) to {config.database.path}")
    if kept is not None:
        print(f"the previous database is kept as {kept}")
    print("start the bot to use it (it upgrades the schema if needed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
