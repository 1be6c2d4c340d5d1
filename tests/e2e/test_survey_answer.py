"""Answering a survey end to end: invitations in each reader's language and zone, one question at
a time, back, finish later and resume, submit, reminders to non-finishers only, the deadline
across a restart, forged presses, and that an anonymous survey keeps no link to its members."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.services.survey_types import SurveyError
from tests.conftest import RunningBot, tr
from tests.e2e.survey_helpers import (
    QUESTIONS,
    START,
    SURVEY_TABLES,
    TITLE,
    closed_words,
    create,
    deadline,
    invitations,
    run_due,
    shows,
    survey_hub,
    when_words,
)
from tests.e2e.test_hubs import make_hub
from tests.fakebot import FakeTelegram, Msg, SimUser

ANON = (
    "🔒 Anonymous: your answers are stored without your name, and nobody, not even the "
    "facilitators, can tell which answers are yours. Only whether you have finished is "
    "kept, to remind you before the deadline. Your answers count only when you press "
    "Submit. Until then they are kept with your name only so that you can finish "
    "later; answers not sent by the deadline are deleted."
)
NAMED = "👤 Not anonymous: the facilitators see your answers with your name."


def question_line(locale: str, n: int) -> str:
    return tr(locale, "Question {n} of {total}", n=n, total=len(QUESTIONS))


async def rows(bot: RunningBot, table: str) -> list[tuple]:
    return [tuple(r) for r in await bot.services.db.fetch_all(f"SELECT * FROM {table}")]  # noqa: S608


async def start(user: SimUser, locale: str, message: Msg, *, resume: bool = False) -> Msg:
    await user.press(message, tr(locale, "⏯ Continue" if resume else "📝 Start"))
    return user.last()


async def test_invite_answer_later_resume_back_submit_remind_and_close_across_a_restart(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, fatima, (olga_ru, noa_he), hub_id = await survey_hub(
        start_bot, telegram, ("ru", "he")
    )
    await bot.services.users.set_timezone(noa_he.id, "Asia/Tokyo")
    view = await create(
        bot,
        telegram,
        hub_id,
        fatima,
        opens_at=START + timedelta(hours=1),
        closes_at=START + timedelta(days=3),
        reminders=[timedelta(days=1)],
    )
    assert view.status == "scheduled" and view.ref == f"s{view.id}"
    assert invitations(olga_ru, view) == []  # nothing before it opens

    clock.set(START + timedelta(hours=1, minutes=1))
    await run_due(bot, telegram)
    for user, locale, zone in (
        (olga_ru, "ru", "Europe/Chisinau"),
        (noa_he, "he", "Asia/Tokyo"),
        (fatima, "en", "Europe/Chisinau"),
    ):
        [invite] = invitations(user, view)
        assert tr(locale, "📋 <b>{title}</b>", title=TITLE) in invite.text
        assert shows(invite.text, deadline(locale, view, zone)), (locale, invite.text)
        assert tr(locale, ANON) in invite.text
    assert (await bot.services.surveys.progress(view.id)).invited == 3
    assert (await bot.services.surveys.get(view.id)).status == "open"

    # Olga (ru) answers two questions, then finishes later.
    [invite] = invitations(olga_ru, view)
    screen = await start(olga_ru, "ru", invite)
    assert question_line("ru", 1) in screen.text and QUESTIONS[0].text in screen.text
    assert tr("ru", ANON) in invite.text  # the invitation stays as it was
    await olga_ru.press(screen, "1. Weekly")
    assert question_line("ru", 2) in screen.text
    await olga_ru.press(screen, "2. Feedback")
    await olga_ru.press(screen, "3. Co-planning")
    await olga_ru.press(screen, "3. Co-planning")  # untick
    assert screen.button("2. Feedback").text.startswith("☑")
    await olga_ru.press(screen, tr("ru", "Next ▶"))
    assert question_line("ru", 3) in screen.text
    await olga_ru.press(screen, tr("ru", "⏸ Finish later"))
    kept = tr(
        "ru",
        "⏸ Your answers so far are kept. Press Continue, or send /surveys, to finish "
        "before {deadline}.",
        deadline=when_words("ru", view.closes_at, "Europe/Chisinau"),
    )
    assert kept in screen.text
    progress = await bot.services.surveys.progress(view.id)
    assert (progress.finished, progress.in_progress) == (0, 1)

    # /surveys resumes at the first unanswered question; Back shows what was ticked.
    await olga_ru.send("/surveys")
    listing = olga_ru.last()
    assert TITLE in listing.text
    await olga_ru.press(listing, TITLE)
    screen = olga_ru.last()
    assert question_line("ru", 3) in screen.text
    await olga_ru.press(screen, tr("ru", "◀ Back"))
    assert question_line("ru", 2) in screen.text
    assert screen.button("2. Feedback").text.startswith("☑")
    assert screen.button("1. Observation").text.startswith("☐")
    await olga_ru.press(screen, tr("ru", "Next ▶"))
    await olga_ru.press(screen, "4")
    assert question_line("ru", 4) in screen.text
    await olga_ru.send("More <time> for observation")
    summary = olga_ru.last()
    assert tr("ru", "Your answers:") in summary.text
    assert "Weekly" in summary.text and "Feedback" in summary.text
    assert "More <time> for observation" in summary.text  # escaped, shown as typed
    await olga_ru.press(summary, tr("ru", "✅ Submit"))
    assert tr("ru", "They are stored without your name.") in summary.text
    assert (await bot.services.surveys.open_for(olga_ru.id)) == []

    # Noa (he) answers the first question only.
    [invite] = invitations(noa_he, view)
    screen = await start(noa_he, "he", invite)
    await noa_he.press(screen, "2. Monthly")
    assert question_line("he", 2) in screen.text

    # Anonymous: after Olga's submit no row of any survey table links her to her answers.
    assert [r for r in await rows(bot, "survey_drafts") if r[1] == olga_ru.id] == []
    responses = await rows(bot, "survey_responses")
    assert len(responses) == 1 and responses[0][2] is None  # no user id
    for table in SURVEY_TABLES:
        for row in await rows(bot, table):
            if olga_ru.id in row:
                assert table == "survey_participants", (table, row)
                assert row == (view.id, olga_ru.id, 1)  # only "has finished"
    answers = await rows(bot, "survey_answers")
    assert {r[0] for r in answers} == {responses[0][0]}  # keyed by the random id only
    assert len(answers) == 4

    # The reminder, a day before the deadline: to Noa and Fatima, not to Olga who finished.
    clock.set(START + timedelta(days=2, minutes=1))
    await run_due(bot, telegram)
    reminder = "⏰ A reminder: you haven't finished this survey yet."
    assert [m for m in noa_he.inbox() if tr("he", reminder) in m.text]
    assert [m for m in fatima.inbox() if tr("en", reminder) in m.text]
    assert not [m for m in olga_ru.inbox() if tr("ru", reminder) in m.text]
    await run_due(bot, telegram)
    assert len([m for m in noa_he.inbox() if tr("he", reminder) in m.text]) == 1

    # The bot is down at the deadline and comes back after it.
    await bot.stop()
    clock.set(START + timedelta(days=3, hours=2))
    bot = await start_bot(clock=clock)
    await run_due(bot, telegram)
    closed = await bot.services.surveys.get(view.id)
    assert closed is not None and closed.status == "closed"
    assert await rows(bot, "survey_drafts") == []
    responses = await rows(bot, "survey_responses")
    # Anonymous: Noa's unsent part is deleted, not kept as an incomplete response that could
    # be traced to the members who never finished.
    assert [r[3] for r in responses] == [1]
    assert all(r[2] is None for r in responses)
    progress = await bot.services.surveys.progress(view.id)
    assert (progress.invited, progress.finished, progress.in_progress) == (3, 1, 0)
    notice = tr("en", "📋 The survey <b>{title}</b> ({ref}) is closed.", title=TITLE, ref=view.ref)
    assert [m for m in fatima.inbox() if notice in m.text]

    # An answer after the deadline says it is closed (in Noa's zone), and keeps nothing.
    answer = await noa_he.press(screen, "2. Feedback")
    assert answer is not None and answer.show_alert
    closed_on = tr("he", "This survey closed on {date}. Answers can no longer be sent.", date="|")
    parts = (*deadline("he", view, "Asia/Tokyo"), *closed_on.split("|"))
    assert shows(answer.text or "", parts), answer.text
    assert closed_words("he", view.closes_at, "Asia/Tokyo") in (answer.text or "")
    assert await rows(bot, "survey_drafts") == []


async def test_named_survey_typed_answers_skip_and_forged_presses(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, fatima, (mike_en, noa_he), hub_id = await survey_hub(
        start_bot, telegram, ("en", "he")
    )
    view = await create(bot, telegram, hub_id, fatima, anonymous=False)
    assert view.status == "open"  # opens at once
    [invite] = invitations(noa_he, view)
    assert tr("he", NAMED) in invite.text
    other = await create(
        bot,
        telegram,
        hub_id,
        fatima,
        title="Another one",
        questions=QUESTIONS[:1],
    )
    screen = await start(noa_he, "he", invite)

    async def forged(data: str) -> str:
        before = await rows(bot, "survey_drafts")
        answer = await noa_he.press_data(screen, data)
        assert answer is not None and answer.show_alert
        assert await rows(bot, "survey_drafts") == before  # nothing stored
        return answer.text or ""

    not_this = tr("he", "This button does not belong to this survey.")
    q1, q2 = view.questions[0].id, view.questions[1].id
    # A question of another survey, a bad option, a scale value for a choice, a bad position.
    assert await forged(f"sv:a:{view.id}:{other.questions[0].id}:0") == not_this
    assert await forged(f"sv:a:{view.id}:{q1}:7") == not_this
    assert await forged(f"sv:t:{view.id}:{q1}:0") == not_this
    assert await forged(f"sv:n:{view.id}:{q1}") == not_this
    assert await forged(f"sv:a:{view.id}:{view.questions[2].id}:6") == not_this  # scale 1..5
    assert await forged(f"sv:a:{view.id}:{view.questions[3].id}:1") == not_this  # text
    assert await forged(f"sv:q:{view.id}:99") == not_this
    assert await forged(f"sv:t:{view.id}:{q2}:5") == not_this
    assert await forged("sv:a:nope") == tr("he", "This button is no longer valid.")
    # A survey of another hub, which Noa was not invited to.
    founder = telegram.user("Elsewhere", language_code="en")
    await founder.send("/start")
    group2 = await make_hub(telegram, founder, "Balti mentors")
    hub2 = await bot.services.hubs.for_chat(group2.id)
    third = await create(bot, telegram, hub2.id, founder, title="Elsewhere")
    assert await forged(f"sv:s:{third.id}") == tr(
        "he", "This survey was not sent to you, so you cannot answer it."
    )
    assert await forged("sv:s:999999") == tr("he", "There is no survey {ref}.", ref="s999999")

    # Skip a question, type the free-text one (empty, too long, then fine), submit.
    await noa_he.press(screen, tr("he", "Skip ⏭"))
    await noa_he.press(screen, tr("he", "Next ▶"))  # nothing ticked: skipped
    await noa_he.press(screen, "5")
    assert question_line("he", 4) in screen.text
    await noa_he.send("x" * 2001)
    assert noa_he.last().text == tr(
        "he", "Your answer is too long: up to {limit} characters, please.", limit=2000
    )
    await noa_he.send("שיחות משוב קצרות יותר")
    summary = noa_he.last()
    assert tr("he", "skipped") in summary.text
    await noa_he.press(summary, tr("he", "✅ Submit"))
    assert tr("he", "✅ Thank you! Your answers to <b>{title}</b> are in.", title=TITLE) in (
        summary.text
    )
    # Named: the response carries her id; the skipped questions left no answer.
    [response] = await rows(bot, "survey_responses")
    assert response[2] == noa_he.id and response[3] == 1
    assert len(await rows(bot, "survey_answers")) == 2
    # Pressing again after submitting changes nothing.
    answer = await noa_he.press_data(summary, f"sv:f:{view.id}")
    assert answer is not None and answer.text == tr(
        "he", "You have already sent your answers to this survey. Thank you!"
    )
    # Stray text after the survey is no longer taken as an answer.
    await noa_he.send("hello")
    assert len(await rows(bot, "survey_answers")) == 2

    # Facilitators see their hub's surveys with progress in /surveys.
    await fatima.send("/surveys")
    listing = fatima.last()
    assert tr("en", "📊 <b>Your hubs' surveys</b>") in listing.text
    assert "1 of 3 invited finished" in listing.text
    results = listing.button(f"📊 {TITLE}")
    assert results.callback_data == f"sr:v:{view.id}"
    # Closing early: the survey says it is closed.
    await bot.services.surveys.close(view.id)
    with pytest.raises(SurveyError):
        await bot.services.surveys.close(view.id)
    await mike_en.send("/surveys")
    assert TITLE not in mike_en.last().text and "Another one" in mike_en.last().text
    del clock


async def test_no_trace_of_a_members_draft_is_left_in_the_database_file(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, fatima, (noa_he,), hub_id = await survey_hub(start_bot, telegram, ("he",))
    view = await create(bot, telegram, hub_id, fatima, questions=QUESTIONS[3:])
    [invite] = invitations(noa_he, view)
    await noa_he.press(invite, tr("he", "📝 Start"))
    await noa_he.send("first thought zebra-quokka")
    summary = noa_he.last()
    await noa_he.press(summary, tr("he", "◀ Back"))
    await noa_he.send("second thought zebra-quokka")  # the draft is overwritten
    await noa_he.press(noa_he.last(), tr("he", "✅ Submit"))
    db = bot.services.db
    # The bot's own debounced checkpoint (asked for by the submit), not one of the test's.
    assert await bot.services.surveys.wal.run_pending()
    raw = await asyncio.to_thread(Path(db.path).read_bytes)
    # The answer is stored once (without her id); neither draft left a copy in free space.
    assert raw.count(b"second thought zebra-quokka") == 1
    assert raw.count(b"first thought zebra-quokka") == 0
