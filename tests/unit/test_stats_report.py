"""The /stats message and chart: Babel numbers, sections only when there is something to count,
right-to-left lines, localized chart words, a PNG, and matplotlib imported only to draw."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta

from babel.dates import format_skeleton

from bot import i18n
from bot.db.stats import RawFigures
from bot.services.stats import WEEKS, Figures, Week
from bot.services.stats_chart import ChartText, chart_title, plain, render_chart
from bot.services.stats_report import chart_text, render_text
from tests.conftest import tr
from tests.unit.test_bidi import display_problems

EMPTY = RawFigures(
    members=0, reachable=0, joined=0, left=0, active7=0, active30=0, asked=0, answered=0,
    answer_seconds=[], announcements=0, delivery={}, prompts_sent=0, prompts_answered=0,
    meetings=0, rsvps={}, attendance_marked=0, attended=0, named_polls=0, named_voters=0,
    anonymous_polls=0, anonymous_voters=0, surveys=0, survey_invited=0, survey_finished=0,
)  # fmt: skip
BUSY = replace(
    EMPTY, members=1234, reachable=1180, joined=12, left=3, active7=640, active30=910, asked=9,
    answered=7, answer_seconds=[3600, 7200, 10800], announcements=2,
    delivery={"sent": 1150, "blocked": 50, "pending": 3}, prompts_sent=400, prompts_answered=100,
    meetings=2, rsvps={"yes": 30, "maybe": 4, "no": 2}, attendance_marked=20, attended=18,
    named_polls=1, named_voters=617, anonymous_polls=1, anonymous_voters=40, surveys=1,
    survey_invited=1200, survey_finished=300,
)  # fmt: skip
START = date(2026, 9, 13)
WEEKS_OF = [Week(START + timedelta(days=7 * i), 100 + i, 40 + i) for i in range(WEEKS)]


def figures(raw: RawFigures, title: str = "Peer Mentors") -> Figures:
    return Figures(title, 1, raw, WEEKS_OF)


def text_in(locale: str, raw: RawFigures, title: str = "Peer Mentors") -> str:
    with i18n.use_locale(locale):
        return render_text(figures(raw, title))


def test_an_empty_hub_shows_members_and_questions_only() -> None:
    text = text_in("en", EMPTY)
    assert "👥 0 members; 0 can get messages from me." in text
    assert "0 asked, 0 answered." in text
    assert "Half were" not in text
    for absent in ("📣", "✍️", "📅", "🗳", "📋", "Attendance"):
        assert absent not in text


def test_every_figure_in_english() -> None:
    text = text_in("en", BUSY)
    for line in (
        "👥 1,234 members; 1,180 can get messages from me.",
        "In the last 30 days: 12 joined, 3 left.",
        "640 in the last 7 days, 910 in the last 30 days.",
        "9 asked, 7 answered. Half were answered within 2 hours.",
        "📣 2 announcements in the last 30 days. Delivered: 96% (1,150 of 1,200 messages).",
        "25% answered (100 of 400)",
        "📅 2 meetings in the last 30 days. Answers: 30 going, 4 maybe, 2 not going.",
        "Attendance: 90% of those marked (18 of 20).",
        "🗳 1 named poll in the last 30 days: 50% of members voted.",
        "🗳 1 anonymous poll in the last 30 days: 40 votes.",
        "📋 1 survey in the last 30 days: 25% finished it (300 of 1,200).",
    ):
        assert line in text, line


def test_russian_numbers_and_durations() -> None:
    text = text_in("ru", BUSY)
    # Babel: a no-break space between thousands, "96 %", "2 часа"
    with i18n.use_locale("ru"):  # plural-aware: the form for 1234, the number as Babel writes it
        members = i18n.ngettext("👥 {count} member; {reachable} can get messages from me.",
                                "👥 {count} members; {reachable} can get messages from me.",
                                1234, count="1\xa0234", reachable="1\xa0180")  # fmt: skip
    assert members in text
    assert "96\xa0%" in text
    assert "2 часа" in text


def test_hebrew_and_arabic_read_right_to_left() -> None:
    for locale in ("he", "ar"):
        text = text_in(locale, BUSY, "מנטורים")
        assert not display_problems(text), locale


def test_network_heading() -> None:
    with i18n.use_locale("en"):
        text = render_text(replace(figures(BUSY, ""), hubs=3))
    assert text.startswith("📊 <b>The whole network</b>: 3 hubs")


def test_chart_words_are_localized_and_plain() -> None:
    with i18n.use_locale("ru"):
        words = chart_text(figures(BUSY, "Учителя & Co"))
    assert words.language == "ru"
    assert words.week_labels[0] == format_skeleton("MMMd", START, locale="ru")
    assert len(words.week_labels) == WEEKS
    expected = tr("ru", "{hub}: the last {count} weeks", hub="Учителя & Co", count=WEEKS)
    assert plain(words.title) == plain(expected)  # entity and marks gone
    with i18n.use_locale("he"):
        hebrew = chart_text(figures(BUSY, "מנטורים"))
    assert hebrew.title != plain(hebrew.title)  # the message form carries bidi marks
    assert not any(ch in plain(hebrew.title) for ch in i18n.BIDI_MARKS)


def test_the_chart_is_a_png_of_960_by_540() -> None:
    png = render_chart(
        ChartText("שלום — 12 שבועות", "חברים", "פעילים", [f"{i}" for i in range(WEEKS)], "he"),
        [w.members for w in WEEKS_OF],
        [w.active for w in WEEKS_OF],
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(png[16:20], "big") == 960
    assert int.from_bytes(png[20:24], "big") == 540


def test_matplotlib_is_not_imported_by_the_bot() -> None:
    """Start-up time and memory: the bot with every handler built does not load matplotlib."""
    code = (
        "import sys\n"
        "from bot.app import build_application\n"
        "from bot.config import config_from_mapping\n"
        "app = build_application(config_from_mapping({'telegram': {'token': '1:x'},"
        " 'database': {'path': ':memory:'}}, {}))\n"
        "import bot.handlers.stats, bot.services.stats_report\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_the_chart_title_keeps_its_direction() -> None:
    with i18n.use_locale("he"):
        hebrew = chart_text(figures(BUSY, "Peer Mentors"))
    drawn = chart_title(hebrew)
    assert drawn.startswith("\u200f")  # laid out right to left, though it starts with Latin
    assert "\u2068Peer Mentors\u2069" in drawn  # the hub's name stays isolated
    with i18n.use_locale("en"):
        english = chart_text(figures(BUSY, "מנטורים"))
    assert chart_title(english).startswith("\u200e")


def test_a_hub_says_its_active_count_is_network_wide() -> None:
    # activity_days has no hub: a member active in another hub counts here too, and says so
    with i18n.use_locale("en"):
        hub = render_text(figures(BUSY, "Peer Mentors"))
        network = render_text(replace(figures(BUSY, ""), hubs=3))
    assert "Active anywhere in the network (wrote or pressed anything):" in hub
    assert "Active (wrote or pressed anything):" in network
