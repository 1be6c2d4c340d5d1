"""/survey: a facilitator builds a survey by buttons and typing (hub, title, questions of four
kinds, anonymity, opening, deadline, reminders, preview), or the "after" of an earlier one."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot import i18n
from bot.clock import MovableClock
from bot.db.database import from_db_time
from bot.handlers import survey_preview as later
from bot.handlers import survey_screens as screens
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import make_hub
from tests.e2e.test_prompt_flow import MONDAY_NOON, hub_with_members, running
from tests.fakebot import FakeTelegram, Msg, SimUser

HUB = "Chisinau mentors"
ZONE = "Europe/Chisinau"
TITLE = "Mentoring in our school: autumn"
STALE = "This button is no longer valid."
QUESTIONS = (
    ("Single choice", "How useful were the sessions?", ("Very", "Somewhat", "Not much")),
    ("Multiple choice", "What helped you most?", ("Lesson study", "Peer observation")),
    ("Scale 1–5", "How confident do you feel as a mentor?", ()),
    ("Free text", "What would you change?", ()),
)
KINDS = {"Single choice": "single", "Multiple choice": "multiple", "Scale 1–5": "scale"}


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", html.unescape(text))


def said(locale: str, function, *args, **kwargs) -> str:
    """What a screen helper writes in ``locale``, as plain text."""
    with i18n.use_locale(locale):
        return plain(function(*args, **kwargs))


def trn(locale: str, singular: str, plural_: str, n: int, **params: object) -> str:
    with i18n.use_locale(locale):
        return plain(i18n.ngettext(singular, plural_, n, **params))


def flow_of(message: Msg) -> int:
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("sw:"):
                return int(button.callback_data.split(":")[1])
    raise AssertionError("no flow button")


def got(user: SimUser, text: str) -> bool:
    """Whether any of the bot's messages to ``user`` says ``text`` (the facilitator's own
    invitation to a survey may arrive after the confirmation)."""
    return any(text in message.text for message in user.inbox())


def labels(message: Msg) -> list[str]:
    return [button.text for row in message.buttons for button in row]


async def start(start_bot, make_config, telegram: FakeTelegram, locale: str):
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, group, members = await hub_with_members(telegram, locale, ("ro", "he"))
    return bot, olga, group, members


async def add_question(
    user: SimUser, locale: str, kind: str, text: str, options=(), number: int = 1
) -> None:
    await user.press(user.last(), tr(locale, kind))
    asked = tr(
        locale,
        "<b>Question {number}</b> ({kind}): type the question, up to {limit} characters.",
        number=number,
        kind=said(locale, screens.kind_words, KINDS.get(kind, "text")),
        limit=screens.MAX_QUESTION_LENGTH,
    )
    assert asked in user.last().text
    await user.send(text)
    for option in options:
        await user.send(option)
    if options:
        await user.press(user.last(), tr(locale, "✅ Done"))
    assert text in user.last().text  # the list of questions so far


async def four_questions(user: SimUser, locale: str) -> None:
    for index, (kind, text, options) in enumerate(QUESTIONS):
        if index:
            await user.press(user.last(), tr(locale, "➕ Another question"))
        await add_question(user, locale, kind, text, options, number=index + 1)
    assert trn(
        locale, "<b>{count} question so far:</b>", "<b>{count} questions so far:</b>", 4
    ) in (user.last().text)


async def to_preview(user: SimUser, locale: str, title: str = TITLE) -> Msg:
    """A whole survey with one question of each kind, opening now, closing in a week."""
    await user.send("/survey")
    assert tr(locale, "<b>New survey for {hub}</b>", hub=HUB) in user.last().text
    await user.send(title)
    assert tr(locale, "<b>Question {number}</b>: what kind of answer?", number=1) in (
        user.last().text
    )
    await four_questions(user, locale)
    await user.press(user.last(), tr(locale, "✅ That's all"))
    assert tr(locale, "<b>Anonymous or with names?</b>") in user.last().text
    await user.press(user.last(), tr(locale, "◀ Back"))  # the questions can still change
    assert QUESTIONS[-1][1] in user.last().text
    await user.press(user.last(), tr(locale, "✅ That's all"))
    await user.press(user.last(), tr(locale, "🙈 Anonymous"))
    assert tr(locale, "<b>When does the survey open?</b>") in user.last().text
    await user.press(user.last(), tr(locale, "Now"))
    assert tr(locale, "<b>What is the deadline?</b>") in user.last().text
    await user.press(user.last(), tr(locale, "In 1 week"))
    screen = user.last()
    assert tr(locale, "No reminders") in labels(screen)
    await user.press(screen, tr(locale, "3 days before"))
    await user.press(user.last(), tr(locale, "1 day before"))
    assert f"✓ {tr(locale, '1 day before')}" in labels(user.last())
    await user.press(user.last(), tr(locale, "Next ▶"))
    preview = user.last()
    assert tr(locale, "<b>Preview of the survey</b>") in preview.text
    return preview


async def surveys(bot: RunningBot) -> list:
    return await bot.services.db.fetch_all("SELECT * FROM surveys ORDER BY id")


async def questions_of(bot: RunningBot, survey_id: int) -> list[tuple]:
    rows = await bot.services.db.fetch_all(
        "SELECT kind, text, options FROM survey_questions WHERE survey_id = ? ORDER BY position",
        (survey_id,),
    )
    return [(r["kind"], r["text"], tuple(json.loads(r["options"]))) for r in rows]


EXPECTED = [(KINDS.get(kind, "text"), text, options) for kind, text, options in QUESTIONS]


@pytest.mark.parametrize("locale", ["en", "ru", "he"])
async def test_a_whole_survey_with_the_four_kinds(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, _group, members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    text = preview.text
    assert tr(locale, "Title: {title}", title=TITLE) in text
    assert (
        trn(locale, "Sent to: {hub}, {count} member", "Sent to: {hub}, {count} members", 3, hub=HUB)
        in text
    )
    for _kind, question, options in QUESTIONS:
        assert question in text and all(option in text for option in options)
    assert said(locale, screens.kind_words, "scale") in text
    assert said(locale, later.anonymity_words, True) in text
    assert tr(locale, "Opens: now") in text
    deadline = MONDAY_NOON + timedelta(weeks=1)
    assert tr(locale, "Deadline: {when}", when="") in text
    assert said(locale, screens.moment_words, deadline, ZONE) in text
    reminders = said(locale, screens.offsets_words, {"3d", "1d"})
    assert tr(locale, "Reminders: {reminders} before the deadline", reminders=reminders) in text
    # Toggle to named answers and back, then confirm.
    await olga.press(preview, tr(locale, "Anonymous: on"))
    assert said(locale, later.anonymity_words, False) in olga.last().text
    await olga.press(olga.last(), tr(locale, "Anonymous: off"))
    await olga.press(olga.last(), tr(locale, "✅ Confirm"))
    (row,) = await surveys(bot)
    opened = tr(locale, "The survey {ref} is open: it is on its way to the members.", ref="s1")
    assert got(olga, opened) and row["id"] == 1
    assert row["title"] == TITLE and row["anonymous"] == 1 and row["before_id"] is None
    assert row["author_id"] == olga.id and row["hub_id"] is not None
    assert sorted(json.loads(row["reminders"])) == [24 * 60, 3 * 24 * 60]
    assert from_db_time(row["closes_at"]) == deadline
    assert await questions_of(bot, row["id"]) == EXPECTED
    # Opening now: every member gets the invitation (svcore's), in their own language, once
    # the scheduler fired the opening (its job does at once; here, as its sweep does).
    await bot.services.scheduler.run_due()
    bot.services.delivery.wake()
    await telegram.settle()
    for member in members:
        assert any(TITLE in message.text for message in member.inbox())


async def a_survey(bot: RunningBot, author: SimUser, hub_id: int | None, title: str):
    """A survey made through the service (the 'before' a later survey is the 'after' of)."""
    from bot.services.survey_types import QuestionDraft

    now = bot.services.scheduler.clock.now()
    return await bot.services.surveys.create(
        author_id=author.id,
        hub_id=hub_id,
        title=title,
        questions=[QuestionDraft(KINDS.get(k, "text"), t, o) for k, t, o in QUESTIONS],
        anonymous=True,
        opens_at=now,
        closes_at=now + timedelta(days=3),
    )


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_after_of_an_earlier_survey_copies_its_questions(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, group, _members = await start(start_bot, make_config, telegram, locale)
    hub = await bot.services.hubs.for_chat(group.id)
    before = await a_survey(bot, olga, hub.id, "Before the project")
    # Another hub's survey is not offered.
    other = telegram.user("Ivan", language_code="en")
    await make_hub(telegram, other, "Balti mentors")
    other_hub = (await bot.services.access.facilitated_hubs(other.id))[0]
    elsewhere = await a_survey(bot, other, other_hub.id, "Elsewhere")
    await olga.send("/survey")
    screen = olga.last()
    await olga.press(screen, tr(locale, "📋 After an earlier"))
    screen = olga.last()
    assert tr(locale, "<b>Which survey is this the “after” of?</b>") in screen.text
    assert not any("Elsewhere" in label for label in labels(screen))
    assert "Elsewhere" not in screen.text
    dated = tr(
        locale,
        "{ref} “{title}”: {start} – {end}",
        ref="s1",
        title="Before the project",
        start=said(locale, i18n.format_date, before.opens_at, ZONE),
        end=said(locale, i18n.format_date, before.closes_at, ZONE),
    )
    assert dated in screen.text
    # A forged choice of another hub's survey changes nothing.
    flow = flow_of(screen)
    answer = await olga.press_data(screen, f"sw:{flow}:bf:{elsewhere.id}")
    assert answer is not None and answer.text == tr(locale, STALE)
    await olga.press(screen, f"s{before.id} · Before the project")
    copied = trn(
        locale,
        "The {count} question of {ref} “{title}” is copied: this survey is its “after”.",
        "The {count} questions of {ref} “{title}” are copied: this survey is its “after”.",
        4,
        ref=before.ref,
        title="Before the project",
    )
    assert copied in olga.last().text
    await olga.send("After the project")
    # The questions are the earlier survey's: no question steps.
    assert tr(locale, "<b>Anonymous or with names?</b>") in olga.last().text
    await olga.press(olga.last(), tr(locale, "👤 With names"))
    await olga.press(olga.last(), tr(locale, "Tomorrow 09:00"))
    await olga.press(olga.last(), tr(locale, "In 2 weeks"))
    await olga.press(olga.last(), tr(locale, "No reminders"))
    preview = olga.last()
    after_of = tr(locale, "The “after” of: {ref} “{title}”", ref="s1", title="Before the project")
    assert after_of in preview.text
    assert tr(locale, "Reminders: none") in preview.text
    opens = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 09:00 in Chisinau
    assert said(locale, screens.moment_words, opens, ZONE) in preview.text
    await olga.press(preview, tr(locale, "✅ Confirm"))
    ready = tr(
        locale,
        "The survey {ref} is ready: it opens {when}.",
        ref="s3",
        when=said(locale, screens.moment_words, opens, ZONE),
    )
    assert ready in olga.last().text
    row = (await surveys(bot))[-1]
    assert row["before_id"] == before.id and row["anonymous"] == 0
    assert row["title"] == "After the project" and row["hub_id"] == hub.id
    assert from_db_time(row["opens_at"]) == opens
    assert from_db_time(row["closes_at"]) == opens + timedelta(weeks=2)
    assert await questions_of(bot, row["id"]) == EXPECTED


async def admin_with_hubs(telegram: FakeTelegram, locale: str) -> SimUser:
    admin = telegram.user("Ada", user_id=ADMIN_ID, language_code=locale)
    await make_hub(telegram, admin, "North")
    await make_hub(telegram, admin, "South")
    await admin.send("/start")
    return admin


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_network_admin_sends_a_survey_to_all_hubs(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    admin = await admin_with_hubs(telegram, locale)
    await admin.send("/survey")
    screen = admin.last()
    assert tr(locale, "Which hub is the survey for?") in screen.text
    assert {"North", "South"} <= set(labels(screen))
    await admin.press(screen, tr(locale, "🌐 All hubs"))
    assert tr(locale, "<b>New survey for {hub}</b>", hub=tr(locale, "All hubs")) in (
        admin.last().text
    )
    await admin.send("Network check-in")
    await add_question(admin, locale, "Scale 1–5", "How is the network doing?")
    await admin.press(admin.last(), tr(locale, "✅ That's all"))
    await admin.press(admin.last(), tr(locale, "🙈 Anonymous"))
    screen = admin.last()
    zone = tr(locale, "All hubs: times are in your time zone ({timezone}).", timezone=ZONE)
    assert zone in screen.text
    await admin.press(screen, tr(locale, "Now"))
    await admin.press(admin.last(), tr(locale, "In 3 days"))
    await admin.press(admin.last(), tr(locale, "1 day before"))
    await admin.press(admin.last(), tr(locale, "Next ▶"))
    preview = admin.last()
    sent_to = trn(
        locale,
        "Sent to: {hub}, {count} member",
        "Sent to: {hub}, {count} members",
        1,
        hub=tr(locale, "All hubs"),
    )
    assert sent_to in preview.text
    await admin.press(preview, tr(locale, "✅ Confirm"))
    (row,) = await surveys(bot)
    assert row["hub_id"] is None and row["title"] == "Network check-in"
    assert json.loads(row["reminders"]) == [24 * 60]


async def test_all_hubs_is_for_network_admins_only(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga = telegram.user("Olga", language_code="en")
    await make_hub(telegram, olga, "North")
    await make_hub(telegram, olga, "South")
    await olga.send("/start")
    await olga.send("/survey")
    screen = olga.last()
    assert {"North", "South"} == {label for label in labels(screen) if "N" in label or "S" in label}
    assert tr("en", "🌐 All hubs") not in labels(screen)
    answer = await olga.press_data(screen, f"sw:{flow_of(screen)}:hub:all")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("en", "Only facilitators can do that.")
    # The flow is over: its buttons are stale now.
    answer = await olga.press(screen, "North")
    assert answer is not None and answer.text == tr("en", STALE)
    # Another facilitator's hub, forged, is refused the same way.
    ivan = telegram.user("Ivan", language_code="en")
    await make_hub(telegram, ivan, "East")
    east = (await bot.services.access.facilitated_hubs(ivan.id))[0]
    await olga.send("/survey")
    screen = olga.last()
    answer = await olga.press_data(screen, f"sw:{flow_of(screen)}:hub:{east.id}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("en", "Only this hub's facilitators can do that.")
    answer = await olga.press(screen, "North")
    assert answer is not None and answer.text == tr("en", STALE)
    assert await surveys(bot) == []


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_preview_shows_times_in_the_readers_zone_and_the_hubs(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    await olga.send("/timezone Europe/London")
    await olga.send("/survey")
    title = "Q&A <b>autumn</b>"
    await olga.send(title)
    await add_question(olga, locale, "Scale 1–5", "Is <i>this</i> & that clear?")
    await olga.press(olga.last(), tr(locale, "✅ That's all"))
    await olga.press(olga.last(), tr(locale, "🙈 Anonymous"))
    assert tr(locale, "Times are in the hub's time zone ({timezone}).", timezone=ZONE) in (
        olga.last().text
    )
    await olga.press(olga.last(), tr(locale, "A date…"))
    await olga.send("2026-12-01 10:30")  # in the hub's zone: 08:30 UTC
    await olga.press(olga.last(), tr(locale, "In 3 days"))
    await olga.press(olga.last(), tr(locale, "No reminders"))
    preview = olga.last()
    opens = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    both = tr(
        locale,
        "{mine}; in the hub's time {theirs}",
        mine=said(locale, screens.moment_words, opens, "Europe/London"),
        theirs=said(locale, screens.moment_words, opens, ZONE),
    )
    assert tr(locale, "Opens: {when}", when=both) in preview.text
    # What was typed is shown as typed, never as markup.
    assert title in preview.text
    assert "Is <i>this</i> & that clear?" in preview.text
    # Each setting can be changed from the preview, which comes back after.
    await olga.press(preview, tr(locale, "⏳ Deadline"))
    await olga.press(olga.last(), tr(locale, "In 1 week"))
    await olga.press(olga.last(), tr(locale, "🔔 Reminders"))
    await olga.press(olga.last(), tr(locale, "3 hours before"))
    await olga.press(olga.last(), tr(locale, "Next ▶"))
    reminders = said(locale, screens.offsets_words, {"3h"})
    assert tr(locale, "Reminders: {reminders} before the deadline", reminders=reminders) in (
        olga.last().text
    )
    await olga.press(olga.last(), tr(locale, "🕘 Opening"))
    await olga.press(olga.last(), tr(locale, "Tomorrow 09:00"))
    preview = olga.last()
    assert tr(locale, "<b>Preview of the survey</b>") in preview.text
    opens = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 09:00 tomorrow in the hub's zone
    await olga.press(preview, tr(locale, "✅ Confirm"))
    (row,) = await surveys(bot)
    assert row["title"] == title and from_db_time(row["opens_at"]) == opens
    assert from_db_time(row["closes_at"]) == opens + timedelta(weeks=1)
    assert json.loads(row["reminders"]) == [180]
