"""/survey refuses what it must and keeps the draft: bad input, non-facilitators, a lost role,
forged and stale presses, and two facilitators building surveys at the same time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.handlers import survey_screens as screens
from bot.services.survey_types import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
)
from tests.conftest import tr
from tests.e2e.test_survey_flow import (
    HUB,
    STALE,
    TITLE,
    ZONE,
    add_question,
    flow_of,
    labels,
    questions_of,
    said,
    start,
    surveys,
    to_preview,
    trn,
)
from tests.fakebot import FakeTelegram, Msg, SimUser


async def forged(user: SimUser, screen: Msg, action: str) -> str | None:
    answer = await user.press_data(screen, f"sw:{flow_of(screen)}:{action}")
    assert answer is not None
    return answer.text


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_bad_input_is_explained_and_the_draft_kept(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    await olga.send("/survey")
    await olga.send("T" * 201)
    too_long = "The title is too long: up to {limit} characters, please."
    assert tr(locale, too_long, limit=200) in olga.last().text
    assert tr(locale, "<b>New survey for {hub}</b>", hub=HUB) in olga.last().text
    await olga.send(TITLE)
    # No questions yet: "That's all" is not offered, and a forged one is answered.
    screen = olga.last()
    assert tr(locale, "✅ That's all") not in labels(screen)
    no_questions = tr(locale, "A survey needs at least one question.")
    assert await forged(olga, screen, "qd") == no_questions
    await olga.press(screen, tr(locale, "Single choice"))
    await olga.send("Q" * (MAX_QUESTION_LENGTH + 1))
    question_too_long = "The question is too long: up to {limit} characters, please."
    assert tr(locale, question_too_long, limit=MAX_QUESTION_LENGTH) in olga.last().text
    await olga.send("Which day suits you?")
    await olga.send("A" * (MAX_OPTION_LENGTH + 1))
    option_too_long = "An option is too long: up to {limit} characters, please."
    assert tr(locale, option_too_long, limit=MAX_OPTION_LENGTH) in olga.last().text
    await olga.send("Mon")
    await olga.send("MON")
    twice = tr(locale, "The option “{option}” appears twice.", option="MON")
    assert twice in olga.last().text
    # One option: no Done, and a forged Done is stale.
    assert tr(locale, "✅ Done") not in labels(olga.last())
    assert await forged(olga, olga.last(), "od") == tr(locale, STALE)
    await olga.send("Wed")
    await olga.press(olga.last(), tr(locale, "✅ Done"))
    # Removing the only question leaves none: asked for a first question again.
    await olga.press(olga.last(), tr(locale, "↩ Remove last"))
    first = tr(locale, "<b>Question {number}</b>: what kind of answer?", number=1)
    assert first in olga.last().text
    assert await forged(olga, olga.last(), "qd") == no_questions
    await add_question(olga, locale, "Free text", "What would you change?")
    # The most options a question can have ends it at once.
    await olga.press(olga.last(), tr(locale, "➕ Another question"))
    await olga.press(olga.last(), tr(locale, "Multiple choice"))
    await olga.send("Which topics?")
    for n in range(MAX_OPTIONS):
        await olga.send(f"Topic {n}")
    assert trn(
        locale, "<b>{count} question so far:</b>", "<b>{count} questions so far:</b>", 2
    ) in (olga.last().text)
    await olga.press(olga.last(), tr(locale, "✅ That's all"))
    await olga.press(olga.last(), tr(locale, "🙈 Anonymous"))
    # A typed opening: unreadable, gone by, too far, then right.
    await olga.press(olga.last(), tr(locale, "A date…"))
    await olga.send("someday")
    unreadable = "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}."
    assert tr(locale, unreadable, date="someday", example="2026-11-30") in olga.last().text
    await olga.send("2026-11-20")
    passed = "{date} has already passed. Choose today or a later date."
    assert tr(locale, passed, date="2026-11-20") in olga.last().text
    await olga.send("2026-11-23 08:00")  # it is 12:00 in Chisinau
    time_passed = "{time} on that day has already passed ({timezone}). Choose a later time."
    assert tr(locale, time_passed, time="08:00", timezone=ZONE) in olga.last().text
    await olga.send("2026-11-24 25:00")
    not_a_time = "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59."
    assert tr(locale, not_a_time, time="25:00") in olga.last().text
    await olga.send("2028-01-01")
    assert tr(locale, "That date is more than a year away. Choose a date within a year.") in (
        olga.last().text
    )
    await olga.send("2026-12-10")
    assert tr(locale, "<b>What is the deadline?</b>") in olga.last().text
    # A typed deadline: before the opening, gone by, then right.
    await olga.press(olga.last(), tr(locale, "A date…"))
    await olga.send("2026-12-05")
    assert tr(locale, "The deadline must come after the survey opens.") in olga.last().text
    await olga.send("2026-11-21")
    assert tr(locale, passed, date="2026-11-21") in olga.last().text
    await olga.send("2026-12-13 09:00")
    # A reminder that would come before the opening is refused.
    answer = await olga.press(olga.last(), tr(locale, "3 days before"))
    assert answer is not None and answer.show_alert
    assert answer.text == tr(locale, "A reminder would come before the survey opens.")
    await olga.press(olga.last(), tr(locale, "1 day before"))
    await olga.press(olga.last(), tr(locale, "Next ▶"))
    preview = olga.last()
    assert tr(locale, "<b>Preview of the survey</b>") in preview.text
    deadline = datetime(2026, 12, 13, 7, 0, tzinfo=UTC)
    assert said(locale, screens.moment_words, deadline, ZONE) in preview.text
    # Time passes the opening and the deadline before Confirm: both are asked again.
    bot.services.scheduler.clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=UTC))
    await olga.press(preview, tr(locale, "✅ Confirm"))
    gone = tr(locale, "That opening time has passed. Choose when the survey opens.")
    assert gone in olga.last().text and await surveys(bot) == []
    await olga.press(olga.last(), tr(locale, "Now"))
    late = tr(locale, "The deadline has already passed. Please choose a later one.")
    assert late in olga.last().text
    await olga.press(olga.last(), tr(locale, "In 1 week"))
    preview = olga.last()
    assert tr(locale, "<b>Preview of the survey</b>") in preview.text
    await olga.press(preview, tr(locale, "✅ Confirm"))
    (row,) = await surveys(bot)
    assert row["title"] == TITLE and len(await questions_of(bot, row["id"])) == 2


@pytest.mark.parametrize("locale", ["en", "ru", "he"])
async def test_non_facilitators_are_refused(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, group, (mihai, _noa) = await start(start_bot, make_config, telegram, locale)
    mihai.language_code = locale  # the member now writes from a phone in the test's language
    await mihai.send("/survey")
    assert not any(b.callback_data for b in (x for row in mihai.last().buttons for x in row))
    assert mihai.last().text.strip() == tr(locale, "Only facilitators can do that.")
    # A member pressing the facilitator's buttons (forwarded, or forged) finds nothing.
    await olga.send("/survey")
    flow = flow_of(olga.last())
    await mihai.send("/start")
    answer = await mihai.press_data(mihai.last(), f"sw:{flow}:k:single")
    assert answer is not None and answer.text == tr(locale, STALE)
    # In the group, /survey points to the private chat; a member there is refused.
    await olga.send("/survey", chat=group)
    assert tr(locale, "To make a survey for this hub, send /survey to me privately.") in (
        group.last().text
    )
    await mihai.send("/survey", chat=group)
    assert tr(locale, "Only this hub's facilitators can do that.") in group.last().text
    assert await surveys(bot) == []


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_lost_role_ends_the_flow(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, group, _members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    hub = await bot.services.hubs.for_chat(group.id)
    await bot.services.db.execute(
        "UPDATE memberships SET role = 'member' WHERE hub_id = ? AND user_id = ?",
        (hub.id, olga.id),
    )
    answer = await olga.press(preview, tr(locale, "✅ Confirm"))
    assert answer is not None and answer.show_alert
    assert answer.text == tr(locale, "Only this hub's facilitators can do that.")
    assert await surveys(bot) == []
    # Typed text mid-flow after losing the role is refused too.
    await bot.services.db.execute(
        "UPDATE memberships SET role = 'facilitator' WHERE hub_id = ? AND user_id = ?",
        (hub.id, olga.id),
    )
    await olga.send("/survey")
    await bot.services.db.execute(
        "UPDATE memberships SET role = 'member' WHERE hub_id = ? AND user_id = ?",
        (hub.id, olga.id),
    )
    await olga.send(TITLE)
    assert tr(locale, "Only this hub's facilitators can do that.") in olga.last().text
    await olga.send("Another line")  # the flow is over: not taken as a title
    assert tr(locale, "<b>Question {number}</b>: what kind of answer?", number=1) not in (
        olga.last().text
    )


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_forged_and_stale_presses_change_nothing(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    flow = flow_of(preview)
    stale = tr(locale, STALE)
    for data in (
        f"sw:{flow + 1}:ok",
        f"sw:{flow}:cl:1y",
        f"sw:{flow}:r:5d",
        f"sw:{flow}:an:2",
        f"sw:{flow}:k:single",  # no question is being added
        f"sw:{flow}:add",
        f"sw:{flow}:rm",
        f"sw:{flow}:bf:1",
        f"sw:{flow}:bk:nowhere",
        f"sw:{flow}:hub:1",  # the hub is chosen already
        f"sw:{flow}:zz",
        f"sw:{flow}:ok:1",
        "sw:x:ok",
        "sw",
        f"sw:{flow}:ok:a:b",
    ):
        answer = await olga.press_data(preview, data)
        assert answer is not None and answer.text == stale, data
    assert tr(locale, "<b>Preview of the survey</b>") in olga.last().text
    await olga.press(olga.last(), tr(locale, "✅ Confirm"))
    await bot.services.scheduler.run_due()  # the opening: its invitation comes now, not later
    bot.services.delivery.wake()
    await telegram.settle()
    # A second Confirm (a double tap) makes nothing more.
    answer = await olga.press_data(preview, f"sw:{flow}:ok")
    assert answer is not None and answer.text == stale
    assert len(await surveys(bot)) == 1
    # Cancel ends a flow: its buttons are stale afterwards.
    await olga.send("/survey")
    screen = olga.last()
    flow = flow_of(screen)
    await olga.press(screen, tr(locale, "✖ Cancel"))
    assert tr(locale, "Cancelled. No survey was made.") in olga.last().text
    answer = await olga.press_data(screen, f"sw:{flow}:k:single")
    assert answer is not None and answer.text == stale
    assert len(await surveys(bot)) == 1


async def test_two_facilitators_build_surveys_at_once(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot, olga, group, (_mihai, noa) = await start(start_bot, make_config, telegram, "en")
    await olga.send(f"/promote {noa.id}", chat=group)
    await olga.send("/survey")
    await noa.send("/survey")
    olga_flow, noa_flow = flow_of(olga.last()), flow_of(noa.last())
    await olga.send("Olga's survey")
    await noa.send("Noa's survey")
    await olga.press(olga.last(), "Scale 1–5")
    await noa.press(noa.last(), tr("he", "Free text"))
    await noa.send("What did you learn?")
    await olga.send("How are you?")
    # Noa pressing with Olga's flow number finds no flow of hers: nothing changes for either.
    assert olga_flow != noa_flow
    answer = await noa.press_data(noa.last(), f"sw:{olga_flow}:qd")
    assert answer is not None and answer.text == tr("he", STALE)
    for user, locale in ((olga, "en"), (noa, "he")):
        await user.press(user.last(), tr(locale, "✅ That's all"))
        await user.press(user.last(), tr(locale, "👤 With names"))
        await user.press(user.last(), tr(locale, "Now"))
        await user.press(user.last(), tr(locale, "In 3 days"))
        await user.press(user.last(), tr(locale, "No reminders"))
    olga_preview, noa_preview = olga.last(), noa.last()
    assert "Olga's survey" in olga_preview.text and "How are you?" in olga_preview.text
    assert "Noa's survey" in noa_preview.text and "What did you learn?" in noa_preview.text
    assert "How are you?" not in noa_preview.text
    await noa.press(noa_preview, tr("he", "✅ Confirm"))
    await olga.press(olga_preview, tr("en", "✅ Confirm"))
    rows = await surveys(bot)
    assert [(r["author_id"], r["title"]) for r in rows] == [
        (noa.id, "Noa's survey"),
        (olga.id, "Olga's survey"),
    ]
    assert await questions_of(bot, rows[0]["id"]) == [("text", "What did you learn?", ())]
    assert await questions_of(bot, rows[1]["id"]) == [("scale", "How are you?", ())]


async def test_the_most_questions_and_a_preview_longer_than_a_message(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot, olga, _group, _members = await start(start_bot, make_config, telegram, "en")
    await olga.send("/survey")
    await olga.send(TITLE)
    for n in range(MAX_QUESTIONS):
        if n:
            await olga.press(olga.last(), "➕ Another question")
        await olga.press(olga.last(), "Multiple choice")
        await olga.send(f"Question {n}: " + "q" * 200)
        for m in range(MAX_OPTIONS):  # the tenth option ends the question
            await olga.send(f"{m} " + "o" * (MAX_OPTION_LENGTH - 3))
    screen = olga.last()
    assert tr("en", "That is the most a survey can have ({count}).", count=MAX_QUESTIONS) in (
        screen.text
    )
    assert "➕ Another question" not in labels(screen)
    assert await forged(olga, screen, "add") == tr("en", STALE)
    await olga.press(screen, "✅ That's all")
    await olga.press(olga.last(), "👤 With names")
    await olga.press(olga.last(), "Now")
    await olga.press(olga.last(), "In 2 weeks")
    await olga.press(olga.last(), "No reminders")
    # The preview runs over several messages; its buttons sit on the last one.
    preview = olga.last()
    assert "✅ Confirm" in labels(preview)
    assert tr("en", "Change what you need with the buttons, then Confirm.") in preview.text
    await olga.press(preview, "✅ Confirm")
    (row,) = await surveys(bot)
    assert len(await questions_of(bot, row["id"])) == MAX_QUESTIONS
