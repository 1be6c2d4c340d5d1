"""The catalogs: complete, not fuzzy, placeholders and markup intact, in sync with the code."""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TAG = re.compile(r"</?([a-z-]+)[^>]*>")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "button_label": None,
}


def _catalog(locale: str) -> Catalog:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def _code_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "bot", keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _forms(message) -> list[tuple[str, str]]:  # (source, translation) pairs to compare
    if isinstance(message.id, tuple):
        return [(message.id[1], text) for text in message.string]
    return [(message.id, message.string)]


@pytest.fixture(scope="module", params=SUPPORTED_LOCALES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return _catalog(request.param)


def test_template_is_in_sync_with_the_code() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as fp:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(fp) if m.id}
    code = _code_messages()
    assert code - template == set(), "strings missing from messages.pot: run `make update`"
    assert template - code == set(), "stale strings in messages.pot: run `make update`"


def test_catalog_has_every_message_of_the_code(catalog: Catalog) -> None:
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    assert _code_messages() - ids == set()


def test_catalog_is_complete_and_not_fuzzy(catalog: Catalog) -> None:
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{catalog.locale}: untranslated {message.id!r}"
        assert not message.fuzzy, f"{catalog.locale}: fuzzy {message.id!r}"
    assert not any(m.fuzzy for m in catalog if not m.id), "fuzzy header"


def test_plural_forms_match_babel(catalog: Catalog) -> None:
    expected = get_plural(str(catalog.locale))
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr.replace(" ", "") == expected.plural_expr.replace(" ", "")
    for message in catalog:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == expected.num_plurals, message.id


def test_placeholders_and_markup_are_kept(catalog: Catalog) -> None:
    for message in catalog:
        if not message.id:
            continue
        plural = isinstance(message.id, tuple)
        for source, text in _forms(message):
            want = set(PLACEHOLDER.findall(source))
            got = set(PLACEHOLDER.findall(text))
            if plural:  # a form may say the number in words ("one member", Arabic dual)
                assert got <= want, f"{catalog.locale}: {message.id!r} -> {text!r}"
                assert want - {"count"} <= got, f"{catalog.locale}: {message.id!r} -> {text!r}"
            else:
                assert got == want, f"{catalog.locale}: {message.id!r} -> {text!r}"
            assert Counter(TAG.findall(text)) == Counter(TAG.findall(source)), text
            assert not re.search(r"&(?!lt;|gt;|amp;|quot;)", text), f"bare & in {text!r}"
            bare = re.sub(r"</?[a-z-]+[^>]*>", "", text)
            assert "<" not in bare and ">" not in bare, f"bare angle bracket in {text!r}"


def test_babel_checkers_find_nothing(catalog: Catalog) -> None:
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert problems == []


# ``_("a" if x else "b")`` extracts one msgid "ab" and looks up "a" or "b", which the catalogs
# do not have: the reader silently gets English. Each choice must be its own call.
_CHOICE_IN_CALL = re.compile(
    r"\b(?:_|gettext|lazy_gettext|button_label)\(\s*\"[^\"]*\"\s+if\b", re.MULTILINE
)


def test_no_translated_call_chooses_between_literals_inside_it() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for text in [path.read_text(encoding="utf-8")]
        for match in _CHOICE_IN_CALL.finditer(text)
    ]
    assert not offenders, offenders
