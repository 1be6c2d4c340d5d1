"""Translations, locale choice, and dates and times in the reader's language and time zone.

The locale of the update being handled lives in a ``ContextVar`` (each update and each job runs in
its own task, so one person's language never leaks into another's reply). Messages are HTML:
interpolated values are escaped and wrapped in Unicode isolates (FSI ... PDI) wherever their
direction can differ from the text's (always in right-to-left locales; in left-to-right ones when
the value holds right-to-left letters or bidi controls), so that a name, a number or a link does
not scramble the sentence around it.

Right-to-left display is fixed here, for every string present and future, rather than left to each
translator: in he and ar a template's command gets a LEFT-TO-RIGHT MARK before its slash (``/ask``,
not ``ask/``), ``#{id}`` is isolated with its sign (``#12``, not ``12#``), each line whose first
strong letter is not right-to-left starts with a RIGHT-TO-LEFT MARK (so it is laid out right to
left), and arrows point the way the msgid means. Lines assembled in code go through
``paragraphs`` / ``finish`` for the same per-line treatment.
"""

from __future__ import annotations

import gettext as _gettext
import html
import io
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_time as _babel_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

log = logging.getLogger(__name__)

DOMAIN = "messages"
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
LEFT_TO_RIGHT_ISOLATE = "\u2066"
LEFT_TO_RIGHT_MARK = "\u200e"
RIGHT_TO_LEFT_MARK = "\u200f"
# Invisible marks a copied right-to-left example may carry in front of a command: LRM, RLM, ALM,
# the isolates (LRI RLI FSI PDI) and the embeddings and overrides (LRE RLE PDF LRO RLO).
BIDI_MARKS = "\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"
_ISOLATE_OPENERS = frozenset("\u2066\u2067\u2068")
# A command's slash as Telegram finds it: not after a letter, digit, '_', '/', '<' or '>' (TDLib's
# rule), nor inside an attribute or a URL ('"', "'", '=', ':', '.'), nor after an LRM already there.
_COMMAND_SLASH = re.compile(r"(?<![\w/<>\"'=:.\u200e])/(?=[A-Za-z])")
# A number sign before a placeholder: isolated with it, left to right, as one piece.
_NUMBER_SIGN = re.compile(r"#(\{[A-Za-z_][A-Za-z0-9_]*\})")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")
_TAG_OR_ENTITY = re.compile(r"<[^<>]*>|&[#A-Za-z0-9]+;")
_URL_LINE = re.compile(r"\s*(?:https?://|tg://)\S*\s*", re.IGNORECASE)
# Right-to-left scripts (their letters and Arabic digits: bidi classes R, AL and AN) and the
# explicit bidi controls: what in a value can reorder the left-to-right text around it.
_RTL_OR_CONTROL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff"
    + BIDI_MARKS
    + "]"
)
_ARROWS = {"◀": "▶", "▶": "◀", "←": "→", "→": "←", "◁": "▷", "▷": "◁"}
_ARROW = re.compile("[" + "".join(_ARROWS) + "]")
# Old or alternative ISO 639 codes Telegram clients may still report.
_ALIASES = {"iw": "he", "mo": "ro", "in": "id"}

_current_locale: ContextVar[str] = ContextVar("locale", default="en")


class Html(str):
    """A string that is already HTML: interpolated as is, neither escaped nor isolated."""

    __slots__ = ()


def locales_dir() -> Path:
    """Where the catalogs live: MENTORHUB_LOCALES, else ``locales/`` beside the package."""
    override = os.environ.get("MENTORHUB_LOCALES")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "locales"


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """Load one locale's catalog: the compiled .mo when it is current, else the .po compiled here.

    Compiling in memory keeps a source checkout runnable without a build step; the Docker image
    ships compiled catalogs.
    """
    if locale == "en" or locale not in SUPPORTED_LOCALES:
        base = locales_dir() / "en" / "LC_MESSAGES"
    else:
        base = locales_dir() / locale / "LC_MESSAGES"
    po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return _gettext.GNUTranslations(fp)
    if not po.exists():
        log.warning("no catalog for %s at %s; showing English", locale, base)
        return _gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def normalize_locale(code: str | None) -> str | None:
    """Map a Telegram ``language_code`` (``en-US``, ``iw``) to a supported locale, or None."""
    if not code:
        return None
    language = code.replace("_", "-").split("-")[0].lower()
    language = _ALIASES.get(language, language)
    return language if language in SUPPORTED_LOCALES else None


