"""Surveys for every hub, reminders held by quiet hours, a restart between opening and the
reminder, closing early, and the deadline refusing typed answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.db.database import from_db_time
from tests.conftest import ADMIN_ID, tr
from tests.e2e.survey_helpers import (
    QUESTIONS,
    START,
    TITLE,
    closed_words,
    create,
    invitations,
    run_due,
    survey_hub,
)
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram

REMINDER = "⏰ A reminder: you haven't finished this survey yet."


async def test_a_survey_for_every_hub_invites_each_member_once_and_reminds_after_a_restart(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, fatima, (sara_ar, mike_en), _hub_id = await survey_hub(
        start_bot, telegram, ("ar", "en")
    )
    # A second hub; Mike belongs to both.
    other = telegram.user("Ion", language_code="ru")
    await other.send("/start")
    group2 = await make_hub(telegram, other, "Balti mentors")
    await other.send("/invite", chat=group2)
    code = invite_link(telegram, group2.last().text).rsplit("=", 1)[1]
    await mike_en.send(f"/start {code}")

    ada = telegram.user("Ada", user_id=ADMIN_ID, language_code="en")
    await ada.send("/start")
    view = await create(
        bot,
        telegram,
        None,
        ada,
        opens_at=START + timedelta(minutes=30),
        closes_at=START + timedelta(days=2),
        reminders=[timedelta(days=1), timedelta(hours=3)],
        anonymous=False,
    )
    assert view.hub_id is None and view.hub_name == ""
    # The bot is down when the survey opens; back, it opens it.
    await bot.stop()
    clock.set(START + timedelta(hours=2))
    bot = await start_bot(clock=clock)
    await run_due(bot, telegram)
    for user, locale in ((sara_ar, "ar"), (mike_en, "en"), (other, "ru"), (fatima, "en")):
        [invite] = invitations(user, view)
        assert tr(locale, "A survey for every hub of the network.") in invite.text
    assert len(invitations(mike_en, view)) == 1  # a member of two hubs: one invitation
    assert (await bot.services.surveys.progress(view.id)).invited == 4

    # Sara finishes (every question skipped but one); Mike sets quiet hours.
    [invite] = invitations(sara_ar, view)
    await sara_ar.press(invite, tr("ar", "📝 Start"))
    screen = sara_ar.last()
    await sara_ar.press(screen, "3. Rarely")
    for _ in QUESTIONS[1:]:
        await sara_ar.press(screen, tr("ar", "Skip ⏭"))
    await sara_ar.press(screen, tr("ar", "✅ Submit"))
    await mike_en.send("/quiet 00:00-23:59")

    # The first reminder: Ion and Fatima get it now; Mike's waits; Sara finished.
    clock.set(START + timedelta(days=1, minutes=1))
    await run_due(bot, telegram)
    assert [m for m in other.inbox() if tr("ru", REMINDER) in m.text]
    assert [m for m in fatima.inbox() if tr("en", REMINDER) in m.text]
    assert not [m for m in sara_ar.inbox() if tr("ar", REMINDER) in m.text]
    assert not [m for m in mike_en.inbox() if REMINDER in m.text]
    # Mike finishes from /surveys meanwhile; released, his held reminder goes not.
    await mike_en.send("/surveys")
    await mike_en.press(mike_en.last(), TITLE)
    screen = mike_en.last()
    await mike_en.press(screen, "1. Weekly")
    await mike_en.press(screen, tr("en", "Next ▶"))
    await mike_en.press(screen, "2")
    await mike_en.send("Nothing")
    await mike_en.press(mike_en.last(), tr("en", "✅ Submit"))
    await mike_en.send("/quiet off")
    bot.services.delivery.wake()
    await telegram.settle()
    rows = await bot.services.db.fetch_all(
        "SELECT status, reason FROM outbox WHERE kind = 'survey_reminder' AND user_id = ?",
        (mike_en.id,),
    )
    assert [(r[0], r[1]) for r in rows] == [("cancelled", "finished")]
    assert not [m for m in mike_en.inbox() if REMINDER in m.text]

    # Ada closes it early and is told the counts; Ion's press then says it is closed.
    await bot.services.surveys.close(view.id)
    bot.services.delivery.wake()
    await telegram.settle()
    notice = tr("en", "📋 The survey <b>{title}</b> ({ref}) is closed.", title=TITLE, ref=view.ref)
    assert [m for m in ada.inbox() if notice in m.text]
    [invite] = invitations(other, view)
    answer = await other.press(invite, tr("ru", "📝 Start"))
    assert answer is not None and answer.show_alert
    [closed_at] = await bot.services.db.fetch_all(
        "SELECT closed_at FROM surveys WHERE id = ?", (view.id,)
    )
    closed = from_db_time(closed_at[0])
    assert closed is not None
    closed_on = min(view.closes_at, closed)
    ion = await bot.services.users.viewer(other.id)
    assert ion is not None
    assert closed_words("ru", closed_on, ion.timezone) in (answer.text or "")
    # The second reminder (3 hours before) never comes: the survey is closed.
    clock.set(START + timedelta(days=1, hours=21, minutes=1))
    await run_due(bot, telegram)
    assert len([m for m in other.inbox() if tr("ru", REMINDER) in m.text]) == 1
    # Named responses carry the members' ids.
    responses = await bot.services.db.fetch_all(
        "SELECT user_id, complete FROM survey_responses ORDER BY user_id"
    )
    assert sorted(tuple(r) for r in responses) == sorted([(sara_ar.id, 1), (mike_en.id, 1)])


async def test_a_typed_answer_after_the_deadline_is_refused(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, fatima, (noa_he,), hub_id = await survey_hub(start_bot, telegram, ("he",))
    view = await create(
        bot,
        telegram,
        hub_id,
        fatima,
        questions=QUESTIONS[3:],
        closes_at=START + timedelta(hours=5),
    )
    [invite] = invitations(noa_he, view)
    await noa_he.press(invite, tr("he", "📝 Start"))
    # The deadline passes while she types; the close job has not even run yet.
    clock.set(START + timedelta(hours=5))
    await noa_he.send("Too late?")
    noa = await bot.services.users.viewer(noa_he.id)
    assert noa is not None
    assert closed_words("he", view.closes_at, noa.timezone) in noa_he.last().text
    assert await bot.services.db.fetch_all("SELECT * FROM survey_drafts") == []
    # Her next message is not taken as an answer any more.
    await noa_he.send("hello")
    assert (
        noa_he.last().text != ""
        and await bot.services.db.fetch_all("SELECT * FROM survey_drafts") == []
    )
