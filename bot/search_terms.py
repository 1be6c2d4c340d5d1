"""Word forms for the stemmed search: Snowball stemmers, and proclitic rules for Hebrew and Arabic.

A word is indexed (and looked up) under several *forms*: the word itself, lower-cased and
normalised, and its stem in each language that applies (the hub's and the asker's language when
indexing; the reader's and the hubs' languages when searching). A query word matches a stored word
when they share a stem, or when the query word is a prefix of the stored word as typed.

Normalisation (both sides, before anything else):
- invisible format characters are removed, not treated as spaces: a right-to-left mark, a
  zero-width joiner or a soft hyphen pasted inside a word leaves one word;
- case is folded; Russian ё is е; Romanian ş/ţ with a cedilla are the comma-below ș/ț;
- Hebrew points (niqqud, cantillation) and Arabic short vowels, tatweel and the hamza carried on
  alef (أ إ آ → ا, ى → ي) are removed, as people type with and without them.

Languages: besides the ones given, a word written in Cyrillic is also stemmed as Russian, in
Hebrew letters as Hebrew, in Arabic letters as Arabic (its script says so; Latin letters could be
English, Romanian or Dutch, so only the given languages apply to them).

Stemmers: Snowball (``snowballstemmer``) for English, Russian, Romanian, Dutch and Arabic.
Romanian is often typed without its diacritics ("intalnirea"): a Romanian word is also stemmed
with them removed.

Proclitics: Hebrew and Arabic join short words to the next one ("באמון" = "ב" + "אמון", "والمعلم"
= "و" + "ال" + "معلم"). The rule strips them in their grammatical order, each at most once:
- Hebrew: ו (and), then ש or כש (that, when), then one of ב כ ל מ (in, as, to, from), then ה
  (the): "וכשהמנטור" → "כשהמנטור", "המנטור", "מנטור".
- Arabic: و or ف (and), then one of ب ك ل (with, like, to) or لل (to the), then ال (the); the
  Snowball stemmer then removes the rest of the article and the suffixes.
A strip happens only if at least three letters remain.

Hebrew has no Snowball stemmer; a light suffix rule stands in for one: the plural endings ים and
ות, and the feminine ה, are dropped (three letters must remain) and final letters are written as
their ordinary forms (ך ם ן ף ץ → כ מ נ פ צ), so "פגישה", "פגישות", "בפגישות" share "פגיש" and
"חונך", "חונכים" share "חונכ". Hebrew proclitics are never stripped on BOTH sides: stripped
on both, "הורים" (parents) and "מורים" (teachers) would both be "ורים" and find each other. A
stored word is indexed as written, with its stem as written once more, marked ``TYPED``
("מערכ0"), and with its stripped variants; a query word looks for its own forms among all of
those, and for the stems of its stripped variants (marked) among the stored words' own stems.
So "אמון" finds "באמון", "האמון"; "למערך" finds "מערך"; "באמון" finds "ובאמון" but not
"האמון"; a word that merely starts with one of those letters ("משוב", feedback) is still found
as typed, and a query for "שוב" also finds it. (Arabic is stripped on both sides: its Snowball
stemmer removes the article and the conjunctions anyway.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

# Dutch has two Snowball stemmers that err differently ("mentoren": "mentoor" and "mentor";
# "lessen": "les" and "less"): a word gets both stems.
SNOWBALL = {
    "en": ("english",),
    "ru": ("russian",),
    "ro": ("romanian",),
    "nl": ("dutch", "dutch_porter"),
    "ar": ("arabic",),
}
LANGUAGES = ("en", "ru", "ro", "nl", "ar", "he")
MIN_REST = 3  # letters that must remain after a proclitic is stripped

# Format characters (Cf): bidi marks and isolates, zero-width (non-)joiners, soft hyphen, BOM.
_INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Characters Python calls letters but SQLite's unicode61 tokenizer (older Unicode tables) splits
# on: they separate words here too, so that one query word is one token of the index.
_FTS_SEPARATORS = "\u19b0-\u19c0\u19c8\u19c9\u1cf2\u1cf3"
_WORD = re.compile(rf"[^\W_{_FTS_SEPARATORS}]+")
_HEBREW_POINTS = re.compile("[\u0591-\u05c7]")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = str.maketrans({"ё": "е", "ş": "ș", "ţ": "ț", "أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي"})

_HEBREW_SLOTS = (("ו",), ("כש", "ש"), ("ב", "כ", "ל", "מ"), ("ה",))
_ARABIC_SLOTS = (("و", "ف"), ("لل", "ب", "ك", "ل"), ("ال",))

# Words too common to search by (a query of only these finds nothing, and says so).
_STOP = {
    "en": """a an and are as at be but by can do does for from have how i if in into is it its
        me my no not of on or our should so than that the their them then there these they this
        to us was we what when where which who why will with would you your""",
    "ru": """а без бы в во вот все всё вы да для до его её ее если есть же за и из или им их к
        как когда кто ли мне мы на над не нет но о об от по под при с со так там то тот у что
        чтобы это эти я""",
    "ro": """a ai al ale am ar are as ca cu cum ce cine când cand care de din după dupa e este
        eu fi în in la le lor mai ne nu o pe pentru sa să se si și sau un una unei unui va voi
        vă""",
    "nl": """aan als bij dat de den der des deze die dit door een en er het hij hoe ik in is je
        kan maar met mij mijn niet of om ons op over te tot u uit van voor wat we wie wij ze zij
        zijn""",
    "ar": """في من على إلى الى عن ما هل كيف أن ان إن هذا هذه ذلك مع لا أو او ثم كان التي الذي
        انا أنا هو هي نحن هم انت أنت لم لن قد كل عند بين يا""",
    "he": """של את על זה זו זאת מה איך אני לא יש עם גם כל אם או הוא היא הם הן כי אל לי שלי
        אנחנו אתה את אין כן רק עוד מי מתי למה איפה""",
}


def normalize(text: str) -> str:
    """Case-folded text with invisible characters, points and short vowels removed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).casefold()
    text = _ARABIC_MARKS.sub("", _HEBREW_POINTS.sub("", text))
    return text.translate(_FOLD)


