"""Logging that keeps the bot token out of every log line, whichever handler writes it.

httpx logs request URLs, and Bot API URLs contain the token; exceptions may quote them too. The
record factory redacts each record as it is created, so no handler (a file, a collector, pytest's
caplog) ever sees the token.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """Replace known secrets, and anything shaped like a bot token, with ``[token]``."""
    for secret in _secrets:
        text = text.replace(secret, "[token]")
    return _TOKEN_SHAPE.sub("[token]", text)


def _redact_record(record: logging.LogRecord) -> None:
    message = record.getMessage()
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
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
