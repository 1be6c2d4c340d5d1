"""Hostile input: ids out of range, forged buttons, people who leave mid-answer, racing presses."""

import asyncio
import logging

import pytest
from telegram.error import BadRequest

from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_questions import ask, hub_with, post_of
from tests.fakebot import FakeTelegram
from tests.fakebot.server import ApiCall

STALE = "This button is no longer valid."
APPROVE_USAGE = "Type the question number, e.g. /approve 12"
CLOSE_USAGE = "Type the question number and, if you like, a reason: /close 12 Already answered"
ANSWER_USAGE = (
    "Give the question's number and your answer: /answer 12 your answer. "
    "In the group you can also reply to the question's post."
)


def errors_in(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("language", ["ru", "ar", "en"])
async def test_ids_out_of_range_get_the_usual_answer_in_the_readers_language(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture, language: str
) -> None:
    caplog.set_level(logging.INFO)
    owner, _group, (member,) = await hub_with(telegram, language)
    await owner.send("/language")
    await owner.press_data(owner.last(), f"lang:{language}")

    await owner.send("/approve 10000001091000000063")
    assert owner.last().text == tr(language, APPROVE_USAGE)
    await owner.send("/close 99999999999999999999")
    assert owner.last().text == tr(language, CLOSE_USAGE)
    await owner.send("/answer ² 1000000107")
    assert owner.last().text == tr(language, ANSWER_USAGE)
    await owner.send("/answer ٣ Arabic-Indic digits are not ids")
    assert owner.last().text == tr(language, ANSWER_USAGE)
    await owner.send("/promote 99999999999999999999")
    assert "/promote 123456789" in owner.last().text

    await member.send("/start")
    message = member.last()
    for data in ("lv:9223372036854775808", "mem:-9223372036854775809", "qv:99999999999999999999"):
        answer = await member.press_data(message, data)
        assert answer is not None and answer.show_alert, data
        assert answer.text == tr(language, STALE), data
    assert errors_in(caplog) == []
    assert "Traceback" not in caplog.text


@pytest.mark.telegram_errors(403)
async def test_someone_who_blocks_the_bot_mid_conversation_is_one_info_line(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/start")
    caplog.set_level(logging.INFO)
    alice.post("/help")
    await alice.block()  # before the bot answers: its reply meets a 403
    assert any(c.error_code == 403 for c in telegram.calls_of("sendMessage"))
    assert errors_in(caplog) == []
    told = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert len(told) == 1
    assert told[0].levelno == logging.INFO
    assert told[0].exc_info is None and "Forbidden" in told[0].getMessage()


@pytest.mark.telegram_errors(403)
async def test_a_group_that_removed_the_bot_mid_answer_is_one_info_line(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    owner, group, _members = await hub_with(telegram)
    caplog.set_level(logging.INFO)
    owner.post("/help", chat=group)
    await group.remove_bot(by=owner)
    assert any(c.error_code == 403 for c in telegram.calls_of("sendMessage"))
    assert errors_in(caplog) == []
    assert "Traceback" not in caplog.text


async def test_message_text_in_an_exception_never_reaches_the_log(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    _owner, _group, (alice,) = await hub_with(telegram, "en")
    secret = ("sk_live_" + "QwErTy0123456789" * 256)[:4096]

    async def draft(hub_id: int, asker_id: int, text: str) -> None:
        try:
            raise BadRequest(f"Can't parse entities: {text}")
        except BadRequest as exc:
            raise ValueError(f"could not use {text!r}", text) from exc

    bot.services.questions.draft = draft
    # As `python -m bot run --verbose` logs: the bot's own debug lines, libraries from INFO.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    await alice.send("/ask")
    await alice.send(secret)  # the question, typed when the bot asks for it
    sorry = tr(
        "en",
        "Sorry, something went wrong. Please try again; "
        "if it happens again, tell your facilitator.",
    )
    assert sorry in [m.text for m in alice.inbox()]
    assert errors_in(caplog), "the error is still logged"
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "ValueError" in logged and "BadRequest" in logged
    leaks = {r.name for r in caplog.records if secret[:24] in r.getMessage() + (r.exc_text or "")}
    assert leaks == set()
    assert all(secret[i : i + 24] not in logged for i in range(0, len(secret) - 24, 8))


async def test_the_same_language_twice_and_a_time_zone_change_cost_no_requests(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    ion = telegram.user("Ion", language_code="ro")
    await ion.send("/language")
    picker = ion.last()
    await ion.press(picker, "Română")
    menus, edits = (
        len(telegram.calls_of("setMyCommands")),
        len(telegram.calls_of("editMessageText")),
    )
    assert menus > 0  # choosing a language gives Ion a menu in it
    await ion.press(picker, "Română")
    await ion.press(picker, "Română")
    assert len(telegram.calls_of("editMessageText")) == edits  # nothing to change
    await ion.send("/timezone Europe/Bucharest")
    await ion.send("/timezone Europe/Chisinau")
    assert len(telegram.calls_of("setMyCommands")) == menus
    await ion.press(picker, "English")
    assert len(telegram.calls_of("setMyCommands")) == menus + 1
    assert len(telegram.calls_of("editMessageText")) == edits + 1


def chat_menus(telegram: FakeTelegram) -> list[ApiCall]:
    return [
        c
        for c in telegram.calls_of("setMyCommands")
        if c.params.get("scope", {}).get("type") == "chat"
    ]


async def test_restarts_set_each_menu_once(start_bot, telegram: FakeTelegram, make_config) -> None:
    config = make_config()
    running = await start_bot(config)
    admin = telegram.user("Ada", user_id=ADMIN_ID)
    await admin.send("/start")
    ion = telegram.user("Ion", language_code="ro")
    await ion.send("/language")
    await ion.press_data(ion.last(), "lang:nl")
    assert [c.params["scope"]["chat_id"] for c in chat_menus(telegram)] == [ion.id]
    await running.stop()
    running = await start_bot(config)  # the admin is known now: their menu is set, once
    assert [c.params["scope"]["chat_id"] for c in chat_menus(telegram)] == [ion.id, ADMIN_ID]
    await running.stop()
    await start_bot(config)
    await ion.send("/help")
    assert len(chat_menus(telegram)) == 2


async def test_forty_members_pressing_me_too_at_once(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _owner, group, members = await hub_with(telegram, *(["en", "ru", "ro", "nl"] * 11))
    asker, voters = members[0], members[1:41]
    await ask(asker, "How do you keep a mentoring conversation on track?")
    post = post_of(group, 1)
    data = post.buttons[0][0].callback_data
    edits_before = len(telegram.calls_of("editMessageText"))

    answers = await asyncio.gather(*(voter.press_data(post, data) for voter in voters))

    assert all(a is not None and not a.show_alert for a in answers)
    edits = telegram.calls_of("editMessageText")[edits_before:]
    assert [e for e in edits if not e.ok] == []
    assert len(edits) <= len(voters)
    assert post.buttons[0][0].text == "🙋 Me too (40)"
