"""Every Hebrew and Arabic string, rendered with sample values, read in visual order.

Each line goes through a real implementation of the Unicode bidi algorithm (python-bidi, the Rust
``unicode-bidi`` crate, isolates included) the way a Telegram client lays it out: one paragraph per
line, its direction from its first strong letter. The test fails on a reversed command (``ask/``),
a split number (``12#``), a line laid out left to right, or an arrow pointing the wrong way.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bidi import get_base_level, get_display
from telegram import InlineKeyboardButton

from bot import i18n, keyboards
from bot.i18n import _

RTL_LOCALES = ("he", "ar")
POT = Path(__file__).resolve().parents[2] / "locales" / "messages.pot"
# Sample values: Latin words (the hardest case inside RTL text), numbers, a command.
SAMPLES: dict[str, object] = {
    "name": "Alice Smith",
    "who": "Alice Smith",
    "hub": "Peer Mentors",
    "hubs": "Peer Mentors, Teachers Hub",
    "id": 12,
    "votes": 3,
    "count": 12,
    "limit": 1500,
    "length": 4100,
    "text": "How do I give feedback?",
    "words": "feedback lesson",
    "reason": "duplicate",
    "timezone": "Asia/Jerusalem",
    "example": "Asia/Jerusalem",
    "language": "English",
    "state": "on",
    "code": "AB12CD",
    "date": "Dec 5, 2026",
    "day": "Thursday, December 24, 2026",
    "time": "18:00",
    "when": "Dec 5, 2026, 18:00",
    "next": "Dec 7, 2026, 18:00",
    "schedule": "every weekday at 18:00",
    "days": "Mon, Thu",
    "page": 2,
    "asked": 4,  # meeting feedback (issue 10, attendance)
    "average": "4.3",
    "rating": 4,
    "sentence": "Great session, thank you",
    "total": 12,
    "start": "21:00",
    "minimum": 2,
    "maximum": 12,
    "end": "08:00",
    "hours": 24,
    "pages": 3,
    "number": 4,
    # Counts already rendered in the reader's language (ngettext) by the caller.
    "sent": "3",
    "answered": "2",
    "skipped": "1",
    "nudged": "1",
    "answer": "Going",
    "duration": "1 h 30 min",
    "link": "https://meet.example.org/abc",
    "maybe": 2,
    "minutes": 30,
    "names": "Alice Smith, Bob Lee",
    "no": 1,
    "n": 2,
    "place": "Room 12, Holon",
    "ref": "#12",
    "title": "Peer observation",
    "value": "2026-02-30",
    "yes": 5,
    "reminders": "1 day, 1 h",  # the /meeting flow and the meeting settings
    "repeats": "Every week until Jan 14, 2027 (7 meetings)",
    "option": "Wednesday",  # quick polls (issue 11)
    "bar": "█████░░░░░",
    "percent": "50%",
    "question": "Which day suits you?",
    "deadline": "Friday, December 4, 2026, 17:00",  # surveys (issue 11)
    "invited": 12,
    "finished": 5,
    "started": 3,
    "low": 1,
    "high": 5,
    "top": 5,
    "status": "open",
    "kind": "Single choice",  # the /survey builder (issue 11)
    "mine": "Dec 5, 2026, 18:00 (Asia/Jerusalem)",
    "theirs": "Dec 5, 2026, 17:00 (Europe/Chisinau)",
    "mean": "3.9",  # survey results (issue 11)
    "before": "3.2",
    "after": "3.9",
    "change": "+0.7",
    "after_bar": "███████░░░",
    "after_votes": 5,
    "after_percent": "70%",
    "size": "51.2",  # /export: the ZIP's megabytes (issue 13)
    "reachable": "1,180",  # /stats (issue 13): numbers already formatted by Babel
    "joined": "12",
    "left": "3",
    "week": "640",
    "month": "910",
    "delivered": "1,150",
    "present": "18",
    "marked": "20",
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"#\d+")
_ARROWS = "◀▶"


def _catalog() -> list[tuple[str, str | None]]:
    with POT.open("rb") as fp:
        catalog = read_po(fp)
    return [
        (m.id[0], m.id[1]) if isinstance(m.id, tuple) else (m.id, None) for m in catalog if m.id
    ]


def _plain(text: str) -> str:
    """What Telegram shows of HTML: tags gone, entities decoded."""
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


def _visible(text: str) -> str:
    """A visual string without the invisible marks (LRM, RLM, isolates)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def display_problems(message: str, arrow_of: str = "") -> list[str]:
    """What reads wrong when ``message`` (HTML, RTL locale) is laid out line by line."""
    problems = []
    for line in _plain(message).split("\n"):
        if not _visible(line).strip():
            continue
        logical = _visible(line)
        visual = _visible(get_display(line))
        if get_base_level(line) != 1:
            problems.append(f"left-to-right line: {visual!r}")
        for command in _COMMAND.findall(logical):
            if command not in visual:
                problems.append(f"{command} reversed: {visual!r}")
        for number in _NUMBER.findall(logical):
            if number not in visual:
                problems.append(f"{number} split: {visual!r}")
        shown = visual.strip()
        if arrow_of.startswith(tuple(_ARROWS)) and not shown.endswith("▶"):
            problems.append(f"'back' arrow should point right at the right edge: {visual!r}")
        if arrow_of.endswith(tuple(_ARROWS)) and not shown.startswith("◀"):
            problems.append(f"'next' arrow should point left at the left edge: {visual!r}")
    return problems


