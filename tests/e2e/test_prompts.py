"""Reflection prompts: typed /prompt, /prompts, delivery, nudges, holidays, restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock import MovableClock
from bot.handlers.common import refusal_text
from bot.services.prompt_library import english
from bot.services.prompt_rules import Recurrence
from tests.conftest import RunningBot, tr
from tests.e2e.prompt_helpers import PROMPT, hub_with_members, nudges_received, prompts_received
from tests.fakebot import FakeTelegram

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 12:00 in Chisinau


async def test_typed_prompt_goes_out_at_hub_time_in_each_members_language(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot: RunningBot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    mihai, noa = hub.members
    await hub.facilitator.send(f"/prompt weekdays 18:00 {PROMPT}")
    assert "Prompt saved for" in hub.facilitator.last().text
    assert "every weekday at 6:00" in hub.facilitator.last().text

    clock.set(datetime(2026, 12, 7, 15, 59, tzinfo=UTC))  # 17:59 in Chisinau
    assert await bot.services.scheduler.run_due() == 0
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 1
    await telegram.settle()
    for member, locale in ((mihai, "ro"), (noa, "he")):
        [message] = prompts_received(member)
        assert tr(locale, "<i>Reply to this message, or press Answer.</i>") in message.text
        assert [b.text for b in message.buttons[0]] == [
            tr(locale, "✍️ Answer"),
            tr(locale, "Skip"),
        ]
        assert message.buttons[0][0].callback_data.startswith("rf:a:")
    # The same occurrence again (a racing sweep) writes nothing.
    assert await bot.services.scheduler.run_due() == 0
    await telegram.settle()
    assert len(prompts_received(mihai)) == 1


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_typed_prompt_bad_input_gets_a_clear_answer(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",), facilitator_language=locale)
    olga = hub.facilitator

    await olga.send("/prompt sometimes 18:00 Hello")
    assert (
        tr(
            locale,
            "I don't know the day “{day}”. Use mon, tue, wed, thu, fri, sat, sun, “weekdays” or "
            "“daily”, or a date like 2026-12-01.",
            day="sometimes",
        )
        in olga.last().text
    )
    await olga.send("/prompt daily 25:00 Hello")
    assert (
        tr(
            locale,
            "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
            time="25:00",
        )
        in olga.last().text
    )
    await olga.send("/prompt 2026-12-01 18:00 Hello")
    assert olga.last().text == tr(
        locale, "That date and time have already passed. Pick a time ahead."
    )
    await olga.send("/prompt daily 18:00")
    assert olga.last().text == tr(
        locale, "The prompt needs some text: what should members reflect on?"
    )
    await olga.send("/prompt daily 18:00 " + "x" * 1001)
    assert olga.last().text == tr(
        locale,
        "That prompt is {length} characters long; the limit is {limit}. Please shorten it.",
        length=1001,
        limit=1000,
    )
    assert await bot.services.prompts.for_hubs([hub.hub_id]) == []
    member = hub.members[0]
    await member.send("/prompt daily 18:00 Hello")
    assert member.last().text == tr("ro", refusal_text(None))


async def test_a_facilitator_of_two_hubs_picks_the_hub(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await start_bot(make_config(), MovableClock(MONDAY))
    first = await hub_with_members(bot, telegram, ("ro",))
    olga = first.facilitator
    from tests.e2e.test_hubs import make_hub

    await make_hub(telegram, olga, "Balti mentors")
    await olga.send(f"/prompt mon,thu 18:00 {PROMPT}")
    assert olga.last().text == "Which hub is this prompt for?"
    await olga.press(olga.last(), "Balti mentors")
    assert "Prompt saved for Balti mentors" in olga.last().text
    assert "Mon, Thu at 6:00" in olga.last().text
    [prompt] = await bot.services.prompts.for_hubs([first.hub_id + 1])
    assert prompt.text == PROMPT


async def test_prompts_lists_counts_and_pause_resume_delete_refuse_forged_presses(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he", "en"))
    olga = hub.facilitator
    mihai, noa, sam = hub.members
    await olga.send(f"/prompt daily 18:00 {PROMPT}")
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    sends = {}
    for member in (mihai, noa):
        data = prompts_received(member)[0].buttons[0][0].callback_data
        sends[member.first_name] = int(data.rsplit(":", 1)[1])
    await bot.services.prompts.mark_answered(sends["Member0"])
    await bot.services.prompts.mark_skipped(sends["Member1"])

    await olga.send("/prompts")
    card = next(m for m in olga.inbox() if "prompt #" in m.text and PROMPT in m.text)
    # Olga is a member too: four sends, counts only.
    assert "4 sent · 1 answered · 1 skipped · 0 nudged" in card.text
    assert "Next: Dec 8, 2026" in card.text
    assert "Member0" not in card.text

    # A member's forged press changes nothing.
    answer = await sam.press_data(prompts_received(sam)[0], f"pl:pause:{prompt.id}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("en", refusal_text(prompt.hub_id))
    assert (await bot.services.prompts.get(prompt.id)).status == "active"
    answer = await sam.press_data(prompts_received(sam)[0], f"pl:delok:{prompt.id}")
    assert (await bot.services.prompts.get(prompt.id)).status == "active"
    answer = await sam.press_data(prompts_received(sam)[0], "pl:delok:abc")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")

    await olga.press(card, "⏸ Pause")
    assert "⏸ Paused" in card.text
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 0
    await olga.press(card, "⏯ Resume")
    assert "Next: Dec 9, 2026" in card.text  # the paused day is not sent late
    await olga.press(card, "🗑 Delete")
    await olga.press(card, "🗑 Delete")
    assert card.text == "🗑 Prompt deleted."
    assert await bot.services.prompts.for_hubs([hub.hub_id]) == []
    clock.set(datetime(2026, 12, 9, 16, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 0


async def test_members_turn_prompts_off_and_on(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("he", "ro"))
    noa, mihai = hub.members
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    await noa.send("/prompts off")
    assert noa.last().text == tr(
        "he",
        "🔕 Prompts are off for {hubs}. Turn them back on with /prompts on.",
        hubs="Chisinau mentors",
    )
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    assert prompts_received(noa) == []
    assert len(prompts_received(mihai)) == 1

    await noa.send("/prompts")
    screen = noa.last()
    await noa.press_data(screen, screen.buttons[0][0].callback_data)
    assert tr("he", "{hub}: on", hub="Chisinau mentors") in screen.text
    # A forged press for a hub Noa is not in changes nothing.
    answer = await noa.press_data(screen, f"po:off:{hub.hub_id + 50}")
    assert answer is not None and answer.show_alert
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    assert len(prompts_received(noa)) == 1


async def test_one_nudge_never_after_the_next_occurrence(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    mihai, noa = hub.members
    prompts = bot.services.prompts
    await prompts.set_nudge_hours(hub.hub_id, 12)
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    noa_send = int(prompts_received(noa)[0].buttons[0][0].callback_data.rsplit(":", 1)[1])
    await prompts.mark_answered(noa_send)

    clock.set(datetime(2026, 12, 8, 3, 59, tzinfo=UTC))  # 11 h 59 min after delivery
    assert await prompts.run_nudges() == 0
    clock.set(datetime(2026, 12, 8, 4, 0, tzinfo=UTC))
    assert await prompts.run_nudges() == 2  # Mihai and Olga; Noa answered
    await telegram.settle()
    [nudge] = nudges_received(mihai)
    assert (
        nudge.buttons[0][0].callback_data == prompts_received(mihai)[0].buttons[0][0].callback_data
    )
    assert nudges_received(noa) == []
    held = await bot.services.db.fetch_all("SELECT DISTINCT kind, holdable FROM outbox")
    assert {("prompt", 1), ("nudge", 1)} <= {tuple(row) for row in held}  # quiet hours may hold
    clock.set(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    assert await prompts.run_nudges() == 0  # never more than one
    await telegram.settle()
    assert len(nudges_received(mihai)) == 1

    # With 24 h, the next day's prompt goes out first: no nudge for yesterday's after it.
    await prompts.set_nudge_hours(hub.hub_id, 24)
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    clock.set(datetime(2026, 12, 9, 15, 59, tzinfo=UTC))
    assert await prompts.run_nudges() == 0
    clock.set(datetime(2026, 12, 9, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()  # the 9th's prompt goes out ...
    await telegram.settle()
    assert await prompts.run_nudges() == 0  # ... so the 8th's is never nudged
    assert len(nudges_received(mihai)) == 1


async def test_a_hub_holiday_skips_the_prompt_and_says_so(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",))
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    await bot.services.prompts.add_holiday(hub.hub_id, date(2026, 12, 7), date(2026, 12, 7))
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 0
    await telegram.settle()
    assert prompts_received(hub.members[0]) == []
    clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 1
    await telegram.settle()
    assert len(prompts_received(hub.members[0])) == 1
    await hub.facilitator.send("/prompts")
    card = next(m for m in hub.facilitator.inbox() if "prompt #" in m.text)
    assert "Dec 7, 2026: skipped (hub holiday)" in card.text
    assert "Dec 8, 2026: 2 sent" in card.text


async def test_restart_while_due_sends_once_within_grace_and_skips_beyond(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    await bot.stop()

    clock.set(datetime(2026, 12, 7, 18, 30, tzinfo=UTC))  # 2 h 30 min late: within 3 h
    bot = await start_bot(make_config(), clock)
    await telegram.settle()
    for member in hub.members:
        assert len(prompts_received(member)) == 1
    await bot.stop()
    bot = await start_bot(make_config(), clock)  # and once more: nothing twice
    await telegram.settle()
    for member in hub.members:
        assert len(prompts_received(member)) == 1
    await bot.stop()

    clock.set(datetime(2026, 12, 8, 19, 1, tzinfo=UTC))  # 3 h 1 min late: skipped
    bot = await start_bot(make_config(), clock)
    await telegram.settle()
    for member in hub.members:
        assert len(prompts_received(member)) == 1
    await hub.facilitator.send("/prompts")
    card = next(m for m in hub.facilitator.inbox() if "prompt #" in m.text)
    assert "Dec 8, 2026: skipped (the bot was offline)" in card.text
    assert "Next: Dec 9, 2026" in card.text


@pytest.mark.telegram_errors(403)
async def test_library_prompt_and_a_member_who_blocked_the_bot(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("he", "ro"))
    noa, blocker = hub.members
    await blocker.block()
    view = await bot.services.prompts.create(
        hub_id=hub.hub_id,
        author_id=None,
        recurrence=Recurrence("daily", "18:00"),
        library_key="lib3",
    )
    assert view.library_key == "lib3" and view.text_in("he") == tr("he", english("lib3"))
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    assert await bot.services.scheduler.run_due() == 1
    await telegram.settle()
    assert len(prompts_received(noa, tr("he", english("lib3")))) == 1
    assert prompts_received(blocker, english("lib3")) == []
    statuses = await bot.services.db.fetch_all(
        "SELECT user_id, status FROM outbox WHERE kind = 'prompt' ORDER BY user_id"
    )
    assert {row[1] for row in statuses} <= {"sent", "blocked"}
    assert dict(statuses)[blocker.id] == "blocked"


async def test_a_delivery_whose_acceptance_was_lost_is_still_nudged_once(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ar",))
    [member] = hub.members
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    # As if the process stopped before the delivery worker told the prompts service.
    await bot.services.db.execute("UPDATE prompt_sends SET delivered_at = NULL")
    prompts = bot.services.prompts
    await prompts.set_nudge_hours(hub.hub_id, 12)
    clock.set(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    assert await prompts.run_nudges() == 0  # counted from now on
    clock.set(datetime(2026, 12, 8, 4, 59, tzinfo=UTC))
    assert await prompts.run_nudges() == 0
    clock.set(datetime(2026, 12, 8, 5, 0, tzinfo=UTC))
    assert await prompts.run_nudges() == 2  # the member and the facilitator
    await telegram.settle()
    assert len(nudges_received(member)) == 1
    assert await prompts.run_nudges() == 0


async def test_no_nudge_while_the_next_occurrence_is_due(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",))
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    clock.set(datetime(2026, 12, 8, 16, 0, 30, tzinfo=UTC))  # 24 h on, and the 8th is due
    assert await bot.services.prompts.run_nudges() == 0
    await bot.services.scheduler.run_due()
    assert await bot.services.prompts.run_nudges() == 0


async def test_prompt_typed_in_the_hubs_group_is_for_that_hub(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    bot = await start_bot(make_config(), MovableClock(MONDAY))
    hub = await hub_with_members(bot, telegram, ("ro",))
    [mihai] = hub.members
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}", chat=hub.group)
    assert "Prompt saved for Chisinau mentors" in hub.group.last().text
    hub.group.add_member(mihai)
    await mihai.send("/prompt daily 18:00 Mine", chat=hub.group)
    assert hub.group.last().text == tr("ro", refusal_text(hub.hub_id))  # the sender's language
    assert len(await bot.services.prompts.for_hubs([hub.hub_id])) == 1


async def test_hub_prompt_settings_refuse_what_makes_no_sense(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from bot.services.prompts import PromptError

    bot = await start_bot(make_config(), MovableClock(MONDAY))
    hub = await hub_with_members(bot, telegram, ("ro",))
    prompts = bot.services.prompts
    assert (await prompts.settings(hub.hub_id)).nudge_hours == 24
    with pytest.raises(PromptError):
        await prompts.add_holiday(hub.hub_id, date(2026, 12, 31), date(2026, 12, 24))
    with pytest.raises(PromptError):
        await prompts.add_holiday(hub.hub_id, date(2026, 12, 24), date(2027, 12, 24))
    with pytest.raises(PromptError):
        await prompts.set_nudge_hours(hub.hub_id, 169)
    holiday = await prompts.add_holiday(hub.hub_id, date(2026, 12, 24), date(2027, 1, 6))
    assert await prompts.holidays(hub.hub_id) == [holiday]
    assert not await prompts.remove_holiday(hub.hub_id + 1, holiday.id)  # another hub's id
    assert await prompts.remove_holiday(hub.hub_id, holiday.id)
    await prompts.set_timing(hub.hub_id, "member")
    assert (await prompts.settings(hub.hub_id)).timing == "member"


async def test_weekdays_are_the_hubs_working_week(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    """In a Holon hub "weekdays" are Sunday to Thursday: a prompt on Sunday, none on Friday."""
    clock = MovableClock(MONDAY)
    bot: RunningBot = await start_bot(make_config(), clock)
    hub = await hub_with_members(
        bot, telegram, ("he", "ar"), name="Holon kindergartens", timezone="Asia/Jerusalem"
    )
    noa, amal = hub.members
    await hub.facilitator.send(f"/prompt weekdays 18:00 {PROMPT}")
    assert "every weekday at 6:00" in hub.facilitator.last().text

    clock.set(datetime(2026, 12, 11, 16, 0, tzinfo=UTC))  # Friday 18:00 in Jerusalem
    await bot.services.scheduler.run_due()
    clock.set(datetime(2026, 12, 12, 16, 0, tzinfo=UTC))  # Saturday
    await bot.services.scheduler.run_due()
    await telegram.settle()
    assert prompts_received(noa) == [] and prompts_received(amal) == []
    clock.set(datetime(2026, 12, 13, 16, 0, tzinfo=UTC))  # Sunday
    assert await bot.services.scheduler.run_due() == 1
    await telegram.settle()
    assert len(prompts_received(noa)) == 1 and len(prompts_received(amal)) == 1
