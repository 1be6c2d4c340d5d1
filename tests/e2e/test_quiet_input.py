"""/quiet and /pause input: an open screen never swallows later messages; examples from today."""

from __future__ import annotations

from tests.conftest import tr
from tests.e2e.reflection_helpers import prompted
from tests.fakebot import FakeTelegram

STRAY = "I only understand commands and buttons. Send /help to see what you can do."


async def _parts(world, member) -> list[str]:
    rows = await world.bot.services.db.fetch_all(
        """SELECT p.text FROM reflection_parts p JOIN reflections r ON r.id = p.reflection_id
           WHERE r.user_id = ? ORDER BY p.id""",
        (member.id,),
    )
    return [row[0] for row in rows]


async def test_an_open_quiet_screen_does_not_swallow_a_reflection(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("en", "he"))
    sam, noa = world.hub.members
    settings = world.bot.services.quiet

    # /quiet looked at, then a reply to the prompt and a follow-up: both are the reflection.
    await sam.send("/quiet")
    await sam.send("First part.", reply_to=world.prompt(sam))
    assert tr("en", "📓 Saved to your journal.") in sam.last().text
    await sam.send("Second part, a minute later.")
    assert tr("en", "📓 Added to your reflection.") in sam.last().text
    assert await _parts(world, sam) == ["First part.", "Second part, a minute later."]

    # /pause opened in the middle of a reflection: the next message still joins it.
    await noa.send("חלק ראשון.", reply_to=world.prompt(noa))
    await noa.send("/pause")
    await noa.send("חלק שני.")
    assert tr("he", "📓 Added to your reflection.") in noa.last().text
    assert await _parts(world, noa) == ["חלק ראשון.", "חלק שני."]
    assert settings.paused_until(await settings.settings(noa.id)) is None

    # Other text after /quiet is not read as quiet hours, and the screen stops waiting.
    world.later(60)
    await sam.send("/quiet")
    await sam.send("Is the meeting on Thursday?")
    assert sam.last().text == tr("en", STRAY)
    await sam.send("21:00-08:00")
    assert sam.last().text == tr("en", STRAY)
    quiet = await settings.settings(sam.id)
    assert quiet is None or quiet.quiet_start is None


async def test_the_pause_example_is_three_weeks_from_the_members_today(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    from datetime import UTC, datetime

    from bot.clock import MovableClock

    clock = MovableClock(datetime(2027, 3, 9, 22, 30, tzinfo=UTC))  # 10 March in Jerusalem
    await start_bot(make_config(), clock)
    noa = telegram.user("Noa", language_code="he")
    ivan = telegram.user("Ivan", language_code="ru")
    for member, zone in ((noa, "Asia/Jerusalem"), (ivan, "America/New_York")):
        await member.send("/start")
        await member.send(f"/timezone {zone}")
    await noa.send("/pause")
    choose = "Choose below, or send 7d, 2w or until {example}."
    assert tr("he", choose, example="2027-03-31") in noa.last().text
    await noa.send("/pause whenever")
    assert noa.last().text == tr(
        "he",
        "I couldn't read {text} as a pause. Send /pause 7d (days), /pause 2w (weeks), "
        "/pause until {example} or /pause off. Nothing was changed.",
        text="whenever",
        example="2027-03-31",
    )
    await ivan.send("/pause")  # still 9 March in New York
    assert tr("ru", choose, example="2027-03-30") in ivan.last().text
    await ivan.send("/pause until 2027-03-01")
    assert ivan.last().text == tr(
        "ru",
        "{date} has already passed. Send a date from today on, like /pause until "
        "{example}. Nothing was changed.",
        date="2027-03-01",
        example="2027-03-30",
    )
