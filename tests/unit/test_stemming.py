"""Word forms of the search index, per language, with words as teachers type them."""

import pytest

from bot.search_terms import (
    base_locales,
    content_words,
    forms,
    hebrew_stem,
    index_text,
    normalize,
    proclitic_variants,
    words,
)


def meet(a: str, b: str, locale: str) -> bool:
    """Whether a query for ``a`` finds a text with ``b`` through a shared form."""
    stored = set(forms(normalize(b), [locale]))
    return bool(set(forms(normalize(a), [locale], query=True)) & stored)


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("mentees", "mentee"),
        ("meeting", "meetings"),
        ("observations", "observation"),
        ("planning", "plans"),
        ("lessons", "lesson"),
        ("Feedback", "feedback"),
    ],
)
def test_english(query: str, stored: str) -> None:
    assert meet(query, stored, "en")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("встреча", "встречу"),
        ("первая", "первую"),
        ("наставник", "наставника"),
        ("урок", "уроков"),
        ("менторами", "ментор"),
        ("ещё", "еще"),  # ё typed or not
    ],
)
def test_russian(query: str, stored: str) -> None:
    assert meet(query, stored, "ru")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("întâlnirea", "întâlnire"),
        ("mentorul", "mentori"),
        ("lecţia", "lecția"),  # cedilla (old keyboards) and comma below
        ("lecția", "lecții"),
        ("evaluarea", "evaluare"),
    ],
)
def test_romanian(query: str, stored: str) -> None:
    assert meet(query, stored, "ro")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("vergaderingen", "vergadering"),
        ("leerlingen", "leerling"),
        ("observaties", "observatie"),
        ("lessen", "les"),
    ],
)
def test_dutch(query: str, stored: str) -> None:
    assert meet(query, stored, "nl")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("المعلم", "معلم"),  # the article joined to the word
        ("معلم", "والمعلم"),  # and + the
        ("معلم", "للمعلم"),  # to + the (its alef dropped)
        ("معلم", "بالمعلم"),  # with + the
        ("الاجتماع", "اجتماعات"),  # plural ات without the article
        ("مرشد", "المرشدون"),
        ("مُعَلِّم", "معلم"),  # short vowels typed
        ("أسئلة", "اسئلة"),  # hamza on the alef or not
    ],
)
def test_arabic(query: str, stored: str) -> None:
    assert meet(query, stored, "ar")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("אמון", "באמון"),  # in
        ("אמון", "האמון"),  # the
        ("באמון", "ובאמון"),  # and + the word as typed
        ("באמון", "אמון"),  # a query's proclitic is stripped to find a word as stored
        ("למערך", "מערך"),
        ("לרפלקציה", "רפלקציה"),
        ("אמון", "ובאמון"),  # and + in
        ("חונך", "שהחונכים"),  # that + the + plural
        ("פגישה", "בפגישות"),  # feminine singular and plural
        ("משוב", "המשוב"),
        ("שָׁלוֹם", "שלום"),  # points typed
    ],
)
def test_hebrew(query: str, stored: str) -> None:
    assert meet(query, stored, "he")


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("הורים", "מורים"),  # parents, teachers: both would be "ורים" with ה and מ stripped
        ("מורים", "הורים"),
        ("הורה", "מורה"),
        ("מורה", "הורה"),
        ("באמון", "האמון"),  # never stripped on both sides
    ],
)
def test_hebrew_proclitics_are_never_stripped_on_both_sides(query: str, stored: str) -> None:
    assert not meet(query, stored, "he")


def test_hebrew_proclitics_follow_their_order_and_keep_three_letters() -> None:
    assert proclitic_variants("וכשהמנטור", "he") == [
        "וכשהמנטור",
        "כשהמנטור",
        "המנטור",
        "מנטור",
        "שהמנטור",
    ]
    assert proclitic_variants("הגן", "he") == ["הגן"]  # only two letters would remain
    assert proclitic_variants("ההורה", "he")[-1] == "הורה"  # ה is stripped once, not twice
    assert forms("משוב", ["he"])[0] == "משוב"  # the word as typed stays a form
    assert hebrew_stem("חונכים") == hebrew_stem("חונך") == "חונכ"


def test_arabic_proclitics() -> None:
    assert "معلم" in proclitic_variants("والمعلم", "ar")
    assert "معلم" in proclitic_variants("فللمعلم", "ar")
    assert proclitic_variants("ولد", "ar") == ["ولد"]  # only two letters would remain


def test_words_ignore_marks_inside_and_split_on_punctuation_and_emoji() -> None:
    assert words("ב\u200fאמון") == ["באמון"]  # a right-to-left mark pasted inside a word
    assert words("men\u00adtee\u200b") == ["mentee"]
    assert words('NEAR"x* -y:z 😀👍') == ["near", "x", "y", "z"]
    assert words("<b>Hi</b> &amp;") == ["b", "hi", "b", "amp"]
    assert content_words("How do I do it?", ["en"]) == []
    assert content_words("Как провести первую встречу?", ["en"]) == [
        "провести",
        "первую",
        "встречу",
    ]


def test_stop_words_are_those_of_the_text_languages_only() -> None:
    # Dutch "door", "over", "die", Romanian "care", "eu" are English words.
    text = "Who will care for the door over the summer? Die EU rules"
    assert content_words(text, ["en"]) == ["care", "door", "over", "summer", "die", "eu", "rules"]
    assert content_words(text, ["nl"]) == [
        "who",
        "will",
        "care",
        "for",
        "the",
        "summer",
        "eu",
        "rules",
    ]
    assert content_words(text, ["ro", "en"]) == ["door", "over", "summer", "die", "rules"]
    # a script tells its language: Russian, Hebrew, Arabic stop words go whatever the languages
    assert content_words("как и что של את في من", ["en"]) == []
    assert "door" in index_text("the door", ["en"]).split()


def test_languages_and_the_index_text() -> None:
    assert base_locales(["pt_BR", "ru", "he", "ru", "", "en-US"]) == ("ru", "he", "en")
    assert index_text("The first meetings", ["en", "ru"]) == "first meetings meet"
    # the same word in two languages: each language adds its stem
    stored = index_text("vergaderingen over meetings", ["nl", "en"]).split()
    assert {"vergader", "meet"} <= set(stored)
    assert "over" not in stored  # a Dutch stop word
