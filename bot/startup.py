"""Start-up checks that fail in one line an operator can act on, and a watch on the connection.

Without them a bot that cannot reach Telegram prints a 200-line traceback ending in
``httpx.ConnectError``, and a token Telegram rejects prints python-telegram-bot's ``InvalidToken``,
whose message quotes the token. ``preflight`` asks the same questions first (can the database be
written, does the Bot API answer, does it accept the token) and turns each failure into a
``StartupError`` saying what failed and what to check; the token never appears in it.

After a successful start a dropped network is not fatal: python-telegram-bot keeps polling with
back-off. ``WatchedRequest`` says so once when the connection is lost and once when it is back,
instead of a traceback per failed poll.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.config import Config

log = logging.getLogger(__name__)

# Seconds to wait for the Bot API at start-up before saying it cannot be reached.
CONNECT_TIMEOUT = 10.0


class StartupError(Exception):
    """A reason the bot cannot start, phrased for the operator (one line, no secrets)."""


def _reason(exc: BaseException) -> str:
    """The cause in a few words, without the message of an exception that may quote a secret."""
    cause = exc.__cause__ or exc.__context__
    if cause is not None and not isinstance(exc, InvalidToken):
        return type(cause).__name__
    return type(exc).__name__


def check_database(config: Config) -> None:
    """Take the database's write lock once, so a path that cannot be written fails here.

    Plain ``sqlite3``, before the event loop serves anyone: a failed aiosqlite connect leaves a
    thread that complains when the loop closes.
    """
    path = config.database.path
    try:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(
            f"cannot open the database at {path} ({exc}): check database.path "
            "and that its folder exists and is writable by this user"
        ) from None


async def check_telegram(config: Config) -> str:
    """Ask the Bot API who the bot is; return its username."""
    api = config.telegram.api_base_url
    bot = Bot(
        config.telegram.token,
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
        request=HTTPXRequest(connect_timeout=CONNECT_TIMEOUT, read_timeout=CONNECT_TIMEOUT),
    )
    try:
        async with bot:
            return bot.username
    except InvalidToken:
        raise StartupError(
            "Telegram rejected the token: check BOT_TOKEN (or telegram.token in the config); "
            "@BotFather shows the bot's current token"
        ) from None
    except NetworkError as exc:
        raise StartupError(
            f"cannot reach the Bot API at {api} ({_reason(exc)}): check the network, a proxy "
            "(HTTPS_PROXY), and telegram.api_base_url"
        ) from None
    except TelegramError as exc:
        raise StartupError(
            f"the Bot API at {api} refused the bot ({_reason(exc)}): check telegram.api_base_url "
            "and BOT_TOKEN"
        ) from None


async def preflight(config: Config) -> str:
    """Everything start-up needs, checked in order; raises StartupError, returns the username."""
    username = await check_telegram(config)
    check_database(config)
    return username


class WatchedRequest(HTTPXRequest):
    """The long-polling connection, logging once when the Bot API is lost and once when back."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lost = False

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(*args, **kwargs)
        except NetworkError as exc:
            self._lose(_reason(exc))
            raise
        if code >= 500:
            # A proxy or Telegram itself failing, often with an HTML page: say it here, once,
            # rather than let python-telegram-bot log the page as invalid JSON at every poll.
            self._lose(f"HTTP {code}")
            raise NetworkError(f"Bad Gateway ({code})")
        if self._lost:
            self._lost = False
            log.info("the connection to the Bot API is back")
        return code, payload

    def _lose(self, reason: str) -> None:
        if not self._lost:
            self._lost = True
            log.warning("lost the connection to the Bot API (%s); retrying with back-off", reason)