def _render_all(locale: str) -> list[tuple[str, str]]:
    rendered = []
    with i18n.use_locale(locale):
        for msgid, plural in _catalog():
            params = {key: SAMPLES[key] for key in _PLACEHOLDER.findall(msgid) if key != "count"}
            if plural is None:
                rendered.append((msgid, i18n.gettext(msgid, **params)))
            else:
                for n in (1, 2, 3, 11, 12, 100):
                    rendered.append((msgid, i18n.ngettext(msgid, plural, n, **params)))
    return rendered


def test_every_sample_placeholder_is_known() -> None:
    used = {key for msgid, _plural in _catalog() for key in _PLACEHOLDER.findall(msgid)}
    assert used <= set(SAMPLES), used - set(SAMPLES)


@pytest.mark.parametrize("locale", RTL_LOCALES)
def test_every_catalog_string_reads_right_to_left(locale: str) -> None:
    failures = [
        f"{msgid!r}: {problem}"
        for msgid, text in _render_all(locale)
        for problem in display_problems(text, msgid)
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "broken",
    [
        "אין שאלות פתוחות. אפשר לשאול שאלה עם /ask.",  # ask/
        f"شكراً! سؤالك رقم #{i18n.FIRST_STRONG_ISOLATE}12{i18n.POP_DIRECTIONAL_ISOLATE}.",  # 12#
        "<b>Mentor Hub</b>: שאלות ותשובות.",  # a left-to-right paragraph
        "/ask — שליחת שאלה",  # a left-to-right paragraph, even with the command intact
    ],
)
def test_the_checks_catch_what_readers_saw(broken: str) -> None:
    """The checks above find each kind of scrambling the reviewers reported."""
    assert display_problems(broken)


def test_the_arrow_check_catches_english_arrows() -> None:
    assert display_problems("◀ חזרה", "◀ Back")
    assert display_problems("עוד ▶", "More ▶")


@pytest.mark.parametrize("locale", RTL_LOCALES)
def test_lines_built_in_code_read_right_to_left(locale: str) -> None:
    with i18n.use_locale(locale):
        text = i18n.paragraphs(
            [
                "/ask — " + _("(in the group)"),
                f"• <b>{i18n.show('Peer Mentors')}</b>",
                f"<b>{i18n.ref(12)}</b> · {i18n.show('Peer Mentors')}",
                i18n.show("How do I give feedback?\nA second line of the question."),
                "https://t.me/mentorbot?start=AB12CD",
            ]
        )
    lines = text.split("\n")
    assert lines[-1] == "https://t.me/mentorbot?start=AB12CD", "a link is never touched"
    assert display_problems("\n".join(lines[:-1])) == []


def test_commands_and_values_of_people_keep_their_text() -> None:
    """Marks go before a template's commands, never into a value or a URL, a tag or a date."""
    with i18n.use_locale("he"):
        text = i18n.paragraphs(
            [
                f"{_('(in the group)')} /ask {i18n.show('see /help and https://x.org/a/b')}",
                "</b> 12/03 Asia/Jerusalem https://t.me/bot",
            ]
        )
    first, second = text.split("\n")
    assert "\u200e/ask" in first
    assert "see /help and https://x.org/a/b" in first
    assert second.lstrip(i18n.RIGHT_TO_LEFT_MARK) == "</b> 12/03 Asia/Jerusalem https://t.me/bot"


@pytest.mark.parametrize("locale", RTL_LOCALES)
def test_the_paging_row_is_mirrored_with_its_arrows(locale: str) -> None:
    with i18n.use_locale(locale):
        back = InlineKeyboardButton(_("◀ Back"), callback_data="faq:0")
        more = InlineKeyboardButton(_("More ▶"), callback_data="faq:2")
        row = keyboards.pager(back, more)
    assert [b.callback_data for b in row] == ["faq:2", "faq:0"]  # "next" on the left
    left, right = (_visible(get_display(b.text)).strip() for b in row)
    assert left.startswith("◀") and right.endswith("▶")


def test_the_paging_row_stays_in_order_left_to_right() -> None:
    with i18n.use_locale("en"):
        back = InlineKeyboardButton(_("◀ Back"), callback_data="faq:0")
        more = InlineKeyboardButton(_("More ▶"), callback_data="faq:2")
        assert [b.text for b in keyboards.pager(back, more)] == ["◀ Back", "More ▶"]
        assert keyboards.pager(None, more) == [more]