STOP_WORDS = {locale: frozenset(normalize(words).split()) for locale, words in _STOP.items()}


def is_stop_word(word: str, locales: Sequence[str]) -> bool:
    """Whether a normalised word is a stop word of these languages, or of its script's (a
    Cyrillic, Hebrew or Arabic word); another language's stop words ("door", "care") are
    words."""
    script = script_locale(word)
    return (script is not None and word in STOP_WORDS[script]) or any(
        word in STOP_WORDS.get(locale, ()) for locale in locales
    )


def words(text: str) -> list[str]:
    """The words of ``text``, normalised (letters and digits; punctuation and emoji separate)."""
    return _WORD.findall(normalize(text))


def content_words(text: str, locales: Sequence[str]) -> list[str]:
    """The words worth searching by: no stop words of these languages (or of a word's script),
    no single letters ("collega's" leaves an "s"), no repeats, in order."""
    langs = base_locales(locales)
    return list(
        dict.fromkeys(
            w for w in words(text) if (len(w) > 1 or w.isdigit()) and not is_stop_word(w, langs)
        )
    )


def _strip(word: str, slots: Sequence[Sequence[str]]) -> list[str]:
    found: list[str] = []

    def walk(rest: str, first: int) -> None:
        for index in range(first, len(slots)):
            for prefix in slots[index]:
                if rest.startswith(prefix) and len(rest) - len(prefix) >= MIN_REST:
                    stripped = rest[len(prefix) :]
                    found.append(stripped)
                    walk(stripped, index + 1)

    walk(word, 0)
    return found


_HEBREW_SUFFIXES = ("ים", "ות", "ה")
_HEBREW_FINALS = str.maketrans("ךםןףץ", "כמנפצ")