def choose_locale(
    stored: str | None, language_code: str | None, hub_locale: str | None, default: str
) -> str:
    """The member's own choice, else Telegram's language, else their hub's, else the default."""
    for candidate in (stored, normalize_locale(language_code), hub_locale):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    return default


def current_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> None:
    """Set the locale for the rest of this task (an update's handlers, or one job)."""
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else "en")


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Translate into ``locale`` inside the block, e.g. one recipient of a broadcast."""
    token = _current_locale.set(locale if locale in SUPPORTED_LOCALES else "en")
    try:
        yield
    finally:
        _current_locale.reset(token)


@cache
def is_rtl(locale: str) -> bool:
    return Locale.parse(locale).character_order == "right-to-left"


@cache
def _bidi_class(char: str) -> str:
    return unicodedata.bidirectional(char)


def _needs_isolate_in_ltr(text: str) -> bool:
    """Whether a value can reorder left-to-right text: right-to-left letters or bidi controls."""
    return not text.isascii() and _RTL_OR_CONTROL.search(text) is not None


def _isolate(text: str) -> str:
    # One isolate per line: an isolate ends at a paragraph break, and each line is a paragraph.
    return "\n".join(
        f"{FIRST_STRONG_ISOLATE}{line}{POP_DIRECTIONAL_ISOLATE}" for line in text.split("\n")
    )


def _render(value: object, rtl: bool, escape: bool = True) -> str:
    if isinstance(value, Html):
        return str(value)
    text = html.escape(str(value), quote=False) if escape else str(value)
    if not text:
        return text
    return _isolate(text) if rtl or _needs_isolate_in_ltr(text) else text


def show(value: object) -> str:
    """Render one value for a message outside a catalog string: escaped, and isolated as needed."""
    return _render(value, is_rtl(current_locale()))


def ref(number: int) -> Html:
    """``#12`` for text built in code, kept in one piece (never ``12#``) in right-to-left text."""
    if is_rtl(current_locale()):
        return Html(f"{LEFT_TO_RIGHT_ISOLATE}#{number}{POP_DIRECTIONAL_ISOLATE}")
    return Html(f"#{number}")


def _first_strong(line: str, template: bool = False) -> str | None:
    """The first strong direction ('L' or 'R') of a line, as the bidi algorithm's rule P2 finds it.

    HTML tags and entities are skipped (Telegram shows neither), so is everything inside an isolate
    and, in a template, every placeholder (it becomes an isolate or a value of its own).
    """
    line = _TAG_OR_ENTITY.sub("", line)
    if template:
        line = _PLACEHOLDER.sub("", line)
    depth = 0
    for char in line:
        if char in _ISOLATE_OPENERS:
            depth += 1
        elif char == POP_DIRECTIONAL_ISOLATE:
            depth = max(0, depth - 1)
        elif not depth:
            kind = _bidi_class(char)
            if kind == "L":
                return "L"
            if kind in ("R", "AL"):
                return "R"
    return None


def _mark_commands(line: str) -> str:
    """An LRM before each command's slash outside isolates (values keep what the person typed)."""
    if "/" not in line:
        return line
    out, depth, start = [], 0, 0
    for index, char in enumerate(line):
        if char in _ISOLATE_OPENERS:
            if not depth:
                out.append(_COMMAND_SLASH.sub(LEFT_TO_RIGHT_MARK + "/", line[start:index]))
                start = index
            depth += 1
        elif char == POP_DIRECTIONAL_ISOLATE and depth:
            depth -= 1
            if not depth:
                out.append(line[start : index + 1])
                start = index + 1
    rest = line[start:]
    out.append(rest if depth else _COMMAND_SLASH.sub(LEFT_TO_RIGHT_MARK + "/", rest))
    return "".join(out)


