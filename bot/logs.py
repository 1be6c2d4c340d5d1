"""Logging that keeps the bot token and people's message text out of every log line.

httpx logs request URLs, and Bot API URLs contain the token; exceptions may quote them too. An
exception's message may also quote what a person typed (a ``BadRequest`` about their text, a
``ValueError`` from parsing it), and a traceback repeats the message of every chained exception.
The record factory cleans each record as it is created, so no handler (a file, a collector,
pytest's caplog) ever sees either: tracebacks keep their frames and exception types but drop the
messages, and exceptions passed as arguments are shown the same way.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import traceback
from typing import Any

from telegram.error import TelegramError

_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """Replace known secrets, and anything shaped like a bot token, with ``[token]``."""
    for secret in _secrets:
        text = text.replace(secret, "[token]")
    return _TOKEN_SHAPE.sub("[token]", text)


def describe_exception(error: BaseException) -> str:
    """An exception's type, with only the part of its message that cannot quote a person.

    Telegram's descriptions start with the reason ("Chat not found", "Can't parse entities: …
    <the offending text>"): the part before the first colon is kept. SQLite's messages come from
    our own parameterised SQL. Every other message is dropped: it may carry message text.
    """
    name = type(error).__qualname__
    module = type(error).__module__
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    if isinstance(error, TelegramError):
        reason = error.message.split(":", 1)[0].strip()[:60]
        return f"{name}: {reason}" if reason else name
    if isinstance(error, sqlite3.Error):
        return f"{name}: {str(error)[:120]}"
    return name


def safe_traceback(error: BaseException) -> str:
    """A traceback of ``error`` and the exceptions chained to it: frames and types, no messages."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    oldest_first = chain[::-1]
    blocks = []
    for cause, effect in zip(oldest_first, [*oldest_first[1:], None], strict=True):
        frames = "".join(traceback.extract_tb(cause.__traceback__).format())
        blocks.append(
            f"Traceback (most recent call last):\n{frames}{describe_exception(cause)}"
            if frames
            else describe_exception(cause)
        )
        if effect is not None:
            blocks.append(
                "\nThe above exception was the direct cause of the following exception:\n"
                if effect.__cause__ is cause
                else "\nDuring handling of the above exception, another exception occurred:\n"
            )
    return "\n".join(blocks)


def _redact_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, BaseException):
        record.msg = describe_exception(record.msg)
    if isinstance(record.args, tuple) and any(isinstance(a, BaseException) for a in record.args):
        record.args = tuple(
            describe_exception(a) if isinstance(a, BaseException) else a for a in record.args
        )
    message = record.getMessage()
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = safe_traceback(record.exc_info[1])
    if record.exc_text:
        record.exc_text = redact(record.exc_text)


def protect_secret(secret: str) -> None:
    """Redact ``secret`` from every log record from now on (installs the factory once)."""
    global _installed
    if secret:
        _secrets.add(secret)
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr; quieten httpx's per-request lines; redact the token everywhere."""
    protect_secret(token)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    # httpx writes every request URL at INFO: noise at best, and it carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Their debug lines quote whole requests, updates and SQL parameters: people's message text.
    for name in ("telegram", "aiosqlite"):
        logging.getLogger(name).setLevel(max(level, logging.INFO))