def hebrew_stem(word: str) -> str:
    """The light Hebrew suffix rule (see above)."""
    for suffix in _HEBREW_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_REST:
            word = word[: -len(suffix)]
            break
    return word.translate(_HEBREW_FINALS)


def proclitic_variants(word: str, locale: str) -> list[str]:
    """``word`` and the words left after stripping Hebrew or Arabic proclitics (see above)."""
    if locale == "he":
        return [word, *_strip(word, _HEBREW_SLOTS)]
    if locale == "ar":
        return [word, *_strip(word, _ARABIC_SLOTS)]
    return [word]


@lru_cache(maxsize=8)
def _stemmers(locale: str) -> tuple[snowballstemmer.stemmer, ...]:
    return tuple(snowballstemmer.stemmer(name) for name in SNOWBALL.get(locale, ()))


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Latin letters without their accents (as the index's tokenizer folds them)."""
    if word.isascii():
        return word
    out: list[str] = []
    latin = False
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char):
            if not latin:
                out.append(char)
            continue
        latin = "LATIN" in unicodedata.name(char, "")
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def script_locale(word: str) -> str | None:
    """The language its script tells: ru, he or ar (Latin letters say nothing)."""
    first = word[:1]
    if not first:
        return None
    if "\u0400" <= first <= "\u04ff":
        return "ru"
    if "\u05d0" <= first <= "\u05ea":
        return "he"
    if "\u0620" <= first <= "\u06ff":
        return "ar"
    return None


TYPED = "0"  # marks the forms of a Hebrew word as written, no proclitic stripped (see above)


def _hebrew_forms(word: str, query: bool) -> list[str]:
    typed = [word, hebrew_stem(word)]
    stripped = _strip(word, _HEBREW_SLOTS)
    if query:  # as typed: any stored form; stripped: only a stored word's own stem
        return typed + [hebrew_stem(v) + TYPED for v in stripped]
    return [*typed, typed[1] + TYPED] + [f for v in stripped for f in (v, hebrew_stem(v))]


@lru_cache(maxsize=200_000)
def _forms(word: str, locales: tuple[str, ...], query: bool = False) -> tuple[str, ...]:
    found = [word]
    script = script_locale(word)
    if script is not None and script not in locales:
        locales = (*locales, script)
    for locale in locales:
        if locale == "he":
            found += _hebrew_forms(word, query)
            continue
        variants = proclitic_variants(word, locale)
        if locale == "ro" and fold(word) != word:
            variants.append(fold(word))
        for variant in variants:
            for stemmer in _stemmers(locale):
                stem = stemmer.stemWord(variant)
                if locale == "ar" and variant.endswith("ات") and stem.endswith("ا"):
                    stem = stem[:-1] if len(stem) > MIN_REST else stem
                found.append(stem)
    # Folded as the index's tokenizer folds (Latin accents), after stemming: Romanian's stemmer
    # needs its diacritics.
    return tuple(dict.fromkeys(fold(f) for f in found if f))


def base_locales(locales: Iterable[str]) -> tuple[str, ...]:
    """``pt_BR`` → ``pt``; unknown languages are kept out, duplicates too, order kept."""
    bases = (locale.split("_")[0].split("-")[0].lower() for locale in locales if locale)
    return tuple(dict.fromkeys(b for b in bases if b in LANGUAGES))


def forms(word: str, locales: Sequence[str], *, query: bool = False) -> tuple[str, ...]:
    """A normalised word and its stems in these languages (the word itself first); a
    ``query`` word keeps its Hebrew proclitics (see above)."""
    return _forms(word, base_locales(locales), query)


def index_text(text: str, locales: Sequence[str]) -> str:
    """What the search index stores for ``text``: every form of every content word."""
    langs = base_locales(locales)
    out: dict[str, None] = {}
    for word in content_words(text, langs):
        out.update(dict.fromkeys(_forms(word, langs)))
    return " ".join(out)
