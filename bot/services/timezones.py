"""IANA time zones: exact look-up, near-miss suggestions, and likely zones per language."""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import available_timezones

# Zones offered as buttons by language before the member types anything.
_LIKELY_ZONES: dict[str, tuple[str, ...]] = {
    "en": ("Europe/London", "Europe/Dublin", "America/New_York", "UTC"),
    "ru": ("Europe/Moscow", "Europe/Chisinau", "Asia/Almaty", "Europe/Riga"),
    "ro": ("Europe/Bucharest", "Europe/Chisinau"),
    "nl": ("Europe/Amsterdam", "Europe/Brussels"),
    "he": ("Asia/Jerusalem",),
    "ar": ("Asia/Jerusalem", "Asia/Amman", "Africa/Cairo", "Asia/Riyadh", "Asia/Dubai"),
}


def example_zone(locale: str) -> str:
    """A zone name that looks familiar to readers of ``locale``, for examples in messages."""
    return _LIKELY_ZONES.get(locale, _LIKELY_ZONES["en"])[0]


@cache
def _zones() -> dict[str, str]:
    """Every zone tzdata knows, keyed by its lower-case name (legacy aliases excluded)."""
    return {
        name.lower(): name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    } | {"utc": "UTC"}


def resolve(text: str) -> str | None:
    """Return the canonical IANA name for ``text`` (any case, spaces for underscores), or None."""
    key = text.strip().replace(" ", "_").lower()
    return _zones().get(key)


def suggest(text: str, limit: int = 5) -> list[str]:
    """Zones close to a mistyped name: by the whole name, and by city alone (``kishinev``)."""
    key = text.strip().replace(" ", "_").lower()
    if not key:
        return []
    zones = _zones()
    by_name = difflib.get_close_matches(key, zones, n=limit, cutoff=0.6)
    cities: dict[str, list[str]] = {}
    for lower in zones:
        cities.setdefault(lower.rsplit("/", 1)[-1], []).append(lower)
    city_key = key.rsplit("/", 1)[-1]
    by_city = [
        zone
        for city in difflib.get_close_matches(city_key, cities, n=limit, cutoff=0.7)
        for zone in cities[city]
    ]
    seen: dict[str, None] = {}
    for lower in by_city + by_name:
        seen.setdefault(zones[lower])
    return list(seen)[:limit]


def likely_zones(locale: str, *known: str | None) -> list[str]:
    """Zones worth offering first: the ones already in use, then the language's usual ones."""
    seen: dict[str, None] = {}
    for zone in (*known, *_LIKELY_ZONES.get(locale, ()), "UTC"):
        if zone:
            seen.setdefault(zone)
    return list(seen)[:6]
