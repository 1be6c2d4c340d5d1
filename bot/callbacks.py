"""Callback data: short ``action:arg:arg`` strings within Telegram's 64-byte limit.

Callback data comes back from the client and can be forged, so unpacking validates the action and
every argument's type; anything else is treated as a stale button.
"""

from __future__ import annotations

import re

from bot.parsing import INT64_MAX, parse_int

MAX_BYTES = 64
_SAFE = re.compile(r"[A-Za-z0-9_+/.-]*")  # used with fullmatch: "$" would let "\n" in


def pack(action: str, *args: int | str) -> str:
    """Join an action and its arguments; refuse what would not fit or would not round-trip."""
    parts = [action, *map(str, args)]
    if not all(_SAFE.fullmatch(part) for part in parts):
        raise ValueError(f"unsafe callback part in {parts!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def pattern(action: str) -> str:
    """The handler pattern for one action."""
    return rf"^{re.escape(action)}(:|$)"


def unpack(data: str | None, action: str, *types: type) -> tuple | None:
    """Split ``data`` for ``action`` into typed arguments, or None if it is not well formed.

    Integers are ids and page numbers: ASCII digits from 0 to the largest SQLite integer.
    """
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    head, *args = data.split(":")
    if head != action or len(args) != len(types):
        return None
    out: list[object] = []
    for arg, kind in zip(args, types, strict=True):
        if kind is int:
            number = parse_int(arg, minimum=0, maximum=INT64_MAX)
            if number is None:
                return None
            out.append(number)
        elif _SAFE.fullmatch(arg) and arg:
            out.append(arg)
        else:
            return None
    return tuple(out)
