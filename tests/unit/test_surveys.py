"""Survey validation (bot/services/survey_types.py) and the service's refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.services.survey_fanout import at_local
from bot.services.survey_types import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    MAX_TITLE_LENGTH,
    AnswerState,
    QuestionDraft,
    SurveyError,
    check_question,
    check_questions,
    check_reminders,
    check_times,
    clean_title,
)
from tests.e2e.survey_helpers import QUESTIONS, START, create, survey_hub
from tests.fakebot import FakeTelegram

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_question_is_trimmed_and_its_options_cleaned() -> None:
    draft = check_question(QuestionDraft("single", "  Which?  ", (" A ", "", "B")))
    assert draft == QuestionDraft("single", "Which?", ("A", "B"))
    # Options of a scale or text question are dropped.
    assert check_question(QuestionDraft("scale", "How?", ("x", "y"))).options == ()


@pytest.mark.parametrize(
    "draft",
    [
        QuestionDraft("single", "   ", ("A", "B")),
        QuestionDraft("single", "Which?", ("A",)),
        QuestionDraft("multiple", "Which?", ("Tea", "tea ")),  # duplicates, case aside
        QuestionDraft("single", "Which?", tuple(str(i) for i in range(MAX_OPTIONS + 1))),
        QuestionDraft("single", "Which?", ("A", "B" * (MAX_OPTION_LENGTH + 1))),
        QuestionDraft("text", "Q" * (MAX_QUESTION_LENGTH + 1)),
        QuestionDraft("rating", "Which?"),  # type: ignore[arg-type]
    ],
)
def test_bad_questions_are_refused(draft: QuestionDraft) -> None:
    with pytest.raises(SurveyError) as error:
        check_question(draft)
    assert error.value.message


def test_a_survey_needs_one_to_twenty_questions_and_a_title() -> None:
    with pytest.raises(SurveyError):
        check_questions([])
    with pytest.raises(SurveyError):
        check_questions([QuestionDraft("text", "Why?")] * (MAX_QUESTIONS + 1))
    assert len(check_questions([QuestionDraft("text", "Why?")] * MAX_QUESTIONS)) == MAX_QUESTIONS
    assert clean_title("  Term   review ") == "Term review"
    for bad in ("  ", "T" * (MAX_TITLE_LENGTH + 1)):
        with pytest.raises(SurveyError):
            clean_title(bad)


def test_times_and_reminders() -> None:
    later = NOW + timedelta(days=3)
    check_times(NOW, later, NOW)
    with pytest.raises(SurveyError):
        check_times(NOW - timedelta(days=5), NOW - timedelta(days=1), NOW)  # in the past
    with pytest.raises(SurveyError):
        check_times(later, NOW + timedelta(days=1), NOW)  # before the opening
    with pytest.raises(ValueError, match="aware"):
        check_times(NOW.replace(tzinfo=None), later, NOW)
    offsets = check_reminders([timedelta(days=1), timedelta(days=2), timedelta(days=1)], NOW, later)
    assert offsets == (timedelta(days=2), timedelta(days=1))
    with pytest.raises(SurveyError):
        check_reminders([timedelta(days=3)], NOW, later)  # would come before the opening
    with pytest.raises(SurveyError):
        check_reminders([timedelta(seconds=90)], NOW, later)
    with pytest.raises(SurveyError):
        check_reminders([-timedelta(hours=1)], NOW, later)


def test_schedules_are_kept_in_utc_rounded_up_to_the_minute() -> None:
    assert at_local(NOW) == "2026-12-01 08:00"
    assert at_local(NOW + timedelta(seconds=1)) == "2026-12-01 08:01"


def test_resume_goes_to_the_first_question_without_an_answer() -> None:
    from bot.services.survey_types import QuestionView, SurveyView

    questions = tuple(QuestionView(10 + i, i, "text", f"Q{i}", ()) for i in (1, 2, 3))
    view = SurveyView(1, 1, "Hub", "T", True, NOW, NOW, (), None, "open", 5, NOW, questions)
    assert AnswerState(view, {}).first_unanswered() == 1
    assert AnswerState(view, {11: "a", 12: None}).first_unanswered() == 3  # skipped counts
    assert AnswerState(view, {11: "a", 12: None, 13: "c"}).first_unanswered() is None


async def test_the_service_refuses_bad_surveys(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, fatima, _members, hub_id = await survey_hub(start_bot, telegram, ("en",))
    surveys = bot.services.surveys
    base: dict[str, Any] = {
        "author_id": fatima.id,
        "hub_id": hub_id,
        "title": "Before",
        "questions": QUESTIONS,
        "anonymous": True,
        "opens_at": START,
        "closes_at": START + timedelta(days=3),
    }
    bad = [
        {"questions": []},
        {"closes_at": START - timedelta(hours=1)},
        {"opens_at": START + timedelta(days=4)},
        {"reminders": [timedelta(days=4)]},
        {"hub_id": 9999},
        {"title": ""},
        {"before_id": 9999},
    ]
    for change in bad:
        with pytest.raises(SurveyError):
            await surveys.create(**{**base, **change})
    assert await surveys.for_hubs([hub_id], False) == []

    before = await create(bot, telegram, hub_id, fatima, title="Before")
    # An "after" survey needs the same questions, kinds and options, in order.
    for questions in (QUESTIONS[:3], (*QUESTIONS[1:], QUESTIONS[0])):
        with pytest.raises(SurveyError):
            await surveys.create(**{**base, "questions": questions, "before_id": before.id})
    with pytest.raises(SurveyError):  # another hub's (here: every hub's) survey
        await surveys.create(**{**base, "hub_id": None, "before_id": before.id})
    after = await surveys.create(**{**base, "title": "After", "before_id": before.id})
    assert after.before_id == before.id
    listed = await surveys.for_hubs([hub_id], False)
    assert [v.id for v in listed] == [after.id, before.id]
    assert [q.kind for q in after.questions] == ["single", "multiple", "scale", "text"]
    progress = await surveys.progress(before.id)
    assert progress.invited == 2 and progress.finished == 0  # Fatima and the member
    assert await surveys.audience(hub_id) == 2  # the founder never started the bot


async def test_anonymous_responses_keep_neither_member_nor_finishing_order(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, fatima, members, hub_id = await survey_hub(start_bot, telegram, ("en",) * 12)
    db = bot.services.db
    surveys = bot.services.surveys
    view = await create(bot, telegram, hub_id, fatima, questions=QUESTIONS[3:])
    text_question = view.questions[0].id
    people = [fatima, *members]  # 13: the chance of finishing in table order is 1 in 13!
    for order, person in enumerate(people):
        await surveys.answer(view.id, person.id, text_question, f"answer {order}")
        await surveys.submit(view.id, person.id)
    stored = [
        r[0]
        for r in await db.fetch_all(
            "SELECT a.value FROM survey_responses r JOIN survey_answers a ON a.response_id = r.id"
        )
    ]
    finishing = [f'"answer {order}"' for order in range(len(people))]
    assert sorted(stored) == sorted(finishing)
    assert stored != finishing  # the tables' own order is not the order of finishing
    responses = await db.fetch_all("SELECT id, user_id FROM survey_responses")
    assert all(r[1] is None for r in responses)
    assert max(r[0] for r in responses) > 2**40  # random ids, not a counter
    assert await db.fetch_all("SELECT * FROM survey_drafts") == []
