"""/mydata and /forgetme end to end: a member who used everything sees it all, then erases it.

After /forgetme a walk of every table and column of the schema (sqlite_master) finds neither the
member's Telegram id, nor their name, nor their username; others' views of an answered question
are unchanged but for the asker, who is now anonymous.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.db.mydata import leftovers
from bot.i18n import BIDI_MARKS, ngettext, use_locale
from bot.services.survey_types import QuestionDraft
from tests.conftest import RunningBot, tr
from tests.e2e.meeting_helpers import START, TYPED, meeting_hub, run_due, with_text
from tests.e2e.prompt_helpers import PROMPT, prompts_received
from tests.e2e.test_hubs import invite_link
from tests.e2e.test_questions import ask, hub_with, post_of
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

FIRST, LAST, USERNAME = "Zoya", "Quartermaine", "zoya_qm"
NEEDLES = (FIRST, LAST, USERNAME)
NAMED_Q = "How do I open a first mentoring conversation?"
ANON_Q = "What if a parent complains about my mentee?"
OTHER_Q = "Which observation form do you use?"
ANSWER = "Start with what went well, then one question."
REFLECTION = "My mentee tried think-pair-share today"
SURVEY_Q = (QuestionDraft("single", "How often do you meet?", ("Weekly", "Monthly")),)


def count_line(locale: str, singular: str, plural: str, n: int) -> str:
    with use_locale(locale):
        return ngettext(singular, plural, n, count=n)


def going(yes: int) -> str:
    return tr("en", "Going: {yes} · Maybe: {maybe} · Can't: {no}", yes=yes, maybe=0, no=0)


def unmarked(text: str) -> str:
    return "".join(c for c in text if c not in BIDI_MARKS)


def walk(
    bot: RunningBot, user_id: int, needles: tuple[str, ...] = NEEDLES
) -> list[tuple[str, str]]:
    conn = sqlite3.connect(bot.services.db.path)
    try:
        return leftovers(conn, user_id, needles)
    finally:
        conn.close()


async def join(telegram: FakeTelegram, group: SimGroup, by: SimUser, locale: str) -> SimUser:
    await by.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    zoya = telegram.user(FIRST, last_name=LAST, username=USERNAME, language_code=locale)
    await zoya.send(f"/start {code}")
    group.add_member(zoya)
    return zoya


async def answer_survey(zoya: SimUser, locale: str, invite: Msg) -> None:
    await zoya.press(invite, tr(locale, "📝 Start"))
    screen = zoya.last()
    await zoya.press(screen, "1. Weekly")
    summary = zoya.last()
    await zoya.press(summary, tr(locale, "✅ Submit"))


async def used_everything(start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str):
    """A hub (two facilitators, another member) where Zoya has used every feature."""
    bot, clock, group, fatima, (other,) = await meeting_hub(start_bot, telegram, ("en",))
    group.add_member(other)
    zoya = await join(telegram, group, fatima, locale)
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None

    await zoya.send("/quiet 21:00-08:00")
    await ask(zoya, NAMED_Q)  # #1, answered below
    await ask(zoya, ANON_Q, anonymous=True)  # #2, left unanswered
    await ask(other, OTHER_Q)  # #3: Zoya says Me too
    await other.press(post_of(group, 1), "🙋 Me too")
    await zoya.press(post_of(group, 3), "🙋 Me too")
    await fatima.send(f"/answer 1 {ANSWER}")

    await fatima.send(f"/meeting {TYPED}")
    copy = with_text(zoya, "Peer observation")[-1]
    await zoya.press(copy, tr(locale, "Going"))

    await bot.services.polls.create(
        hub_id=hub.id,
        author_id=fatima.id,
        question="Which day suits you?",
        options=["Mon", "Wed"],
        anonymous=False,
        multiple=False,
    )
    await bot.services.polls.drain()
    [poll_msg] = [m for m in group.inbox() if m.poll is not None]
    await zoya.vote(poll_msg, [1])

    for title, anonymous in (("Named check-in", False), ("Anonymous check-in", True)):
        view = await bot.services.surveys.create(
            author_id=fatima.id,
            hub_id=hub.id,
            opens_at=START,
            closes_at=START + timedelta(days=3),
            title=title,
            questions=SURVEY_Q,
            anonymous=anonymous,
        )
        await bot.services.scheduler.run_due()  # opening now is the scheduler's work
        bot.services.delivery.wake()
        await telegram.settle()
        [invite] = [m for m in zoya.inbox() if f"s{view.id}" in m.text and m.buttons]
        await answer_survey(zoya, locale, invite)

    await fatima.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(START + timedelta(hours=8, minutes=1))  # 18:01 in Chisinau
    await run_due(bot, telegram)
    await zoya.send(REFLECTION, reply_to=prompts_received(zoya)[-1])
    await zoya.send("/journal")
    journal = zoya.last()
    await zoya.press(journal, tr(locale, "📣 Share {number}", number=1))
    await zoya.press(journal, tr(locale, "👤 With my name"))

    # After the meeting: she was there, and signed her feedback (the hub asks for it).
    occurrence_id = await bot.services.db.fetch_value("SELECT id FROM meeting_occurrences")
    await bot.services.db.execute("UPDATE hubs SET meeting_feedback = 1")
    clock.set(START + timedelta(days=2, hours=10))
    await run_due(bot, telegram)
    await bot.services.attendance.save(occurrence_id, fatima.id, {zoya.id})
    await bot.services.attendance.answer(occurrence_id, zoya.id, 5, "Useful evening", signed=True)
    bot.services.delivery.wake()
    await telegram.settle()
    return bot, clock, group, fatima, other, zoya


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
@pytest.mark.parametrize("locale", ["en", "ru", "he"])
async def test_mydata_shows_everything_and_forgetme_erases_it(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, group, fatima, other, zoya = await used_everything(start_bot, telegram, locale)
    await other.send("/faq mentoring conversation")
    faq_before = other.last().text
    post = post_of(group, 1)
    assert f"{FIRST} {LAST}" in post.text and ANSWER in post.text
    shared = next(m for m in group.inbox() if m.text.startswith("💭"))
    assert f"{FIRST} {LAST}" in shared.text and REFLECTION in shared.text
    assert going(1) in with_text(group, "Peer observation")[-1].text

    # /mydata: one JSON file with all of it.
    await zoya.send("/mydata")
    document = zoya.last()
    assert document.file_name == "mydata.json"
    assert "/forgetme" in document.text
    data = json.loads((document.file_bytes or b"").decode("utf-8"))
    profile = data["profile_and_settings"]
    assert (profile["telegram_id"], profile["first_name"], profile["username"]) == (
        zoya.id,
        FIRST,
        USERNAME,
    )
    assert (profile["quiet_hours_start"], profile["quiet_hours_end"]) == ("21:00", "08:00")
    assert [h["hub"] for h in data["hubs"]] == ["Chisinau mentors"]
    asked = {q["question_text"]: q for q in data["questions_asked"]}
    assert asked[NAMED_Q]["answer"] == ANSWER and asked[NAMED_Q]["anonymous"] == 0
    assert asked[ANON_Q]["anonymous"] == 1 and asked[ANON_Q]["answer"] is None
    assert [v["question_text"] for v in data["me_too_votes"]] == [OTHER_Q]
    assert [r["text"] for r in data["reflections"]] == [REFLECTION]
    assert [m["answer"] for m in data["meeting_answers"]] == ["yes"]
    assert [a["present"] for a in data["meeting_attendance"]] == [1]
    assert [(f["rating"], f["comment"]) for f in data["meeting_feedback_signed"]] == [
        (5, "Useful evening")
    ]
    assert [v["chosen_options"] for v in data["poll_votes"]] == [["Wed"]]
    assert {s["survey"] for s in data["surveys_invited"]} == {
        "Named check-in",
        "Anonymous check-in",
    }
    # the anonymous survey's answers carry no link to her: only the named one is hers
    assert [(a["survey"], a["answer"]) for a in data["survey_answers"]] == [("Named check-in", [0])]
    assert data["messages_to_you"] and all("kind" in m for m in data["messages_to_you"])

    # Cancel: nothing changes.
    await zoya.send("/forgetme")
    confirm = zoya.last()
    assert tr(locale, "<b>Erase everything I keep about you?</b>") in confirm.text
    await zoya.press(confirm, tr(locale, "✖ Cancel"))
    assert confirm.text == tr(locale, "Cancelled: nothing was erased.")
    assert walk(bot, zoya.id)

    # Confirm: erased, and the report says exactly what.
    await zoya.send("/forgetme")
    confirm = zoya.last()
    await zoya.press(confirm, tr(locale, "🗑 Erase everything"))
    await telegram.settle()
    report = confirm.text
    assert tr(locale, "🗑 <b>Done: I have forgotten you.</b>") in report
    for singular, plural, n in (
        ("You left {count} hub.", "You left {count} hubs.", 1),
        ("{count} reflection deleted.", "{count} reflections deleted.", 1),
        ("{count} unanswered question deleted.", "{count} unanswered questions deleted.", 1),
        (
            "{count} answered question kept as anonymous text.",
            "{count} answered questions kept as anonymous text.",
            1,
        ),
        ("{count} 🙋 Me too taken back.", "{count} 🙋 Me too taken back.", 1),
        ("{count} poll vote deleted.", "{count} poll votes deleted.", 1),
        ("{count} meeting answer deleted.", "{count} meeting answers deleted.", 1),
        ("{count} attendance mark deleted.", "{count} attendance marks deleted.", 1),
        (
            "{count} signed meeting feedback deleted.",
            "{count} signed meeting feedbacks deleted.",
            1,
        ),
        (
            "{count} named survey response deleted.",
            "{count} named survey responses deleted.",
            1,
        ),
    ):
        assert count_line(locale, singular, plural, n) in report, (singular, report)
    assert "announcement" not in report  # she wrote none: no line for it
    assert walk(bot, zoya.id) == []

    # Others' views: the answered question keeps its answer, its asker is now anonymous.
    post = post_of(group, 1)
    assert tr("en", "❓ Question #{id} (anonymous)", id=1) in post.text
    assert NAMED_Q in post.text and ANSWER in post.text and FIRST not in post.text
    assert tr("en", "❓ Question #{id} was withdrawn by the person who asked it.", id=2) in (
        post_of(group, 2).text
    )
    await other.send("/faq mentoring conversation")
    assert other.last().text == faq_before
    shared = next(m for m in group.inbox() if m.text.startswith("💭"))
    assert shared.text == tr("en", "💭 A reflection shared here was removed by its author.")
    meeting_post = with_text(group, "Peer observation")[-1]
    assert going(1) not in meeting_post.text and going(0) in meeting_post.text
    question = await bot.services.questions._questions.get(1)
    assert question is not None and question.asker_id is None and question.anonymous
    assert await bot.services.questions._questions.get(2) is None
    other_q = await bot.services.questions._questions.get(3)
    assert other_q is not None and other_q.votes == 0
    assert post_of(group, 3).button("🙋 Me too").text == "🙋 Me too"  # her vote is gone there too

    # Pressed twice (a second tap on the button before it went): already done, nothing kept.
    await zoya.press_data(confirm, "fm:y")
    assert confirm.text == tr(locale, "Already done: I keep nothing about you.")
    assert walk(bot, zoya.id) == []
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    members = {m.user.id for m in await bot.services.hubs.members(hub.id)}
    assert fatima.id in members and zoya.id not in members


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_last_facilitator_is_told_to_hand_over_first(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    owner, _group, (member,) = await hub_with(telegram, locale)
    await bot.services.users.set_locale(owner.id, locale)
    await owner.send("/forgetme")
    text = owner.last().text
    with use_locale(locale):
        expected = ngettext(
            "You are the only facilitator of {hubs}. Make another member a facilitator there "
            "first (/promote), then send /forgetme again. Nothing was erased.",
            "You are the only facilitator of these hubs: {hubs}. Make another member a "
            "facilitator in each first (/promote), then send /forgetme again. Nothing was erased.",
            1,
            hubs="Chisinau mentors",
        )
    assert unmarked(text) == unmarked(expected) and not owner.last().buttons
    # A forged press of the confirmation erases nothing either.
    await owner.press_data(owner.last(), "fm:y")
    assert await bot.services.users.get(owner.id) is not None
    hubs = await bot.services.hubs.memberships(owner.id)
    assert [m.hub.name for m in hubs] == ["Chisinau mentors"]

    # An ordinary member may go; then the owner is still the facilitator.
    await member.send("/forgetme")
    await member.press(member.last(), tr(locale, "🗑 Erase everything"))
    assert tr(locale, "🗑 <b>Done: I have forgotten you.</b>") in member.last().text
    assert walk(bot, member.id) == []


async def test_private_only_and_forged_buttons(bot: RunningBot, telegram: FakeTelegram) -> None:
    _owner, group, (member,) = await hub_with(telegram, "he")
    await member.send("/mydata", chat=group)
    assert tr("he", "Your data is private: ask me in our private chat.") in group.last().text
    await member.send("/forgetme", chat=group)
    assert tr("he", "Your data is private: ask me in our private chat.") in group.last().text
    await member.send("/forgetme")
    answer = await member.press_data(member.last(), "fm:zz")
    assert answer is not None and answer.show_alert
    assert await bot.services.users.get(member.id) is not None
    # The confirmation's data forged onto a group message erases nothing.
    answer = await member.press_data(group.last(), "fm:y")
    assert answer is not None and answer.text == tr("he", "This button is no longer valid.")
    assert [m.hub.name for m in await bot.services.hubs.memberships(member.id)] == [
        "Chisinau mentors"
    ]


@pytest.mark.telegram_errors(403)  # the hub's founder never opened a private chat
async def test_a_facilitator_who_is_not_the_last_one_is_erased_and_the_hub_keeps_its_work(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, group, fatima, _other, _zoya = await used_everything(start_bot, telegram, "he")
    await fatima.send("/broadcast Bring your observation notes on Thursday")
    await fatima.press(fatima.last(), "✅ Confirm")
    await telegram.settle()
    await fatima.send("/mydata")
    data = json.loads((fatima.last().file_bytes or b"").decode("utf-8"))
    assert [q["answer"] for q in data["questions_answered"]] == [ANSWER]
    assert [m["meeting"] for m in data["meetings_planned"]] == ["Peer observation"]
    assert [p["poll"] for p in data["polls_created"]] == ["Which day suits you?"]
    assert len(data["surveys_created"]) == 2 and len(data["prompts_written"]) == 1
    assert [b["status"] for b in data["announcements_sent"]] == ["done"]
    await fatima.send("/forgetme")
    confirm = fatima.last()
    await fatima.press(confirm, "🗑 Erase everything")
    assert "1 announcement you wrote deleted." in confirm.text
    assert walk(bot, fatima.id, ("Fatima",)) == []
    # What she ran stays with the hub: the answer she gave, the meeting, the poll, the prompt.
    question = await bot.services.questions._questions.get(1)
    assert question is not None and question.answer == ANSWER
    assert ANSWER in post_of(group, 1).text
    meetings = await bot.services.db.fetch_all("SELECT title, author_id FROM meetings")
    assert [tuple(m) for m in meetings] == [("Peer observation", None)]
    rows = await bot.services.db.fetch_all("SELECT author_id FROM polls")
    assert [r[0] for r in rows] == [0]
    # Her surveys close at their deadline; the notice goes to the hub's other facilitators.
    clock.set(START + timedelta(days=3, minutes=1))
    await run_due(bot, telegram)
    statuses = await bot.services.db.fetch_all("SELECT status FROM surveys")
    assert [r[0] for r in statuses] == ["closed", "closed"]
    assert walk(bot, fatima.id, ("Fatima",)) == []


async def test_a_busy_database_asks_to_press_again(bot: RunningBot, telegram: FakeTelegram) -> None:
    _owner, _group, (member,) = await hub_with(telegram, "ru")
    await member.send("/forgetme")
    confirm = member.last()
    blocker = sqlite3.connect(bot.services.db.path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # a backup or another process is writing
        answer = await member.press(confirm, tr("ru", "🗑 Erase everything"))
        blocker.execute("ROLLBACK")
    finally:
        blocker.close()
    assert answer is not None and answer.show_alert
    assert answer.text == tr("ru", "I'm busy for a moment: please press again.")
    assert await bot.services.users.get(member.id) is not None
    await member.press(confirm, tr("ru", "🗑 Erase everything"))
    assert walk(bot, member.id, ("Member0", "member_0")) == []


async def test_someone_who_only_said_hello_is_forgotten_too(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    stranger = telegram.user("Nadia", username="nadia_x", language_code="ar")
    await stranger.send("/start")
    await stranger.send("/mydata")
    data = json.loads((stranger.last().file_bytes or b"").decode("utf-8"))
    assert data["profile_and_settings"]["username"] == "nadia_x" and data["hubs"] == []
    await stranger.send("/forgetme")
    confirm = stranger.last()
    await stranger.press(confirm, tr("ar", "🗑 Erase everything"))
    assert tr("ar", "🗑 <b>Done: I have forgotten you.</b>") in confirm.text
    assert (
        tr(
            "ar",
            "Your profile and settings deleted (name, username, language, time zone, quiet hours).",
        )
        in confirm.text
    )
    assert walk(bot, stranger.id, ("Nadia", "nadia_x")) == []


@pytest.mark.telegram_errors(403, 429)
@pytest.mark.parametrize("locale", ["en", "he"])
async def test_group_edits_after_forgetme_survive_flood_control_and_a_restart(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    """The group refuses the edits for a while (429), the bot restarts: her name still goes."""
    bot, clock, group, _fatima, _other, zoya = await used_everything(start_bot, telegram, locale)

    def shared() -> str:
        return next(m for m in group.inbox() if m.text.startswith("💭")).text

    telegram.fail_next("editMessageText", *[429] * 4, retry_after=2, chat_id=group.id)
    await zoya.send("/forgetme")
    confirm = zoya.last()
    await zoya.press(confirm, tr(locale, "🗑 Erase everything"))
    assert tr(locale, "🗑 <b>Done: I have forgotten you.</b>") in confirm.text
    assert any(c.error_code == 429 for c in telegram.calls_of("editMessageText"))
    await bot.stop()

    bot = await start_bot(clock=clock)
    bot.services.delivery.wake()
    await telegram.wait_for(
        lambda: FIRST not in post_of(group, 1).text and FIRST not in shared(), timeout=30
    )
    await bot.services.delivery.drained()
    assert tr("en", "❓ Question #{id} (anonymous)", id=1) in post_of(group, 1).text
    assert ANSWER in post_of(group, 1).text
    assert tr("en", "❓ Question #{id} was withdrawn by the person who asked it.", id=2) in (
        post_of(group, 2).text
    )
    assert shared() == tr("en", "💭 A reflection shared here was removed by its author.")
    assert walk(bot, zoya.id) == []
