"""Quick polls: validation against Telegram's limits, the results bar chart, RTL layout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telegram.constants import PollLimit

from bot import i18n
from bot.handlers.polls import reminder_moment
from bot.services.poll_render import bar, percent, render_results
from bot.services.poll_types import (
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MIN_OPTIONS,
    PollError,
    PollResults,
    PollView,
    Voter,
    check_closes_at,
    clean_options,
    clean_question,
)
from tests.unit.test_bidi import display_problems

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def view(**kwargs: object) -> PollView:
    base: dict[str, object] = {
        "id": 7,
        "hub_id": 1,
        "hub_name": "Peer Mentors",
        "question": "Which day suits you?",
        "options": ("Mon", "Wed", "Thu"),
        "anonymous": False,
        "multiple": False,
        "private": False,
        "closes_at": None,
        "status": "open",
        "created_at": NOW,
    }
    base.update(kwargs)
    return PollView(**base)  # type: ignore[arg-type]


def test_limits_come_from_telegram() -> None:
    assert MAX_OPTIONS == PollLimit.MAX_OPTION_NUMBER
    assert MAX_OPTION == PollLimit.MAX_OPTION_LENGTH
    assert MAX_QUESTION == PollLimit.MAX_QUESTION_LENGTH
    assert MIN_OPTIONS >= 2


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["Only one"],
        ["One", "   "],
        [f"Option {i}" for i in range(MAX_OPTIONS + 1)],
        ["Mon", "x" * (MAX_OPTION + 1)],
        ["Mon", "Wed", " mon "],
        ["Ünïcode", "ÜNÏCODE"],
    ],
)
def test_bad_options(options: list[str]) -> None:
    with pytest.raises(PollError) as error:
        clean_options(options)
    assert error.value.message


def test_good_options_are_trimmed_and_limits_are_inclusive() -> None:
    assert clean_options([" Mon ", "Wed"]) == ("Mon", "Wed")
    assert len(clean_options([f"O{i}" for i in range(MAX_OPTIONS)])) == MAX_OPTIONS
    assert clean_options(["x" * MAX_OPTION, "y"])[0] == "x" * MAX_OPTION
    # Telegram counts UTF-16 units: an emoji is two.
    with pytest.raises(PollError):
        clean_options(["😀" * (MAX_OPTION // 2 + 1), "y"])


def test_question() -> None:
    assert clean_question("  Which day?  ") == "Which day?"
    with pytest.raises(PollError):
        clean_question("   ")
    with pytest.raises(PollError):
        clean_question("q" * (MAX_QUESTION + 1))
    assert clean_question("q" * MAX_QUESTION)


def test_close_time() -> None:
    check_closes_at(None, NOW)
    check_closes_at(NOW + timedelta(hours=1), NOW)
    for moment in (NOW - timedelta(minutes=1), NOW):
        with pytest.raises(PollError):
            check_closes_at(moment, NOW)


def test_bar_and_percent() -> None:
    assert bar(0, 0) == "░" * 10
    assert bar(1, 2) == "█" * 5 + "░" * 5
    assert bar(2, 2) == "█" * 10
    assert bar(1, 3) == "███░░░░░░░"
    with i18n.use_locale("en"):
        assert percent(1, 2) == "50%"
        assert percent(0, 0) == "0%"


def test_results_rendering_with_non_voters_for_facilitators_only() -> None:
    results = PollResults((2, 1, 0), 3, [], [Voter(5, "Noa <b>"), Voter(6, "Mike")])
    with i18n.use_locale("en"):
        text = render_results(view(), results, facilitator=True)
        hidden = render_results(view(), results, facilitator=False)
    assert "Mon\n███████░░░ 2 · 67%" in text
    assert "Thu\n░░░░░░░░░░ 0 · 0%" in text
    assert "Noa &lt;b&gt;, Mike" in text
    assert "Noa" not in hidden
    anonymous = PollResults((2, 1, 0), 3, None, None)
    with i18n.use_locale("en"):
        text = render_results(view(anonymous=True), anonymous, facilitator=True)
    assert "anonymous" in text and "Not voted" not in text


def test_results_in_rtl_every_line_reads_right_to_left() -> None:
    results = PollResults((1, 1, 0), 2, [], [])
    with i18n.use_locale("he"):
        text = render_results(view(), results, facilitator=True)
    # Each line's first strong character is right-to-left (a Hebrew word or an added RLM).
    assert not display_problems(text, "results")
    assert "\u2068Mon\u2069" in text  # the option text is isolated


def test_reminder_moments() -> None:
    assert reminder_moment("h1", NOW, "Europe/Chisinau") == NOW + timedelta(hours=1)
    tomorrow = reminder_moment("tm", NOW, "Europe/Chisinau")
    assert tomorrow is not None
    assert tomorrow.astimezone(UTC) == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert reminder_moment("zz", NOW, "UTC") is None
