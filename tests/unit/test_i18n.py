from datetime import UTC, datetime

import pytest

from bot import i18n
from bot.i18n import FIRST_STRONG_ISOLATE as FSI
from bot.i18n import POP_DIRECTIONAL_ISOLATE as PDI
from bot.i18n import Html


@pytest.mark.parametrize(
    ("stored", "code", "hub", "expected"),
    [
        ("ru", "he", "nl", "ru"),  # the member's own choice wins
        (None, "he-IL", "nl", "he"),  # then Telegram's language
        (None, "iw", None, "he"),  # old code for Hebrew
        (None, "de", "nl", "nl"),  # unsupported: the hub's language
        (None, None, None, "ro"),  # then the default
    ],
)
def test_locale_choice_order(
    stored: str | None, code: str | None, hub: str | None, expected: str
) -> None:
    assert i18n.choose_locale(stored, code, hub, "ro") == expected


def test_values_are_escaped_and_isolated_only_in_rtl() -> None:
    with i18n.use_locale("en"):
        assert i18n.show("<b>A&B</b>") == "&lt;b&gt;A&amp;B&lt;/b&gt;"
    with i18n.use_locale("he"):
        assert i18n.show("Anna") == f"{FSI}Anna{PDI}"
        assert i18n.show(Html("<b>x</b>")) == "<b>x</b>"
    with i18n.use_locale("ar"):
        assert i18n.is_rtl("ar")


def test_use_locale_restores_the_previous_locale() -> None:
    i18n.set_locale("nl")
    with i18n.use_locale("ar"):
        assert i18n.current_locale() == "ar"
    assert i18n.current_locale() == "nl"


@pytest.mark.parametrize(
    ("locale", "n", "word"),
    [
        ("en", 1, "member"),
        ("en", 5, "members"),
        ("ru", 1, "участник"),
        ("ru", 3, "участника"),
        ("ru", 5, "участников"),
        ("ru", 21, "участник"),
    ],
)
def test_plural_forms_follow_the_language(locale: str, n: int, word: str) -> None:
    with i18n.use_locale(locale):
        text = i18n.ngettext(
            "<b>{hub}</b>: {count} member", "<b>{hub}</b>: {count} members", n, hub="H"
        )
    assert str(n) in text
    assert text.endswith(word)


def test_arabic_has_six_plural_forms() -> None:
    with i18n.use_locale("ar"):
        forms = {
            i18n.ngettext(
                "<b>{hub}</b>: {count} member", "<b>{hub}</b>: {count} members", n, hub="H"
            )
            for n in (0, 1, 2, 3, 11, 100)
        }
    assert len(forms) == 6


def test_dates_and_times_in_the_readers_zone_and_language() -> None:
    moment = datetime(2026, 11, 23, 18, 5, tzinfo=UTC)
    with i18n.use_locale("en"):
        assert i18n.format_time(moment, "Europe/Chisinau") == "8:05\u202fPM"
        assert i18n.format_date(moment, "Asia/Tokyo") == "Nov 24, 2026"
    with i18n.use_locale("ru"):
        assert i18n.format_time(moment, "Europe/Chisinau") == "20:05"
        assert "нояб" in i18n.format_datetime(moment, "Europe/Chisinau")
    with i18n.use_locale("nl"):
        assert i18n.format_date(moment, "UTC") == "23 nov 2026"


def test_language_names_are_their_own() -> None:
    assert [i18n.language_name(code) for code in ("en", "ru", "he")] == [
        "English",
        "Русский",
        "עברית",
    ]
