"""Numbers typed or forged by people: ASCII digits only, within what SQLite and Telegram hold.

``str.isdigit()`` accepts '²' and ``int()`` accepts Arabic-Indic digits and 30-digit numbers that
SQLite cannot bind (``OverflowError``), so every id the bot reads goes through this one module.
A ``None`` result means "not a valid id": callers answer it like any unknown id.
"""

from __future__ import annotations

import re

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# At most 19 digits: anything longer is out of range whatever its value (leading zeros included).
_INTEGER = re.compile(r"-?[0-9]{1,19}", re.ASCII)


def parse_int(text: str, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int | None:
    """The integer ``text`` spells in ASCII digits, if it lies in [minimum, maximum]; else None."""
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_id(text: str) -> int | None:
    """A positive id (question, hub, Telegram user) as typed, optionally as ``#12``."""
    return parse_int(text.removeprefix("#"), minimum=1)


def id_and_rest(text: str) -> tuple[int | None, str]:
    """Split ``<id> [rest]`` (``/answer 12 text``, ``/close #12 reason``) into the id and the rest.

    The id is None when the first word is missing or not a valid id; the rest keeps line breaks.
    """
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return None, ""
    return parse_id(parts[0]), parts[1] if len(parts) > 1 else ""


def single_id(args: list[str] | None) -> int | None:
    """The one id a command like ``/promote 123456789`` takes, or None."""
    if not args or len(args) != 1:
        return None
    return parse_id(args[0])
