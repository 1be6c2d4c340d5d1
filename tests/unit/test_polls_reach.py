"""How a private poll's sending went: the author's report and the /results lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import i18n
from bot.services.poll_render import reach_lines, render_report, render_results
from bot.services.poll_types import PollReach, PollResults, PollView
from tests.unit.test_bidi import display_problems

REACH = PollReach(sent=40, blocked=1, not_started=2, failed=0, waiting=0, cancelled=3)


def view() -> PollView:
    return PollView(
        id=7,
        hub_id=1,
        hub_name="Peer Mentors",
        question="Which day suits you?",
        options=("Mon", "Wed"),
        anonymous=False,
        multiple=False,
        private=True,
        closes_at=None,
        status="open",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def test_reach_counts() -> None:
    assert REACH.total == 46 and REACH.refused == 3
    assert PollReach().total == 0


def test_reach_lines_say_only_what_happened() -> None:
    with i18n.use_locale("en"):
        lines = reach_lines(REACH)
        assert lines == [
            "Sent privately to 40 of 46 members.",
            "1 member has blocked the bot.",
            "2 members never started the bot, so it cannot write to them.",
            "3 were not sent: the poll closed first.",
        ]
        assert reach_lines(PollReach(sent=1)) == ["Sent privately to 1 of 1 member."]
        assert reach_lines(PollReach(sent=1, waiting=2))[1] == "2 are still to be sent."


@pytest.mark.parametrize("locale", ["he", "ar"])
def test_the_report_and_results_read_right_to_left(locale: str) -> None:
    with i18n.use_locale(locale):
        report = render_report(view(), REACH)
        results = render_results(view(), PollResults((1, 0), 1, [], [], REACH), facilitator=True)
    assert not display_problems(report)
    assert not display_problems(results)
    assert "\u20687\u2069" not in report  # the poll's number is one piece: #7


def test_members_see_no_reach_in_results() -> None:
    with i18n.use_locale("en"):
        text = render_results(view(), PollResults((1, 0), 1, [], [], REACH), facilitator=False)
    assert "Sent privately" not in text
