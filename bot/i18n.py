"""Translations, locale choice, and dates and times in the reader's language and time zone.

The locale of the update being handled lives in a ``ContextVar`` (each update and each job runs in
its own task, so one person's language never leaks into another's reply). Messages are HTML:
interpolated values are escaped, and in right-to-left locales wrapped in Unicode isolates
(FSI ... PDI) so that a Latin name, a number or a link does not scramble the sentence around it.
"""

from __future__ import annotations

import gettext as _gettext
import html
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
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


def _render(value: object, rtl: bool) -> str:
    if isinstance(value, Html):
        return str(value)
    text = html.escape(str(value), quote=False)
    return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}" if rtl else text


def show(value: object) -> str:
    """Render one value for a message outside a catalog string: escaped, and isolated in RTL."""
    return _render(value, is_rtl(current_locale()))


def _interpolate(template: str, params: dict[str, object]) -> str:
    if not params:
        return template
    rtl = is_rtl(current_locale())
    return template.format(**{key: _render(value, rtl) for key, value in params.items()})


def gettext(message: str, /, **params: object) -> str:
    """Translate into the current locale and fill ``{placeholders}`` with escaped values."""
    return _interpolate(translations(current_locale()).gettext(message), params)


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
