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


def test_values_are_escaped_and_isolated_where_their_direction_can_differ() -> None:
    # The contract used to be "isolated only in RTL locales"; a Hebrew name inside an English
    # sentence reordered it (issue 8), so a value is now isolated in every locale where its
    # direction can differ from the text's: always in RTL, and in LTR when it holds RTL letters
    # or bidi controls. Plain Latin values in LTR text stay as they were, unwrapped.
    with i18n.use_locale("en"):
        assert i18n.show("<b>A&B</b>") == "&lt;b&gt;A&amp;B&lt;/b&gt;"
        assert i18n.show("Anna 12") == "Anna 12"
        assert i18n.show("דנה כהן") == f"{FSI}דנה כהן{PDI}"
        assert i18n.show("سارة") == f"{FSI}سارة{PDI}"
        assert (
            i18n.show("evil\u202eeman") == f"{FSI}evil\u202eeman{PDI}"
        )  # an override stays inside
        assert i18n.gettext("Welcome to <b>{hub}</b>! You are now a member.", hub="מנטורים") == (
            f"Welcome to <b>{FSI}מנטורים{PDI}</b>! You are now a member."
        )
    with i18n.use_locale("ru"):
        assert i18n.show("Анна") == "Анна"
        assert i18n.show("Анна אנה") == f"{FSI}Анна אנה{PDI}"
    with i18n.use_locale("he"):
        assert i18n.show("Anna") == f"{FSI}Anna{PDI}"
        assert i18n.show(Html("<b>x</b>")) == "<b>x</b>"
        # Each line of a value is its own isolate: an isolate ends where a paragraph does.
        assert i18n.show("a\nb") == f"{FSI}a{PDI}\n{FSI}b{PDI}"
    with i18n.use_locale("ar"):
        assert i18n.is_rtl("ar")
        assert i18n.show("Anna") == f"{FSI}Anna{PDI}"


def test_rtl_templates_get_marks_in_code_not_in_catalogs() -> None:
    lrm, rlm, lri = i18n.LEFT_TO_RIGHT_MARK, i18n.RIGHT_TO_LEFT_MARK, i18n.LEFT_TO_RIGHT_ISOLATE
    with i18n.use_locale("he"):
        text = i18n.gettext("No open questions. Ask one with /ask.")
        assert f"{lrm}/ask" in text and "/ask" not in text.replace(f"{lrm}/ask", "")
        assert f"{lri}#{FSI}12{PDI}{PDI}" in i18n.gettext(
            "Question #{id} was already handled.", id=12
        )
        header = i18n.gettext(
            "<b>Mentor Hub</b>: questions, reflection, meetings and polls for your hub."
        )
        assert header.startswith(rlm)
        assert i18n.ref(7) == f"{lri}#7{PDI}"
    with i18n.use_locale("en"):
        assert i18n.gettext("No open questions. Ask one with /ask.") == (
            "No open questions. Ask one with /ask."
        )
        assert i18n.ref(7) == "#7"
        assert i18n.paragraphs(["/ask — x", "y"]) == "/ask — x\ny"


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
