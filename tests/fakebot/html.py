"""Telegram's text formatting: the HTML parse mode and the clean-up every message text gets.

`parse_html` is a port of TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp), so plain text,
entity offsets and error texts (byte offsets included) match what the Bot API answers.
`finalize` mirrors ``fix_formatted_text``: control characters, trimming, whitespace-only
entities and the automatic detection of commands, mentions, hashtags and URLs.
Offsets and lengths are in UTF-16 code units, like the Bot API's.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Any
from urllib.parse import urlsplit

Entity = dict[str, Any]

_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
# TDLib's is_space(): the NUL byte counts, which is how the parser notices the end of the text.
_SPACES = frozenset(b" \t\r\n\v\f\0")
_NAME_TOKEN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")

# Sort order of entities sharing offset and length (TDLib's get_type_priority).
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_SPLITTABLE = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
_BLOCKQUOTES = frozenset({"blockquote", "expandable_blockquote"})
# Entities carrying data the text does not show survive even when they cover only whitespace.
_HIDDEN_DATA = frozenset({"text_link", "text_mention", "custom_emoji"})
_TRIMMED = " \n"

_WORD = r"\w"
_HASHTAG_CHAR = r"[\w\u200c\u00b7\u0d80-\u0dff]"
_DETECTORS = (
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])"),
    ),
    ("mention", re.compile(rf"(?<!{_WORD})@[A-Za-z0-9_]{{4,32}}(?!{_WORD})")),
    (
        "hashtag",
        re.compile(rf"(?<!{_HASHTAG_CHAR})#{_HASHTAG_CHAR}{{1,256}}(?!{_HASHTAG_CHAR}*#)"),
    ),
    ("url", re.compile(r"(?<![\w@/.])https?://[^\s<>\"]+", re.IGNORECASE)),
)


class HtmlParseError(ValueError):
    """Text Telegram would reject; str() is what follows "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram length limit and entity offset."""
    return len(text.encode("utf-16-le")) // 2


def split_utf16(text: str, limit: int) -> list[str]:
    """Cuts text into parts of at most `limit` UTF-16 units, never inside a surrogate pair."""
    parts, start, size = [], 0, 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            parts.append(text[start:index])
            start, size = index, 0
        size += width
    parts.append(text[start:])
    return parts


def _utf16_prefix(text: str) -> list[int]:
    """UTF-16 offset of every code point index, plus the total length at the end."""
    prefix = [0]
    for char in text:
        prefix.append(prefix[-1] + (2 if ord(char) > 0xFFFF else 1))
    return prefix


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Telegram's entity order: by offset, outer (longer) entities first, then by type."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


def _decode_entity(data: bytes, pos: int) -> tuple[str, int] | None:
    """Decodes the character reference at ``data[pos] == '&'``; None keeps the '&' literal."""

    def at(k: int) -> int:
        return data[k] if k < len(data) else 0

    end = pos + 1
    if at(end) == ord("#"):
        end += 1
        code = 0
        if at(end) == ord("x"):
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF":
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while ord("0") <= at(end) <= ord("9"):
                code = code * 10 + at(end) - ord("0")
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(data[pos + 1 : end])
        if named is None:
            return None
        char = named
    if at(end) == ord(";"):
        end += 1
    return char, end


