"""Reflections at the edges: what a shared post reveals, answering after Skip, alert texts."""

from __future__ import annotations

from bot.services.prompt_library import library_text
from bot.services.prompt_rules import Recurrence
from tests.conftest import tr
from tests.e2e.prompt_helpers import hub_with_members, prompts_received
from tests.e2e.reflection_helpers import FIRST_PROMPT, MONDAY, prompted, send_status
from tests.fakebot import FakeTelegram


def lib(key: str, locale: str) -> str:
    return library_text(key, locale).strip("\u200e\u200f")


async def test_an_anonymous_share_shows_the_prompt_in_the_hubs_language(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from bot.clock import MovableClock

    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("he",))
    (noa,) = hub.members
    await bot.services.hubs.set_locale(hub.hub_id, "ro")
    await bot.services.prompts.create(
        hub_id=hub.hub_id,
        author_id=None,
        recurrence=Recurrence("daily", "18:00"),
        library_key="lib1",
    )
    clock.set(FIRST_PROMPT)
    await bot.services.scheduler.run_due()
    await telegram.settle()
    [prompt] = prompts_received(noa, lib("lib1", "he"))

    await noa.send("הקשבתי יותר.", reply_to=prompt)
    saved = noa.last()
    await noa.press(saved, tr("he", "Share with the hub"))
    await noa.press(saved, tr("he", "🕶 Anonymously"))
    post = hub.group.last()
    assert "הקשבתי יותר." in post.text
    assert lib("lib1", "ro") in post.text
    assert lib("lib1", "he") not in post.text  # nothing says the author reads Hebrew


async def test_answering_after_skip_counts_as_answered(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    _mihai, noa = world.hub.members
    prompt = world.prompt(noa)
    send_id = world.send_id(noa)
    await noa.press(prompt, tr("he", "Skip"))
    assert await send_status(world, send_id) == "skipped"
    await noa.send("בכל זאת, מחשבה קצרה.", reply_to=prompt)
    assert tr("he", "📓 Saved to your journal.") in noa.last().text
    assert await send_status(world, send_id) == "answered"
    [stats] = await world.bot.services.prompts.occurrences(
        (await world.bot.services.prompts.for_hubs([world.hub.hub_id]))[0].id
    )
    assert stats.skipped == 0 and stats.answered == 1


async def test_alerts_about_a_hub_read_as_plain_text(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from bot.clock import MovableClock
    from tests.e2e.prompt_helpers import PROMPT

    clock = MovableClock(MONDAY)
    bot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, ("he", "ro"), name="Mentors & Co")
    noa, mihai = hub.members
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(FIRST_PROMPT)
    await bot.services.scheduler.run_due()
    await telegram.settle()
    for member, text in ((noa, "הקשבתי."), (mihai, "Am ascultat.")):
        await member.send(text, reply_to=prompts_received(member)[0])
    saved = noa.last()
    await noa.send("/leave")
    await noa.press(noa.last(), tr("he", "Leave"))
    answer = await noa.press(saved, tr("he", "Share with the hub"))
    left = "You are no longer in {hub}, so this reflection stays in your private journal."
    assert answer is not None and answer.show_alert
    assert answer.text == tr("he", left, hub="Mentors & Co")
    assert "&amp;" not in answer.text

    # The share itself refused after the confirmation was shown (an old button).
    saved = mihai.last()
    await mihai.press(saved, tr("ro", "Share with the hub"))
    await mihai.send("/leave")
    await mihai.press(mihai.last(), tr("ro", "Leave"))
    rid = await bot.services.db.fetch_value(
        "SELECT id FROM reflections WHERE user_id = ?", (mihai.id,)
    )
    answer = await mihai.press_data(saved, f"rf:an:{rid}")
    assert answer is not None and answer.text == tr("ro", left, hub="Mentors & Co")
