"""Fixes from the review of issue 11, end to end through the fake Bot API: a long summary that
still fits one message, results only in the survey's own hub group, anonymous drafts dropped at the
deadline, the -wal file cleared, and the lesser ones."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import MovableClock
from bot.db.database import from_db_time
from bot.handlers import survey_screens as screens
from bot.handlers.common import MESSAGE_LIMIT, plain_text, utf16_len
from bot.services.survey_types import MAX_QUESTIONS, QuestionDraft
from bot.services.survey_wal import WalCheckpoint
from tests.conftest import ADMIN_ID, tr
from tests.e2e import test_survey_flow as flow
from tests.e2e.survey_helpers import create, invitations, run_due, survey_hub
from tests.e2e.test_hubs import make_hub
from tests.e2e.test_survey_results import parse_csv as document_rows
from tests.e2e.test_survey_results import results_of as results_text
from tests.e2e.test_survey_results import survey_hub as results_hub
from tests.fakebot import FakeTelegram

TEXT_ONLY = (QuestionDraft("text", "What worries you?"),)


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_long_summary_of_long_multi_line_answers_fits_and_submits(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, fatima, (olga,), hub_id = await survey_hub(start_bot, telegram, (locale,))
    questions = tuple(
        QuestionDraft("text", f"Question number {i} " + "x" * 70) for i in range(MAX_QUESTIONS)
    )
    view = await create(bot, telegram, hub_id, fatima, questions=questions, title="T" * 200)
    [invite] = invitations(olga, view)
    await olga.press(invite, tr(locale, "📝 Start"))
    for i in range(MAX_QUESTIONS):
        await olga.send(f"line one {i}\n\nline two is here\n   line three\n" + "y" * 1500)
    summary = olga.last()
    assert tr(locale, "Press Submit to send your answers. After that they cannot be changed.") in (
        summary.text
    )
    assert utf16_len(summary.text) <= MESSAGE_LIMIT
    # Each answer is on one line, its line breaks folded into spaces.
    assert "line one 0 line two is here line three" in summary.text
    await olga.press(summary, tr(locale, "✅ Submit"))
    thanks = tr(locale, "✅ Thank you! Your answers to <b>{title}</b> are in.", title="T" * 200)
    assert olga.last().text.startswith(plain_text(thanks))
    assert (await bot.services.surveys.progress(view.id)).finished == 1
    # The full answers were kept, only the summary shortened them.
    stored = await bot.services.db.fetch_all("SELECT value FROM survey_answers")
    assert len(stored) == MAX_QUESTIONS
    assert all("y" * 1500 in row[0] for row in stored)


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_results_only_in_the_surveys_own_hub_group_or_privately(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, group, fatima, (olga,), hub_id = await results_hub(start_bot, telegram, ("en",))
    # Ada, a network admin, may read every survey's results, and reads in ``locale``.
    ada = telegram.user("Ada", user_id=ADMIN_ID, language_code=locale)
    await ada.send("/start")
    other = await make_hub(telegram, ada, "Other hub")
    view = await create(bot, telegram, hub_id, fatima, questions=TEXT_ONLY, anonymous=False)
    [invite] = invitations(olga, view)
    await olga.press(invite, tr("en", "📝 Start"))
    await olga.send("My mentor never shows up SECRET")
    await olga.press(olga.last(), tr("en", "✅ Submit"))

    # Another hub's group: not there, ask privately.
    before = len(other.inbox())
    await ada.send(f"/results s{view.id}", chat=other)
    said = [m.text for m in other.inbox()[before:] if m.from_bot]
    assert said == [
        tr(
            locale,
            "This survey's results are shown only in its own hub's group. "
            "Send /results {ref} to me privately.",
            ref=f"s{view.id}",
        )
    ]
    assert not any("SECRET" in m.text for m in other.inbox())
    # The survey's own hub group and a private chat still show them.
    await fatima.send(f"/results s{view.id}", chat=group)
    assert "SECRET" in group.last().text
    await ada.send(f"/results s{view.id}")
    assert "SECRET" in ada.last().text

    # A survey of every hub: in no group at all.
    network = await create(bot, telegram, None, ada, questions=TEXT_ONLY, anonymous=False)
    [invite] = invitations(olga, network)
    await olga.press(invite, tr("en", "📝 Start"))
    await olga.send("NETWORK SECRET")
    await olga.press(olga.last(), tr("en", "✅ Submit"))
    before = len(other.inbox())
    await ada.send(f"/results s{network.id}", chat=other)
    said = [m.text for m in other.inbox()[before:] if m.from_bot]
    assert said == [
        tr(
            locale,
            "The results of a survey sent to every hub are shown only in private. "
            "Send /results {ref} to me privately.",
            ref=f"s{network.id}",
        )
    ]
    await ada.send(f"/results s{network.id}")
    assert "NETWORK SECRET" in ada.last().text


ANON_KEPT = (
    "🔒 Anonymous: your answers are stored without your name, and nobody, not even the "
    "facilitators, can tell which answers are yours. Only whether you have finished is kept, to "
    "remind you before the deadline. Your answers count only when you press Submit. Until then "
    "they are kept with your name only so that you can finish later; answers not sent by the "
    "deadline are deleted."
)


@pytest.mark.parametrize("languages", [("en", "he"), ("ar", "en")])
async def test_an_anonymous_survey_drops_unsent_answers_at_the_deadline(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, str]
) -> None:
    bot, clock, _group, fatima, (mike, olga), hub_id = await results_hub(
        start_bot, telegram, languages
    )
    view = await create(bot, telegram, hub_id, fatima, questions=TEXT_ONLY + TEXT_ONLY)
    # The invitation says that answers count only once sent.
    for user, locale in ((mike, languages[0]), (olga, languages[1])):
        [invite] = invitations(user, view)
        assert tr(locale, ANON_KEPT) in invite.text
    [invite] = invitations(mike, view)
    await mike.press(invite, tr(languages[0], "📝 Start"))
    await mike.send("Sent and counted")
    await mike.send("Also sent")
    await mike.press(mike.last(), tr(languages[0], "✅ Submit"))
    [invite] = invitations(olga, view)
    await olga.press(invite, tr(languages[1], "📝 Start"))
    await olga.send("Never sent PARTIAL")
    # The reminder says it too.
    clock.set(view.closes_at - timedelta(hours=1))
    await bot.services.surveys.close(view.id)
    await run_due(bot, telegram)

    db = bot.services.db
    assert await db.fetch_all("SELECT * FROM survey_drafts") == []
    responses = await db.fetch_all("SELECT complete, user_id FROM survey_responses")
    assert [tuple(r) for r in responses] == [(1, None)]  # only Mike's, sent
    stored = [r[0] for r in await db.fetch_all("SELECT value FROM survey_answers")]
    assert not [value for value in stored if "PARTIAL" in value]
    notice = fatima.last().text
    assert (
        plain_text(
            tr(
                "en",
                "{count} started but did not send their answers; as the survey is anonymous, "
                "those answers were deleted.",
                count=1,
            )
        )
        in notice
    )
    assert "incomplete" not in notice

    shown = await results_text(fatima, f"/results s{view.id}")
    assert "PARTIAL" not in shown and "Sent and counted" in shown
    await fatima.send(f"/results s{view.id} csv")
    document = fatima.last()
    header = document_rows(document)[0]
    assert header == [tr("en", "Respondent"), "1. What worries you?", "2. What worries you?"]


async def test_reminders_of_an_anonymous_survey_say_answers_count_once_sent(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa,), hub_id = await results_hub(start_bot, telegram, ("he",))
    view = await create(
        bot, telegram, hub_id, fatima, questions=TEXT_ONLY, reminders=[timedelta(days=1)]
    )
    clock.set(view.closes_at - timedelta(days=1) + timedelta(minutes=1))
    await run_due(bot, telegram)
    reminder = noa.last()
    assert tr("he", "⏰ A reminder: you haven't finished this survey yet.") in reminder.text
    assert tr("he", ANON_KEPT) in reminder.text


async def wal_bytes(bot: Any) -> bytes:
    wal = Path(str(bot.services.db.path) + "-wal")

    def read() -> bytes:
        return wal.read_bytes() if wal.exists() else b""

    return await asyncio.to_thread(read)


async def test_no_overwritten_draft_stays_in_the_wal_file_after_an_anonymous_submit(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, fatima, (noa,), hub_id = await survey_hub(start_bot, telegram, ("he",))
    checkpoint = bot.services.surveys.wal
    view = await create(bot, telegram, hub_id, fatima, questions=TEXT_ONLY)
    [invite] = invitations(noa, view)
    await noa.press(invite, tr("he", "📝 Start"))
    await noa.send("first thought zebra-quokka")
    await noa.press(noa.last(), tr("he", "◀ Back"))
    await noa.send("second thought zebra-quokka")
    assert b"first thought zebra-quokka" in await wal_bytes(bot)  # an overwritten draft's copy
    assert not checkpoint.pending
    await noa.press(noa.last(), tr("he", "✅ Submit"))
    # The submit asked for a checkpoint and returned at once; the debounce runs it later.
    assert checkpoint.pending
    assert await checkpoint.run_pending()
    assert not checkpoint.pending and not await checkpoint.run_pending()  # once per request
    assert b"zebra-quokka" not in await wal_bytes(bot)
    raw = await asyncio.to_thread(Path(bot.services.db.path).read_bytes)
    assert raw.count(b"first thought zebra-quokka") == 0
    assert raw.count(b"second thought zebra-quokka") == 1


async def test_the_wal_file_is_cleared_after_an_anonymous_survey_closes(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, fatima, (noa,), hub_id = await survey_hub(start_bot, telegram, ("en",))
    checkpoint = bot.services.surveys.wal
    view = await create(bot, telegram, hub_id, fatima, questions=TEXT_ONLY)
    [invite] = invitations(noa, view)
    await noa.press(invite, tr("en", "📝 Start"))
    await noa.send("unsent thought zebra-quokka")
    clock.set(view.closes_at + timedelta(minutes=1))
    await run_due(bot, telegram)
    assert checkpoint.pending
    await checkpoint.run_pending()
    assert b"zebra-quokka" not in await wal_bytes(bot)
    raw = await asyncio.to_thread(Path(bot.services.db.path).read_bytes)
    assert b"zebra-quokka" not in raw


async def test_the_checkpoint_runs_at_most_once_per_interval(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, _fatima, _members, _hub_id = await survey_hub(start_bot, telegram, ("en",))
    now = [100.0]
    checkpoint = WalCheckpoint(bot.services.db, delay=2.0, interval=10.0, clock=lambda: now[0])
    assert checkpoint.wait() is None  # nothing asked
    checkpoint.request()
    checkpoint.request()  # a burst: one checkpoint
    assert checkpoint.wait() == 2.0  # a short wait gathers the burst
    assert await checkpoint.run_pending()
    now[0] = 103.0
    checkpoint.request()
    assert checkpoint.wait() == 7.0  # not before 10 s after the last one
    now[0] = 111.0
    assert checkpoint.wait() == 0.0
    await checkpoint.stop()


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_member_who_left_the_hub_can_no_longer_answer(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, fatima, (noa,), hub_id = await survey_hub(start_bot, telegram, (locale,))
    view = await create(bot, telegram, hub_id, fatima)
    [invite] = invitations(noa, view)
    await noa.press(invite, tr(locale, "📝 Start"))
    screen = noa.last()
    await noa.send("/leave")
    await noa.press(noa.last(), noa.last().buttons[0][0].text)  # "Leave"
    assert await bot.services.hubs.role(hub_id, noa.id) is None
    answer = await noa.press(screen, "1. Weekly")
    assert answer is not None and answer.show_alert
    assert answer.text == tr(
        locale, "You are no longer a member of this survey's hub, so you cannot answer it."
    )
    assert await bot.services.db.fetch_all("SELECT * FROM survey_drafts") == []
    await noa.send("/surveys")
    assert noa.last().text == tr(locale, "You have no open surveys to answer.")


async def build_until_opening(user: Any, locale: str) -> None:
    await user.send("/survey")
    await user.send(flow.TITLE)
    await flow.four_questions(user, locale)
    await user.press(user.last(), tr(locale, "✅ That's all"))
    await user.press(user.last(), tr(locale, "🙈 Anonymous"))
    assert tr(locale, "<b>When does the survey open?</b>") in user.last().text


async def finish_to_preview(user: Any, locale: str) -> Any:
    await user.press(user.last(), tr(locale, "In 1 week"))
    await user.press(user.last(), tr(locale, "No reminders"))
    preview = user.last()
    assert tr(locale, "<b>Preview of the survey</b>") in preview.text
    return preview


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_tomorrow_0900_is_the_day_after_it_was_chosen_even_past_midnight(
    start_bot: Callable[..., Any], make_config: Any, telegram: FakeTelegram, locale: str
) -> None:
    # 23:50 in Chisinau (UTC+2) on 23 November.
    clock = MovableClock(datetime(2026, 11, 23, 21, 50, tzinfo=UTC))
    bot = await flow.running(start_bot, make_config, clock)
    olga, _group, _members = await flow.hub_with_members(telegram, locale, ("en",))
    await build_until_opening(olga, locale)
    await olga.press(olga.last(), tr(locale, "Tomorrow 09:00"))
    preview = await finish_to_preview(olga, locale)
    chosen = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo(flow.ZONE))
    assert flow.said(locale, screens.moment_words, chosen, flow.ZONE) in preview.text
    clock.set(datetime(2026, 11, 23, 22, 10, tzinfo=UTC))  # past midnight there
    await olga.press(preview, tr(locale, "✅ Confirm"))
    (row,) = await flow.surveys(bot)
    assert from_db_time(row["opens_at"]) == chosen  # what the preview showed, not a day later


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_opening_now_is_left_to_the_scheduler_not_the_confirm_handler(
    start_bot: Callable[..., Any], make_config: Any, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, _group, members = await flow.start(start_bot, make_config, telegram, locale)
    await build_until_opening(olga, locale)
    await olga.press(olga.last(), tr(locale, "Now"))
    preview = await finish_to_preview(olga, locale)
    opened = []
    fanout = bot.services.surveys.fanout
    open_in = fanout.open_in

    async def watched(conn: Any, row: Any) -> bool:
        opened.append(row.id)
        return await open_in(conn, row)

    fanout.open_in = watched  # type: ignore[method-assign]
    await olga.press(preview, tr(locale, "✅ Confirm"))
    assert flow.got(
        olga, tr(locale, "The survey {ref} is open: it is on its way to the members.", ref="s1")
    )
    # The opening's schedule is due at once and fires from the scheduler (its job, or the sweep
    # here), never inside the handler: it is recorded as a fired occurrence.
    await run_due(bot, telegram)
    assert opened == [1]
    runs = await bot.services.db.fetch_all(
        """SELECT r.outcome FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id
           WHERE s.kind = 'survey_open'"""
    )
    assert [r[0] for r in runs] == ["fired"]
    for member in members:
        assert any(flow.TITLE in message.text for message in member.inbox())


async def send_answer(user: Any, locale: str, view: Any, text: str) -> None:
    [invite] = invitations(user, view)
    await user.press(invite, tr(locale, "📝 Start"))
    await user.send(text)
    await user.press(user.last(), tr(locale, "✅ Submit"))


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_an_open_anonymous_survey_shows_results_from_three_responses(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, _group, fatima, members, hub_id = await results_hub(
        start_bot, telegram, ("en", "he", "ar")
    )
    await bot.services.users.set_locale(fatima.id, locale)
    view = await create(bot, telegram, hub_id, fatima, questions=TEXT_ONLY)
    hidden = tr(
        locale,
        "The results of an anonymous survey are shown once {minimum} members have sent their "
        "answers, so that nobody's answers can be read off the results. So far: {sent}.",
        minimum=3,
        sent=1,
    )
    await send_answer(members[0], "en", view, "FIRST ANSWER")
    shown = await results_text(fatima, f"/results s{view.id}")
    assert shown == hidden
    before = len(fatima.inbox())
    await fatima.send(f"/results s{view.id} csv")
    assert [m.text for m in fatima.inbox()[before:]] == [hidden]  # no CSV either
    assert not [m for m in fatima.inbox() if m.document]
    await send_answer(members[1], "he", view, "SECOND ANSWER")
    await send_answer(members[2], "ar", view, "THIRD ANSWER")
    shown = await results_text(fatima, f"/results s{view.id}")
    assert "FIRST ANSWER" in shown and "THIRD ANSWER" in shown
    # A named survey shows its results from the first response.
    named = await create(bot, telegram, hub_id, fatima, questions=TEXT_ONLY, anonymous=False)
    await send_answer(members[0], "en", named, "NAMED ANSWER")
    assert "NAMED ANSWER" in await results_text(fatima, f"/results s{named.id}")


async def test_no_reminder_to_a_member_who_left_the_hub(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, sara), hub_id = await results_hub(
        start_bot, telegram, ("he", "en")
    )
    view = await create(
        bot, telegram, hub_id, fatima, questions=TEXT_ONLY, reminders=[timedelta(days=1)]
    )
    await noa.send("/leave")
    await noa.press(noa.last(), noa.last().buttons[0][0].text)  # "Leave"
    clock.set(view.closes_at - timedelta(days=1) + timedelta(minutes=1))
    await run_due(bot, telegram)
    reminder = "⏰ A reminder: you haven't finished this survey yet."
    assert [m for m in sara.inbox() if tr("en", reminder) in m.text]
    assert not [m for m in noa.inbox() if tr("he", reminder) in m.text]