def _rtl_line(line: str, template: bool = False) -> str:
    """A line laid out right to left: an RLM in front when its first strong letter is not RTL."""
    if not line.strip() or _URL_LINE.fullmatch(line) or _first_strong(line, template) == "R":
        return line
    return RIGHT_TO_LEFT_MARK + line


def finish(text: str) -> str:
    """Make every line of an assembled message a right-to-left paragraph in RTL locales.

    Templates get this in ``gettext``; call it on text whose lines are built in code (a command
    list, a value alone on its line). A line holding only a link is left as it is.
    """
    if not is_rtl(current_locale()):
        return text
    return "\n".join(_rtl_line(_mark_commands(line)) for line in text.split("\n"))


def paragraphs(lines: Iterable[str]) -> str:
    """Join message lines, each laid out in the reader's direction (see ``finish``)."""
    return finish("\n".join(lines))


def _mirror_arrows(message: str, translated: str) -> str:
    """Arrows in RTL point the mirrored way of the msgid's: "◀ Back" shows ▶, "More ▶" shows ◀."""
    wanted = [_ARROWS[arrow] for arrow in _ARROW.findall(message)]
    found = _ARROW.findall(translated)
    if not wanted or len(found) != len(wanted):
        return translated
    replacements = iter(wanted)
    return _ARROW.sub(lambda _match: next(replacements), translated)


@lru_cache(maxsize=4096)
def _rtl_template(template: str) -> str:
    """A translated template made to display right in an RTL locale, before values go in."""
    template = _COMMAND_SLASH.sub(LEFT_TO_RIGHT_MARK + "/", template)
    template = _NUMBER_SIGN.sub(rf"{LEFT_TO_RIGHT_ISOLATE}#\1{POP_DIRECTIONAL_ISOLATE}", template)
    return "\n".join(_rtl_line(line, template=True) for line in template.split("\n"))


def _interpolate(template: str, params: dict[str, object], escape: bool = True) -> str:
    rtl = is_rtl(current_locale())
    if rtl:
        template = _rtl_template(template)
    if not params:
        return template
    return template.format(**{key: _render(value, rtl, escape) for key, value in params.items()})


def gettext(message: str, /, **params: object) -> str:
    """Translate into the current locale and fill ``{placeholders}`` with escaped values."""
    return _gettext_as(message, params, escape=True)


def plain_gettext(message: str, /, **params: object) -> str:
    """``gettext`` for plain text (button labels, alerts): values go in as typed, unescaped
    (``Q&A``, not ``Q&amp;A``), isolated as in HTML text."""
    return _gettext_as(message, params, escape=False)


def _gettext_as(message: str, params: dict[str, object], *, escape: bool) -> str:
    translated = translations(current_locale()).gettext(message)
    if is_rtl(current_locale()) and _ARROW.search(message):
        translated = _mirror_arrows(message, translated)
    return _interpolate(translated, params, escape)


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """Translate a count with the locale's real plural rules; ``{count}`` defaults to ``n``."""
    params.setdefault("count", n)
    return _interpolate(translations(current_locale()).ngettext(singular, plural, n), params)


_ = gettext


class LazyText:
    """A message translated when it is shown, for text defined at import time (menus, buttons)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"


def lazy_gettext(message: str) -> LazyText:
    return LazyText(message)


@cache
def language_name(locale: str) -> str:
    """The language's own name for itself: English, русский, עברית …"""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def format_datetime(moment: datetime, tz: str | ZoneInfo, fmt: str = "medium") -> str:
    """A moment as the reader reads it: their locale's pattern, their time zone."""
    return _babel_datetime(moment, fmt, tzinfo=_zone(tz), locale=current_locale())


def format_date(moment: datetime, tz: str | ZoneInfo, fmt: str = "medium") -> str:
    return _babel_date(moment.astimezone(_zone(tz)).date(), fmt, locale=current_locale())


def format_time(moment: datetime, tz: str | ZoneInfo, fmt: str = "short") -> str:
    return _babel_time(moment, fmt, tzinfo=_zone(tz), locale=current_locale())
