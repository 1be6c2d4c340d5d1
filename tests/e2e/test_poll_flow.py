"""/poll: a facilitator makes a quick poll by buttons and typing, or in one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram.constants import PollLimit

from bot.clock import MovableClock
from bot.handlers import poll_screens as screens
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import make_hub
from tests.e2e.test_prompt_flow import MONDAY_NOON, hub_with_members, running
from tests.fakebot import FakeTelegram, Msg, SimUser

HUB = "Chisinau mentors"
POSTING = (
    "Being posted in the hub's group: Telegram could not take it at once, so it goes out in a "
    "moment."
)
ZONE = "Europe/Chisinau"
QUESTION = "Which day suits you?"
TYPE_QUESTION = "Type the question (up to {limit} characters), e.g. Which day suits you?"
ANSWERS = (
    "Send the answers one per message (from {minimum} to {maximum}, up to {limit} characters each)."
)
ANSWER_LIMITS = {
    "minimum": screens.MIN_OPTIONS,
    "maximum": PollLimit.MAX_OPTION_NUMBER,
    "limit": PollLimit.MAX_OPTION_LENGTH,
}


def flow_of(message: Msg) -> int:
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("pw2:"):
                return int(button.callback_data.split(":")[1])
    raise AssertionError("no flow button")


async def start(start_bot, make_config, telegram: FakeTelegram, locale: str):
    bot = await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    olga, group, members = await hub_with_members(telegram, locale, ("ro", "he"))
    return bot, olga, group, members


async def to_preview(olga: SimUser, locale: str) -> Msg:
    await olga.send("/poll")
    assert tr(locale, "<b>New poll for {hub}</b>", hub=HUB) in olga.last().text
    await olga.send(QUESTION)
    assert tr(locale, ANSWERS, **ANSWER_LIMITS) in olga.last().text
    await olga.send("Mon")
    assert not any(b.text == tr(locale, "✅ Done") for row in olga.last().buttons for b in row)
    await olga.send("Wed")
    await olga.send("Thu")
    screen = olga.last()
    await olga.press(screen, tr(locale, "✅ Done"))
    preview = olga.last()
    assert tr(locale, "<b>Preview of the poll</b>") in preview.text
    return preview


async def polls_in(bot: RunningBot) -> int:
    return len(await bot.services.db.fetch_all("SELECT id FROM polls"))


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_guided_flow_shows_a_preview_with_toggles(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    _bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    assert tr(locale, "Question: {question}", question=QUESTION) in preview.text
    assert tr(locale, "Anonymous: {value}", value=tr(locale, "on")) in preview.text
    await olga.press(preview, tr(locale, "Anonymous: on"))
    await olga.press(olga.last(), tr(locale, "Multiple: off"))
    await olga.press(olga.last(), tr(locale, "To: the group"))
    await olga.press(olga.last(), tr(locale, "Close: 1 day"))
    preview = olga.last()
    assert tr(locale, "Anonymous: {value}", value=tr(locale, "off")) in preview.text
    assert tr(locale, "Multiple answers: {value}", value=tr(locale, "on")) in preview.text
    assert tr(locale, "Sent to: each member privately") in preview.text
    assert tr(locale, "Closes: {when}", when=tr(locale, "after 1 day")) in preview.text
    await olga.press(preview, tr(locale, "✖ Cancel"))
    assert tr(locale, "Cancelled. No poll was sent.") in olga.last().text


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_power_form_opens_the_preview(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    _bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    await olga.send(f"/poll {QUESTION} | Mon | Wed | Thu")
    preview = olga.last()
    assert tr(locale, "<b>Preview of the poll</b>") in preview.text
    assert tr(locale, "Question: {question}", question=QUESTION) in preview.text
    assert "Thu" in preview.text


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_bad_input_is_explained(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    _bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    await olga.send(f"/poll {QUESTION} | Mon")
    assert tr(locale, "A poll needs at least {minimum} answers, separated by |.", minimum=2) in (
        olga.last().text
    )
    await olga.send(f"/poll {QUESTION} | Mon | mon ")
    assert (
        tr(locale, "“{option}” is already an answer. Each answer must be different.", option="mon")
        in olga.last().text
    )
    many = " | ".join(f"Day {n}" for n in range(PollLimit.MAX_OPTION_NUMBER + 1))
    await olga.send(f"/poll {QUESTION} | {many}")
    assert tr(locale, "A poll has at most {limit} answers.", limit=PollLimit.MAX_OPTION_NUMBER) in (
        olga.last().text
    )
    long_question = "Q" * (PollLimit.MAX_QUESTION_LENGTH + 1)
    await olga.send("/poll")
    await olga.send(long_question)
    assert (
        tr(
            locale,
            "That question is {length} characters long; Telegram allows up to {limit}.",
            length=PollLimit.MAX_QUESTION_LENGTH + 1,
            limit=PollLimit.MAX_QUESTION_LENGTH,
        )
        in olga.last().text
    )
    await olga.send(QUESTION)
    long_option = "A" * (PollLimit.MAX_OPTION_LENGTH + 1)
    await olga.send(long_option)
    assert (
        tr(
            locale,
            "The answer “{option}” is {length} characters long; Telegram allows up to {limit}.",
            option="A" * 40 + "…",
            length=PollLimit.MAX_OPTION_LENGTH + 1,
            limit=PollLimit.MAX_OPTION_LENGTH,
        )
        in olga.last().text
    )
    await olga.send("Mon")
    await olga.send("MON")
    assert (
        tr(locale, "“{option}” is already an answer. Each answer must be different.", option="MON")
        in olga.last().text
    )
    # Done is not offered with one answer, and a forged Done does nothing.
    screen = olga.last()
    flow = flow_of(screen)
    answer = await olga.press_data(screen, f"pw2:{flow}:done")
    assert answer is not None and answer.text == tr(locale, "This button is no longer valid.")
    await olga.send("Wed")
    await olga.press(olga.last(), tr(locale, "✅ Done"))
    await olga.press(olga.last(), tr(locale, "Close: a date…"))
    await olga.send("2026-11-20 18:00")
    assert tr(locale, "That time has already passed.") in olga.last().text
    await olga.send("someday")
    assert tr(locale, "I couldn't read “{text}” as a date and time.", text="someday") in (
        olga.last().text
    )
    await olga.send("2026-11-30 18:00")
    preview = olga.last()
    assert tr(locale, "<b>Preview of the poll</b>") in preview.text


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_forged_and_stale_presses_change_nothing(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    _bot, olga, _group, _members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    flow = flow_of(preview)
    stale = tr(locale, "This button is no longer valid.")
    for data in (
        f"pw2:{flow + 1}:ok",
        f"pw2:{flow}:cl:1y",
        f"pw2:{flow}:zz",
        f"pw2:{flow}:hub:1",
        "pw2:x:ok",
        "pw2",
    ):
        answer = await olga.press_data(preview, data)
        assert answer is not None and answer.text == stale, data
    await olga.press(preview, tr(locale, "✖ Cancel"))
    answer = await olga.press_data(preview, f"pw2:{flow}:ok")
    assert answer is not None and answer.text == stale


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_non_facilitators_are_refused(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    _bot, olga, group, (mihai, _noa) = await start(start_bot, make_config, telegram, locale)
    await mihai.send(f"/poll {QUESTION} | Mon | Wed")
    assert "Preview" not in mihai.last().text
    assert not any(b.callback_data for row in mihai.last().buttons for b in row)
    # In the group, /poll points to the private chat.
    await olga.send("/poll", chat=group)
    assert tr(locale, "To make a poll for this hub, send /poll to me privately.") in (
        group.last().text
    )


async def test_several_hubs_are_offered_to_a_network_admin(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    await running(start_bot, make_config, MovableClock(MONDAY_NOON))
    admin = telegram.user("Ada", user_id=ADMIN_ID, language_code="en")
    await make_hub(telegram, admin, "North")
    await make_hub(telegram, admin, "South")
    await admin.send("/start")
    await admin.send(f"/poll {QUESTION} | Mon | Wed")
    screen = admin.last()
    assert tr("en", "Which hub is the poll for?") in screen.text
    await admin.press(screen, "South")
    assert tr("en", "Hub: {hub}", hub="South") in admin.last().text


async def deliver(bot: RunningBot, telegram: FakeTelegram) -> None:
    await telegram.settle()
    await bot.services.polls.drain()
    bot.services.delivery.wake()
    await telegram.settle()
    await bot.services.scheduler.run_due()
    bot.services.delivery.wake()
    await telegram.settle()


def polls(messages: list[Msg]) -> list[dict]:
    return [m.poll for m in messages if m.poll is not None]


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_confirm_posts_the_poll_in_the_group(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, group, _members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    flow = flow_of(preview)
    await olga.press(preview, tr(locale, "Multiple: off"))
    await olga.press(olga.last(), tr(locale, "✅ Confirm"))
    await deliver(bot, telegram)
    assert tr(locale, "Posted in the hub's group.") in olga.last().text
    (poll,) = polls(group.inbox())
    assert poll["question"] == QUESTION
    assert [option["text"] for option in poll["options"]] == ["Mon", "Wed", "Thu"]
    assert poll["is_anonymous"] and poll["allows_multiple_answers"]
    assert await polls_in(bot) == 1
    # A second Confirm (a double tap) sends nothing more.
    answer = await olga.press_data(olga.last(), f"pw2:{flow}:ok")
    assert answer is not None and answer.text == tr(locale, "This button is no longer valid.")
    await deliver(bot, telegram)
    assert len(polls(group.inbox())) == 1 and await polls_in(bot) == 1


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_confirm_sends_the_poll_to_each_member_privately(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, group, (mihai, noa) = await start(start_bot, make_config, telegram, locale)
    await olga.send(f"/poll {QUESTION} | Mon | Wed | Thu")
    await olga.press(olga.last(), tr(locale, "Anonymous: on"))
    await olga.press(olga.last(), tr(locale, "To: the group"))
    await olga.press(olga.last(), tr(locale, "Close: 1 week"))
    await olga.press(olga.last(), tr(locale, "✅ Confirm"))
    await deliver(bot, telegram)
    sent = tr(locale, "Sent to each member privately.")
    assert any(sent in m.text for m in olga.inbox())
    for member in (mihai, noa):
        (poll,) = polls(member.inbox())
        assert poll["question"] == QUESTION and not poll["is_anonymous"]
    assert polls(group.inbox()) == []


async def test_cancel_sends_nothing_and_a_lost_role_stops_confirm(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot, olga, group, _members = await start(start_bot, make_config, telegram, "en")
    await olga.send(f"/poll {QUESTION} | Mon | Wed")
    await olga.press(olga.last(), tr("en", "✖ Cancel"))
    await deliver(bot, telegram)
    assert polls(group.inbox()) == [] and await polls_in(bot) == 0
    await olga.send(f"/poll {QUESTION} | Mon | Wed")
    preview = olga.last()
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    await bot.services.db.execute(
        "UPDATE memberships SET role = 'member' WHERE hub_id = ? AND user_id = ?",
        (hub.id, olga.id),
    )
    answer = await olga.press(preview, tr("en", "✅ Confirm"))
    assert answer is not None and answer.show_alert
    await deliver(bot, telegram)
    assert polls(group.inbox()) == [] and await polls_in(bot) == 0


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_close_time_gone_by_and_a_refused_poll_keep_the_preview(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    bot, olga, group, _members = await start(start_bot, make_config, telegram, locale)
    await olga.send(f"/poll {QUESTION} | Mon | Wed")
    await olga.press(olga.last(), tr(locale, "Close: a date…"))
    await olga.send("2026-11-23 13:00")  # an hour from now in the hub's zone (UTC+2)
    preview = olga.last()
    assert tr(locale, "<b>Preview of the poll</b>") in preview.text
    bot.services.scheduler.clock.set(datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    await olga.press(preview, tr(locale, "✅ Confirm"))
    assert tr(locale, "That time has already passed.") in olga.last().text
    assert await polls_in(bot) == 0
    # The bot leaves the group: the service refuses a group poll, and the preview says why.
    await olga.press(olga.last(), tr(locale, "◀ Back"))
    await olga.press(olga.last(), tr(locale, "Close: never"))
    await group.remove_bot(by=olga)
    await olga.press(olga.last(), tr(locale, "✅ Confirm"))
    refused = tr(
        locale,
        "The hub {hub} has no group yet: send the poll to each member instead.",
        hub=HUB,
    )
    assert refused in olga.last().text
    assert tr(locale, "<b>Preview of the poll</b>") in olga.last().text
    assert await polls_in(bot) == 0


async def test_a_typed_answer_after_losing_the_role_is_refused(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot, olga, group, _members = await start(start_bot, make_config, telegram, "en")
    await olga.send("/poll")
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    await bot.services.db.execute(
        "UPDATE memberships SET role = 'member' WHERE hub_id = ? AND user_id = ?",
        (hub.id, olga.id),
    )
    await olga.send(QUESTION)
    assert tr("en", ANSWERS, **ANSWER_LIMITS) not in olga.last().text
    assert not any(b.callback_data for row in olga.last().buttons for b in row)


@pytest.mark.telegram_errors(429)
@pytest.mark.parametrize(("locale", "code"), [("en", 502), ("he", 429)])
async def test_a_group_poll_held_back_at_confirm_is_said_to_be_on_its_way(
    start_bot, make_config, telegram: FakeTelegram, locale: str, code: int
) -> None:
    """Telegram could not take the poll at once (a network error, flood control): the sender
    posts it a moment later, and Confirm does not claim it is there already."""
    bot, olga, group, _members = await start(start_bot, make_config, telegram, locale)
    preview = await to_preview(olga, locale)
    # A wait longer than a direct request waits in place (INLINE_WAIT_SECONDS).
    telegram.fail_next("sendPoll", code, retry_after=2)
    await olga.press(preview, tr(locale, "✅ Confirm"))
    said = olga.last().text
    assert tr(locale, POSTING) in said
    assert tr(locale, "Posted in the hub's group.") not in said
    await telegram.wait_for(lambda: bool(polls(group.inbox())), timeout=10)
    assert await polls_in(bot) == 1
