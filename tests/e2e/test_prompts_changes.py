"""Prompts when things change: answers, leaving, zones, groups, pauses and broken schedules."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import MovableClock
from tests.conftest import tr
from tests.e2e.prompt_helpers import PROMPT, hub_with_members, nudges_received, prompts_received
from tests.e2e.test_hubs import invite_link
from tests.fakebot import FakeTelegram

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 12:00 in Chisinau


async def test_a_nudge_held_by_quiet_hours_is_dropped_once_the_member_answers(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    mihai, noa = hub.members
    for member in (mihai, noa):
        await member.send("/quiet 21:00-08:00")
    prompts = bot.services.prompts
    await prompts.set_nudge_hours(hub.hub_id, 12)
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    prompt = prompts_received(mihai)[0]
    noa_prompt = prompts_received(noa)[0]
    clock.set(datetime(2026, 12, 8, 4, 0, tzinfo=UTC))  # 06:00 in Chisinau: quiet
    assert await prompts.run_nudges() >= 2
    bot.services.delivery.wake()
    await telegram.settle()
    assert nudges_received(mihai) == [] and nudges_received(noa) == []  # held

    clock.set(datetime(2026, 12, 8, 5, 0, tzinfo=UTC))  # 07:00, still quiet: they answer
    await mihai.send("My reflection, written at 07:00.", reply_to=prompt)
    assert tr("ro", "📓 Saved to your journal.") in mihai.last().text
    await noa.press(noa_prompt, tr("he", "Skip"))

    clock.set(datetime(2026, 12, 8, 6, 1, tzinfo=UTC))  # 08:01: quiet hours are over
    await bot.services.quiet.release_due()
    await telegram.settle()
    assert nudges_received(mihai) == []
    assert nudges_received(noa) == []


async def test_a_held_prompt_is_dropped_when_the_member_leaves_or_turns_prompts_off(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he", "en"))
    mihai, noa, sam = hub.members
    for member in hub.members:
        await member.send("/quiet 21:00-08:00")
    await hub.facilitator.send(f"/prompt daily 22:00 {PROMPT}")
    clock.set(datetime(2026, 12, 7, 20, 0, tzinfo=UTC))  # 22:00 in Chisinau: quiet
    await bot.services.scheduler.run_due()
    await telegram.settle()
    assert all(prompts_received(m) == [] for m in hub.members)  # held till 08:00

    await mihai.send("/leave")
    await mihai.press(mihai.last(), tr("ro", "Leave"))
    assert await bot.services.hubs.role(hub.hub_id, mihai.id) is None
    assert await bot.services.prompts.set_member_prompts(hub.hub_id, noa.id, False)

    clock.set(datetime(2026, 12, 8, 6, 1, tzinfo=UTC))  # 08:01
    await bot.services.quiet.release_due()
    await telegram.settle()
    assert prompts_received(mihai) == []
    assert prompts_received(noa) == []
    assert len(prompts_received(sam)) == 1


async def test_a_newcomer_from_an_earlier_zone_gets_the_next_prompt(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",))
    await bot.services.prompts.set_timing(hub.hub_id, "member")
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    ivan = telegram.user("Ivan", language_code="ru")
    await ivan.send("/start")
    await ivan.send("/timezone Europe/Moscow")
    await hub.facilitator.send("/invite", chat=hub.group)
    code = invite_link(telegram, hub.group.last().text).rsplit("=", 1)[1]
    await ivan.send(f"/start {code}")
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    assert prompt.next_run == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 18:00 in Moscow
    for moment in (
        datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 16, 0, tzinfo=UTC),
    ):
        clock.set(moment)
        await bot.services.scheduler.run_due()
        await telegram.settle()
    assert len(prompts_received(ivan)) == 1
    assert len(prompts_received(hub.members[0])) == 1


def _when(moment: datetime, zone: str, locale: str = "en") -> str:
    from bot import i18n

    with i18n.use_locale(locale):
        return f"{i18n.format_date(moment, zone)} {i18n.format_time(moment, zone)}"


async def test_next_shows_the_readers_own_time_when_members_clocks_set_it(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",))
    olga = hub.facilitator
    await olga.send("/timezone Europe/Chisinau")
    await bot.services.prompts.set_timing(hub.hub_id, "member")
    ivan = telegram.user("Ivan", language_code="ru")
    await ivan.send("/start")
    await ivan.send("/timezone Europe/Moscow")
    await olga.send("/invite", chat=hub.group)
    code = invite_link(telegram, hub.group.last().text).rsplit("=", 1)[1]
    await ivan.send(f"/start {code}")

    # The schedule fires first at 18:00 in Moscow (15:00 UTC); Olga's is 18:00 in Chisinau.
    olgas = _when(datetime(2026, 12, 7, 16, 0, tzinfo=UTC), "Europe/Chisinau")
    await olga.send(f"/prompt daily 18:00 {PROMPT}")
    assert f": {olgas}." in olga.last().text
    await olga.send("/prompts")
    card = next(m for m in olga.inbox() if "Next:" in m.text)
    assert tr("en", "Next: {next}", next=olgas) in card.text


async def test_keep_it_on_the_delete_question_leaves_a_paused_prompt_paused(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",), facilitator_language="he")
    olga = hub.facilitator
    await olga.send(f"/prompt daily 18:00 {PROMPT}")
    await olga.send("/prompts")
    card = next(m for m in olga.inbox() if m.buttons and PROMPT in m.text)
    await olga.press(card, tr("he", "⏸ Pause"))
    assert tr("he", "⏸ Paused") in card.text
    await olga.press(card, tr("he", "🗑 Delete"))
    await olga.press(card, tr("he", "Keep it"))
    assert tr("he", "⏸ Paused") in card.text
    assert [b.text for b in card.buttons[0]] == [tr("he", "⏯ Resume"), tr("he", "🗑 Delete")]
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    assert prompt.status == "paused"
    # An active prompt stays active.
    await olga.press(card, tr("he", "⏯ Resume"))
    await olga.press(card, tr("he", "🗑 Delete"))
    await olga.press(card, tr("he", "Keep it"))
    assert tr("he", "⏸ Paused") not in card.text
    [prompt] = await bot.services.prompts.for_hubs([hub.hub_id])
    assert prompt.status == "active"


async def test_prompts_in_a_group_shows_only_that_hubs_prompts_and_no_ones_hubs(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from bot.handlers.common import refusal_text
    from tests.e2e.test_hubs import make_hub

    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    olga = hub.facilitator
    mihai, noa = hub.members
    other = await make_hub(telegram, olga, "Secret circle")
    await olga.send(f"/prompt daily 18:00 {PROMPT}", chat=hub.group)
    await olga.send("/prompt daily 19:00 Only for the other hub.", chat=other)
    await olga.send("/invite", chat=other)
    code = invite_link(telegram, other.last().text).rsplit("=", 1)[1]
    await noa.send(f"/start {code}")

    before = len(hub.group.inbox())
    await olga.send("/prompts", chat=hub.group)
    posted = hub.group.inbox()[before:]
    assert len(posted) == 1 and PROMPT in posted[0].text
    assert all("Secret circle" not in m.text and "other hub" not in m.text for m in posted)

    # A member: no list (the facilitators' refusal), and on/off only for this group's hub.
    hub.group.add_member(mihai)
    hub.group.add_member(noa)
    before = len(hub.group.inbox())
    await mihai.send("/prompts", chat=hub.group)
    [answer] = hub.group.inbox()[before:]
    assert answer.text == tr("ro", refusal_text(hub.hub_id))
    await noa.send("/prompts off", chat=hub.group)
    [answer] = hub.group.inbox()[before + 1 :]
    assert answer.text == tr(
        "he",
        "🔕 Prompts are off for {hubs}. Turn them back on with /prompts on.",
        hubs="Chisinau mentors",
    )
    assert "Secret circle" not in answer.text
    assert dict(
        (h.name, on) for h, on in await bot.services.prompts.member_prompt_settings(noa.id)
    ) == {"Chisinau mentors": False, "Secret circle": True}


async def test_a_broken_schedule_or_zone_does_not_stop_the_others(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from tests.e2e.test_hubs import make_hub

    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    db = bot.services.db
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    mihai, noa = hub.members
    await bot.services.prompts.set_timing(hub.hub_id, "member")
    # A zone this system no longer knows, kept from an older tz database.
    await db.execute("UPDATE users SET timezone = 'Europe/Atlantis' WHERE id = ?", (noa.id,))
    olga = hub.facilitator
    broken = await make_hub(telegram, olga, "Broken hub")
    await olga.send("/prompt daily 18:00 A prompt whose schedule is broken.", chat=broken)
    await db.execute(
        "UPDATE schedules SET timezone = 'Mars/Olympus' WHERE hub_id IN "
        "(SELECT id FROM hubs WHERE name = 'Broken hub')"
    )
    await olga.send(f"/prompt daily 18:00 {PROMPT}", chat=hub.group)

    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))  # 18:00 in Chisinau
    assert await bot.services.scheduler.run_due() >= 1
    await telegram.settle()
    assert len(prompts_received(mihai)) == 1
    assert len(prompts_received(noa)) == 1  # at the hub's time


async def test_a_nudge_held_by_a_long_pause_is_dropped_when_the_next_prompt_comes(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro", "he"))
    mihai, noa = hub.members
    prompts = bot.services.prompts
    await prompts.set_nudge_hours(hub.hub_id, 12)
    await hub.facilitator.send(f"/prompt mon 18:00 {PROMPT}")
    clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
    await bot.services.scheduler.run_due()
    await telegram.settle()
    for member in (mihai, noa):
        assert len(prompts_received(member)) == 1
        await member.send("/pause 2w")
    clock.set(datetime(2026, 12, 8, 4, 0, tzinfo=UTC))
    assert await prompts.run_nudges() >= 2
    bot.services.delivery.wake()
    await telegram.settle()
    clock.set(datetime(2026, 12, 14, 16, 0, tzinfo=UTC))  # the next Monday's prompt
    await bot.services.scheduler.run_due()
    await telegram.settle()
    assert len(prompts_received(mihai)) == 1  # held by the pause

    clock.set(datetime(2026, 12, 21, 17, 30, tzinfo=UTC))  # the pause is over
    await bot.services.quiet.release_due()
    await telegram.settle()
    for member in (mihai, noa):
        assert len(prompts_received(member)) == 2
        assert nudges_received(member) == []  # not the first week's reminder


async def test_the_guided_flow_says_when_the_reader_gets_it_first(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from bot import i18n

    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("ro",))
    olga = hub.facilitator
    await olga.send("/timezone Europe/Chisinau")
    await bot.services.prompts.set_timing(hub.hub_id, "member")
    ivan = telegram.user("Ivan", language_code="ru")
    await ivan.send("/start")
    await ivan.send("/timezone Europe/Moscow")
    await olga.send("/invite", chat=hub.group)
    code = invite_link(telegram, hub.group.last().text).rsplit("=", 1)[1]
    await ivan.send(f"/start {code}")

    await olga.send("/prompt")
    screen = olga.last()
    await olga.press(screen, "📚 Library")
    await olga.press(screen, "3")
    await olga.press(screen, "Mon")
    await olga.press(screen, "Next ▶")
    await olga.send("18:00")
    preview = olga.last()
    with i18n.use_locale("en"):
        first = tr(
            "en",
            "First time: {when} ({timezone})",
            when=i18n.format_datetime(
                datetime(2026, 12, 7, 16, 0, tzinfo=UTC), "Europe/Chisinau", "short"
            ),
            timezone="Europe/Chisinau",
        )
    assert first in preview.text
    await olga.press(preview, "✅ Confirm")
    assert "Saved. The prompt goes out" in preview.text
    assert first in preview.text