def _checked_link(url: str) -> str | None:
    """The URL as Telegram stores it in a text_link, or None when Telegram drops the link."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname or any(c.isspace() for c in url):
            return None
        return url if parts.path or parts.query or parts.fragment else url + "/"
    if scheme in ("tg", "ton", "tonsite"):
        return url
    return None


def _entity_for_tag(
    tag: str, argument: str, offset: int, length: int, inner_text: str, entities: list[Entity]
) -> Entity | None:
    """The entity a closed tag produces; may instead turn the previous code entity into pre."""
    if tag in _SIMPLE_TAGS or tag == "span":
        return {"type": _SIMPLE_TAGS.get(tag, "spoiler"), "offset": offset, "length": length}
    if tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        return {
            "type": "custom_emoji",
            "offset": offset,
            "length": length,
            "custom_emoji_id": argument,
        }
    if tag == "a":
        url = argument or inner_text
        user = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if user:
            user_json = {"id": int(user.group(1))}
            return {"type": "text_mention", "offset": offset, "length": length, "user": user_json}
        link = _checked_link(url)
        if link is None:
            return None
        return {"type": "text_link", "offset": offset, "length": length, "url": link}
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
    if tag == "pre":
        if same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
            return None
        return {"type": "pre", "offset": offset, "length": length}
    if tag == "code":
        if same_span and last["type"] == "pre" and argument:
            last["language"] = argument
            return None
        return {"type": "code", "offset": offset, "length": length, "language": argument}
    kind = "expandable_blockquote" if argument == "1" else "blockquote"
    return {"type": kind, "offset": offset, "length": length}


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parses Telegram HTML into plain text and entities, raising HtmlParseError like the API."""
    data = text.encode("utf-8")

    def at(k: int) -> int:
        return data[k] if k < len(data) else 0

    out = bytearray()
    utf16 = 0
    entities: list[Entity] = []
    # (tag, argument, utf16 offset, byte offset in `out`) of every open tag
    stack: list[tuple[str, str, int, int]] = []
    i = 0
    while i < len(data):
        c = data[i]
        if c == ord("&"):
            decoded = _decode_entity(data, i)
            if decoded is not None:
                char, i = decoded
                out += char.encode("utf-8")
                utf16 += utf16_len(char)
                continue
        if c != ord("<"):
            out.append(c)
            if c & 0xC0 != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != ord("/"):
            while at(i) not in _SPACES and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].lower().decode("utf-8", "replace")
            if tag not in _TAGS:
                raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != ord(">"):
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == ord(">"):
                    break
                name_begin = i
                while at(i) not in _SPACES and at(i) not in b"=>":
                    i += 1
                name = data[name_begin:i]
                if not name:
                    raise HtmlParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != ord("="):
                    if tag == "blockquote" and name == b"expandable":
                        argument = "1"
                        continue
                    raise HtmlParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in b"'\"":
                    token_begin = i
                    while at(i) in _NAME_TOKEN:
                        i += 1
                    value = data[token_begin:i].lower().decode("ascii")
                    if at(i) not in _SPACES and at(i) != ord(">"):
                        raise HtmlParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    raw = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            decoded = _decode_entity(data, i)
                            if decoded is not None:
                                raw += decoded[0].encode("utf-8")
                                i = decoded[1]
                                continue
                        raw.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = raw.decode("utf-8", "replace")
                if at(i) == 0:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
                if (tag, name) in (("a", b"href"), ("tg-emoji", b"emoji-id")):
                    argument = value
                elif tag == "code" and name == b"class" and value.startswith("language-"):
                    argument = value.removeprefix("language-")
                elif tag == "span" and name == b"class" and value.startswith("tg-"):
                    argument = value.removeprefix("tg-")
            if tag == "span" and argument != "spoiler":
                raise HtmlParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, utf16, len(out)))
        else:
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
            while at(i) not in _SPACES and at(i) != ord(">"):
                i += 1
            end_tag = data[begin + 2 : i].lower().decode("utf-8", "replace")
            while at(i) in _SPACES and at(i) != 0:
                i += 1
            if at(i) != ord(">"):
                raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
            tag, argument, offset, byte_offset = stack.pop()
            if end_tag and end_tag != tag:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                    f'found "</{end_tag}>"'
                )
            if utf16 > offset:
                inner = out[byte_offset:].decode("utf-8", "replace")
                entity = _entity_for_tag(tag, argument, offset, utf16 - offset, inner, entities)
                if entity is not None:
                    entities.append(entity)
        i += 1  # past the '>'
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')

    for entity in entities:
        if entity["type"] == "code":
            del entity["language"]
    return out.decode("utf-8"), sort_entities(entities)


def _clean_char(char: str) -> str:
    """What Telegram stores for one character: control characters become spaces, some vanish."""
    code = ord(char)
    if char == "\r" or 0x2028 <= code <= 0x202E or code in (0x030A, 0x0333, 0x033F):
        return ""
    if code < 32 and char != "\n":
        return " "
    return char


def _overlaps(a: Entity, b: Entity) -> bool:
    return a["offset"] < b["offset"] + b["length"] and b["offset"] < a["offset"] + a["length"]


def find_entities(text: str) -> list[Entity]:
    """Entities Telegram detects by itself: bot commands, @mentions, #hashtags and http(s) URLs."""
    prefix = _utf16_prefix(text)
    found: list[Entity] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "hashtag" and not any(ch.isalpha() for ch in match.group()):
                continue
            if kind == "url":
                url = match.group().rstrip(".,:;!?'\"")
                if url.endswith(")") and "(" not in url:
                    url = url[:-1]
                end = start + len(url)
            found.append(
                {"type": kind, "offset": prefix[start], "length": prefix[end] - prefix[start]}
            )
    kept: list[Entity] = []
    for entity in sort_entities(found):
        if not any(_overlaps(entity, other) for other in kept):
            kept.append(entity)
    return kept


def finalize(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram's clean-up of a message text and its entities (TDLib's fix_formatted_text).

    Removes '\\r' and turns other control characters into spaces, drops entities covering only
    whitespace, trims ' ' and '\\n' at both ends and adds the entities Telegram detects itself.
    An empty result means Telegram would call the text empty.
    """
    prefix = _utf16_prefix(text)
    spans = []
    for entity in entities:
        start = bisect_left(prefix, entity["offset"])
        end = bisect_left(prefix, entity["offset"] + entity["length"])
        spans.append([entity, min(start, len(text)), min(end, len(text))])

    cleaned: list[str] = []
    new_index = []
    for char in text:
        new_index.append(len(cleaned))
        cleaned.extend(_clean_char(char))
    new_index.append(len(cleaned))
    body = "".join(cleaned)

    kept = []
    for entity, start, end in spans:
        start, end = new_index[start], new_index[end]
        if entity["type"] not in _HIDDEN_DATA:
            while start < end and body[start] in _TRIMMED:
                start += 1
        if start < end:
            kept.append((entity, start, end))

    content = body.strip(_TRIMMED)
    if not content:
        return "", []
    last = len(body.rstrip(_TRIMMED))
    first_entity = min((start for _, start, _ in kept), default=last)
    first = min(len(body) - len(body.lstrip(_TRIMMED)), first_entity)
    body = body[first:last]

    prefix = _utf16_prefix(body)
    result = []
    for entity, start, end in kept:
        start, end = start - first, min(end, last) - first
        if start < end:
            offset = prefix[start]
            result.append({**entity, "offset": offset, "length": prefix[end] - offset})
    blocking = [e for e in result if e["type"] not in _SPLITTABLE | _BLOCKQUOTES]
    for detected in find_entities(body):
        if not any(_overlaps(detected, e) for e in blocking):
            result.append(detected)
    return body, sort_entities(result)
