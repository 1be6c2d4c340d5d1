"""Shared set-up for the survey tests: a hub on a movable clock, a four-question survey."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot import i18n
from bot.services.survey_types import QuestionDraft, SurveyView
from tests.conftest import RunningBot, tr
from tests.e2e.meeting_helpers import START, meeting_hub, run_due
from tests.fakebot import FakeTelegram, Msg, SimUser

TITLE = "Mentoring this term"
QUESTIONS = (
    QuestionDraft("single", "How often do you meet your mentor?", ("Weekly", "Monthly", "Rarely")),
    QuestionDraft("multiple", "What helps you most?", ("Observation", "Feedback", "Co-planning")),
    QuestionDraft("scale", "How confident do you feel in class?"),
    QuestionDraft("text", "What should we change?"),
)
SURVEY_TABLES = (
    "surveys",
    "survey_questions",
    "survey_participants",
    "survey_drafts",
    "survey_responses",
    "survey_answers",
)

__all__ = ["START", "run_due"]


async def survey_hub(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, ...]
) -> tuple[RunningBot, Any, SimUser, list[SimUser], int]:
    bot, clock, group, fatima, members = await meeting_hub(start_bot, telegram, languages)
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    return bot, clock, fatima, members, hub.id


async def create(
    bot: RunningBot,
    telegram: FakeTelegram,
    hub_id: int | None,
    author: SimUser,
    *,
    opens_at: datetime = START,
    closes_at: datetime = START + timedelta(days=3),
    **kwargs: Any,
) -> SurveyView:
    kwargs.setdefault("title", TITLE)
    kwargs.setdefault("questions", QUESTIONS)
    kwargs.setdefault("anonymous", True)
    view = await bot.services.surveys.create(
        author_id=author.id, hub_id=hub_id, opens_at=opens_at, closes_at=closes_at, **kwargs
    )
    # Opening now is the scheduler's work (its job fires at once; here, as its sweep does).
    await bot.services.scheduler.run_due()
    bot.services.delivery.wake()
    await telegram.settle()
    return await bot.services.surveys.get(view.id) or view


def deadline(locale: str, view: SurveyView, zone: str) -> tuple[str, str]:
    """The deadline's date and time as a reader in ``locale`` and ``zone`` reads them."""
    with i18n.use_locale(locale):
        return (
            i18n.format_date(view.closes_at, zone, "full"),
            i18n.format_time(view.closes_at, zone),
        )


def when_words(locale: str, moment: datetime, zone: str) -> i18n.Html:
    """A date and time in a sentence, as a reader in ``locale`` and ``zone`` reads it."""
    with i18n.use_locale(locale):
        date = i18n.format_date(moment, zone, "full")
        time = i18n.format_time(moment, zone)
    return i18n.Html(tr(locale, "{date}, {time}", date=date, time=time))


def closed_words(locale: str, moment: datetime, zone: str) -> str:
    """What a member is told when answering a survey closed at ``moment``."""
    return tr(
        locale,
        "This survey closed on {date}. Answers can no longer be sent.",
        date=when_words(locale, moment, zone),
    )


def shows(text: str, parts: tuple[str, ...]) -> bool:
    """Every part is in ``text`` (bidi isolates and marks aside)."""

    def plain(value: str) -> str:
        return "".join(c for c in value if c not in i18n.BIDI_MARKS)

    return all(plain(part) in plain(text) for part in parts)


def invitations(user: SimUser, view: SurveyView) -> list[Msg]:
    return [m for m in user.inbox() if f"s{view.id}" in m.text and m.buttons]


def label(locale: str, msgid: str) -> str:
    return tr(locale, msgid)
