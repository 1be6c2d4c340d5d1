"""Command line: ``python -m bot run | migrate | backup <file> | check-config``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from bot.config import Config, ConfigError, load_config
from bot.logs import setup_logging

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
    sub.add_parser("check-config", help="validate the configuration and print it (token hidden)")
    return parser


def run(config: Config) -> None:
    from bot.app import ALLOWED_UPDATES, build_application

    app = build_application(config)
    if config.telegram.mode == "webhook":
        webhook = config.webhook
        app.run_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path="telegram",
            webhook_url=webhook.url,
            secret_token=webhook.secret_token or None,
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        # poll_interval=0: long polling already waits for news; an interval would only add delay.
        app.run_polling(
            poll_interval=0,
            timeout=config.telegram.poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
        )


async def _migrate(config: Config) -> int:
    from bot.db import Database

    db = Database(config.database.path, busy_timeout_ms=config.database.busy_timeout_ms)
    version = await db.open()
    await db.close()
    return version


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
        version = asyncio.run(_migrate(config))
        print(f"database {config.database.path} is at schema version {version}")
        return 0
    if args.command == "backup":
        asyncio.run(_backup(config, args.file))
        print(f"backup written to {args.file}")
        return 0
    run(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
