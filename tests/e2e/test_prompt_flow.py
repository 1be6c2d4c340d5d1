"""The guided /prompt flow: a facilitator builds a prompt with buttons, and it really goes out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import MovableClock
from bot.handlers.prompt_steps import text_problem
from bot.i18n import use_locale
from bot.services.prompt_library import LIBRARY, library_text
from bot.services.prompt_rules import Recurrence, day_names, describe
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

HUB = "Chisinau mentors"
# Monday 23 November 2026, 12:00 in Chisinau (UTC+2).
MONDAY_NOON = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def running(start_bot, make_config, clock: MovableClock) -> RunningBot:
    return await start_bot(make_config(), clock)


async def hub_with_members(
    telegram: FakeTelegram, facilitator_language: str, languages: tuple[str, ...], name=HUB
) -> tuple[SimUser, SimGroup, list[SimUser]]:
    """A hub whose facilitator has started the bot, and members who joined by the link."""
    olga = telegram.user("Olga", language_code=facilitator_language)
    group = await make_hub(telegram, olga, name)
    await olga.send("/start")
    await olga.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    members = []
    for index, language in enumerate(languages):
        member = telegram.user(f"Member{index}", language_code=language)
        await member.send(f"/start {code}")
        group.add_member(member)
        members.append(member)
    return olga, group, members


def prompts_received(user: SimUser, text: str) -> list[Msg]:
    """The prompt messages a member got (they open with 💭; an RLM may come first)."""
    return [m for m in user.inbox() if m.text.lstrip("\u200f").startswith("💭") and text in m.text]


async def fire(bot: RunningBot, clock: MovableClock, moment: datetime, telegram) -> None:
    clock.set(moment)
    await bot.services.scheduler.run_due()
    bot.services.delivery.wake()
    await telegram.settle()


def flow_of(message: Msg) -> int:
    """The flow number the message's buttons carry (``pw:<flow>:...``)."""
    data = message.buttons[0][0].callback_data
    assert data is not None and data.startswith("pw:")
    return int(data.split(":")[1])


def lib(key: str, locale: str) -> str:
    """A library prompt as a member reads it (bidi marks aside)."""
    return library_text(key, locale).strip("\u200e\u200f")


def label(locale: str, message: str, **params: object) -> str:
    return tr(locale, message, **params)


def day(locale: str, weekday: str) -> str:
    with use_locale(locale):
        return day_names()[weekday]


def words(locale: str, recurrence: Recurrence) -> str:
    """The schedule in words, as the preview shows it to a reader in ``locale``."""
    with use_locale(locale):
        return describe(recurrence)


async def test_library_prompt_by_buttons_goes_out_at_the_chosen_time(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai, noa) = await hub_with_members(telegram, "en", ("ro", "he"))

    await olga.send("/prompt")
    screen = olga.last()
    assert tr("en", "<b>New prompt for {hub}</b>", hub=HUB) in screen.text
    await olga.press(screen, "📚 Library")
    assert tr("en", str(LIBRARY["lib3"].message)) in screen.text
    await olga.press(screen, "More ▶")
    assert tr("en", str(LIBRARY["lib8"].message)) in screen.text
    await olga.press(screen, "◀ Back")
    await olga.press(screen, "3")
    assert "On which days?" in screen.text

    # The days toggle, with a ✓ on each chosen one; Next appears once one is chosen.
    assert all(b.text != "Next ▶" for row in screen.buttons for b in row)
    await olga.press(screen, "Mon")
    await olga.press(screen, "Thu")
    await olga.press(screen, "Fri")
    assert screen.button("✓ Mon") and screen.button("✓ Thu") and screen.button("✓ Fri")
    await olga.press(screen, "✓ Fri")
    assert screen.button("Fri").text == "Fri"
    assert "Chosen: Mon, Thu" in screen.text
    await olga.press(screen, "Next ▶")
    assert "At what time?" in screen.text
    assert "Europe/Chisinau" in screen.text

    await olga.send("18:30")  # typed, not a quick button
    preview = olga.last()
    assert "Preview of the prompt" in preview.text
    assert words("en", Recurrence("weekly", "18:30", ("mon", "thu"))) in preview.text
    assert "Hub: Chisinau mentors" in preview.text
    assert "First time: 11/23/26, 6:30" in preview.text  # today, in Olga's zone
    assert LIBRARY["lib3"].message in preview.text
    assert prompts_received(mihai, "") == []

    flow = flow_of(preview)
    await olga.press(preview, "✅ Confirm")
    assert "Saved. The prompt goes out" in preview.text
    assert "/prompts" in preview.text
    # Pressing Confirm again creates nothing more.
    answer = await olga.press_data(preview, f"pw:{flow}:ok")
    assert answer is not None and answer.text == tr("en", "This button is no longer valid.")

    await fire(bot, clock, datetime(2026, 11, 23, 16, 29, tzinfo=UTC), telegram)
    assert prompts_received(mihai, "") == []
    await fire(bot, clock, datetime(2026, 11, 23, 16, 30, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, lib("lib3", "ro"))) == 1
    assert len(prompts_received(noa, lib("lib3", "he"))) == 1
    # Not on Tuesday; again on Thursday.
    await fire(bot, clock, datetime(2026, 11, 24, 16, 31, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, "")) == 1
    await fire(bot, clock, datetime(2026, 11, 26, 16, 30, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, "")) == 2
    rows = await bot.services.db.fetch_all("SELECT id FROM prompts")
    assert len(rows) == 1


async def test_typed_text_weekdays_and_quick_time_in_hebrew(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    dana, _group, (mihai,) = await hub_with_members(telegram, "he", ("en",))
    await dana.send("/prompt")
    screen = dana.last()
    assert tr("he", "<b>New prompt for {hub}</b>", hub=HUB) in screen.text
    text = "מה למדת השבוע <b>מהחונך</b> שלך & למה?"
    await dana.send(text)
    days = dana.last()
    assert tr("he", "<b>On which days?</b> Tap the days to mark them, then press Next.") in (
        days.text
    )
    await dana.press(days, label("he", "Weekdays"))
    asked = "<b>At what time?</b> Choose one, or type it as hours:minutes, e.g. 18:30."
    assert tr("he", asked) in days.text
    await dana.press(days, "08:00")
    preview = days
    assert text in preview.text  # shown as text, not as markup
    assert words("he", Recurrence("weekly", "08:00", ("mon", "tue", "wed", "thu", "fri"))) in (
        preview.text
    )
    await dana.press(preview, label("he", "✅ Confirm"))
    assert tr("he", "To pause or delete it, send /prompts.") in preview.text

    # Tomorrow, Tuesday 08:00 in Chisinau (06:00 UTC).
    await fire(bot, clock, datetime(2026, 11, 24, 6, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, text)) == 1
    await fire(bot, clock, datetime(2026, 11, 28, 6, 0, tzinfo=UTC), telegram)  # Saturday
    assert len(prompts_received(mihai, text)) == 1


async def test_every_day_and_one_date(start_bot, make_config, telegram: FakeTelegram) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (noa,) = await hub_with_members(telegram, "en", ("ar",))

    await olga.send("/prompt")
    await olga.send("Daily check-in")
    screen = olga.last()
    await olga.press(screen, "Every day")
    await olga.press(screen, "20:00")
    assert "every day at 8:00" in screen.text
    await olga.press(screen, "✅ Confirm")

    await olga.send("/prompt")
    await olga.send("One-off before the holidays")
    screen = olga.last()
    await olga.press(screen, "📅 One date…")
    assert "On which date?" in screen.text
    # Today is offered while a quick time is left; then six more days.
    assert screen.button("Mon 23 Nov") and screen.button("Sun 29 Nov")
    await olga.press(screen, "Wed 25 Nov")
    await olga.press(screen, "12:00")
    assert "on November 25, 2026 at 12:00" in screen.text
    await olga.press(screen, "✅ Confirm")

    # And a date typed by hand, far ahead, with a typed time.
    await olga.send("/prompt")
    await olga.send("End of term")
    screen = olga.last()
    await olga.press(screen, "📅 One date…")
    await olga.send("2026-12-18")
    await olga.send("9:05")
    assert "on December 18, 2026 at 9:05" in olga.last().text
    await olga.press(olga.last(), "✅ Confirm")

    await fire(bot, clock, datetime(2026, 11, 23, 18, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(noa, "Daily check-in")) == 1
    await fire(bot, clock, datetime(2026, 11, 25, 10, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(noa, "One-off before the holidays")) == 1
    await fire(bot, clock, datetime(2026, 11, 25, 18, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(noa, "Daily check-in")) == 2
    await fire(bot, clock, datetime(2026, 11, 26, 10, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(noa, "One-off before the holidays")) == 1
    await fire(bot, clock, datetime(2026, 12, 18, 7, 5, tzinfo=UTC), telegram)
    assert len(prompts_received(noa, "End of term")) == 1


async def test_cancel_and_back(start_bot, make_config, telegram: FakeTelegram) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai,) = await hub_with_members(telegram, "en", ("nl",))
    await olga.send("/prompt")
    await olga.send("First try")
    screen = olga.last()
    await olga.press(screen, "Weekdays")
    await olga.press(screen, "◀ Back")
    assert "On which days?" in screen.text
    assert screen.button("✓ Mon") and screen.button("✓ Fri")
    await olga.press(screen, "Next ▶")
    await olga.press(screen, "16:00")
    await olga.press(screen, "✏️ Change text")
    await olga.send("Second try")
    preview = olga.last()
    assert "Second try" in preview.text and "Preview of the prompt" in preview.text
    flow = flow_of(preview)
    await olga.press(preview, "✖ Cancel")
    assert preview.text == tr("en", "Cancelled. No prompt was made.")
    answer = await olga.press_data(preview, f"pw:{flow}:ok")
    assert answer is not None and answer.show_alert
    await olga.send("Stray text after the flow")  # no longer taken as the prompt's text
    assert "Second try" not in olga.last().text
    await fire(bot, clock, datetime(2026, 11, 24, 14, 0, tzinfo=UTC), telegram)
    assert prompts_received(mihai, "") == []
    assert await bot.services.db.fetch_all("SELECT id FROM prompts") == []


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_bad_input_gets_clear_answers(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, _members = await hub_with_members(telegram, locale, ())
    await olga.send("/prompt")
    limit = bot.services.prompts.MAX_TEXT
    await olga.send("x" * (limit + 1))
    assert (
        tr(
            locale,
            "The prompt has {length} characters; the limit is {limit}. Please shorten it.",
            length=limit + 1,
            limit=limit,
        )
        in olga.last().text
    )
    # Telegram sends no empty message; an empty text is refused all the same (the service too).
    with use_locale(locale):
        assert text_problem(" \n ") == tr(
            locale, "The prompt is empty. Type the question members will reflect on."
        )
    await olga.send("What surprised you?")
    screen = olga.last()
    await olga.press(screen, label(locale, "📅 One date…"))
    await olga.send("2026-11-22")
    assert (
        tr(locale, "{date} has already passed. Choose today or a later date.", date="2026-11-22")
        in olga.last().text
    )
    await olga.send("2026-02-30")
    assert "2026-02-30" in olga.last().text
    await olga.send("next friday")
    assert "next friday" in olga.last().text
    await olga.send("2026-11-23")  # today: still possible
    await olga.send("25:00")
    assert (
        tr(
            locale,
            "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
            time="25:00",
        )
        in olga.last().text
    )
    await olga.send("11:00")  # earlier today
    assert (
        tr(
            locale,
            "{time} on that day has already passed ({timezone}). Choose a later time.",
            time="11:00",
            timezone="Europe/Chisinau",
        )
        in olga.last().text
    )
    # Only the quick times still ahead today are offered.
    times = [b.text for row in olga.last().buttons for b in row if ":" in b.text]
    assert times == ["16:00", "18:00", "20:00"]
    await olga.send("12:30")
    assert tr(locale, "<b>Preview of the prompt</b>") in olga.last().text
    # The moment passes while the preview is open: Confirm says so and asks for a time again.
    clock.advance(timedelta(hours=1))
    await olga.press(olga.last(), label(locale, "✅ Confirm"))
    assert tr(locale, "That date and time have already passed. Pick a time ahead.") in (
        olga.last().text
    )
    assert await bot.services.db.fetch_all("SELECT id FROM prompts") == []


async def test_forged_and_stale_presses(start_bot, make_config, telegram: FakeTelegram) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (member,) = await hub_with_members(telegram, "en", ("he",))
    other = telegram.user("Ivan", language_code="en")
    other_group = await make_hub(telegram, other, "Balti mentors")
    other_hub = await bot.services.hubs.for_chat(other_group.id)
    await olga.send("/prompt")
    screen = olga.last()
    flow = flow_of(screen)
    stale = tr("en", "This button is no longer valid.")
    for data in (
        f"pw:{flow}:d:xyz",  # no such day
        f"pw:{flow}:t:2500",  # not a quick time
        f"pw:{flow}:t:1730",  # not offered either
        f"pw:{flow}:pick:lib999",
        f"pw:{flow}:lib:99",
        f"pw:{flow}:date:20261301",
        f"pw:{flow}:ok",  # nothing chosen yet
        f"pw:{flow}:next",
        f"pw:{flow}:zap",
        f"pw:{flow + 7}:type",  # another flow
        "pw:x:type",
        f"pw:{flow}:hub:{other_hub.id}",  # the hub is already chosen
    ):
        answer = await olga.press_data(screen, data)
        assert answer is not None and answer.text == stale, data
    # Starting /prompt again makes the first flow's buttons stale.
    await olga.send("/prompt")
    answer = await olga.press(screen, "📚 Library")
    assert answer is not None and answer.text == stale
    assert "Prompt library" not in screen.text
    screen = olga.last()
    # A date in the past, forged onto a real flow, is refused with the reason.
    await olga.send("Text")
    answer = await olga.press_data(olga.last(), f"pw:{flow_of(olga.last())}:date:20261101")
    assert answer is not None and "2026-11-01 has already passed" in answer.text
    # A member forging the flow's buttons has no flow: nothing happens for them.
    answer = await member.press_data(member.last(), f"pw:{flow}:ok")
    assert answer is not None and answer.text == tr("he", "This button is no longer valid.")
    assert await bot.services.db.fetch_all("SELECT id FROM prompts") == []


async def test_non_facilitator_refused_at_start_and_on_every_press(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, group, (mihai, noa) = await hub_with_members(telegram, "en", ("ru", "he"))
    await mihai.send("/prompt")
    assert mihai.last().text == tr("ru", "Only facilitators can do that.")
    await noa.send("/prompt", chat=group)
    assert group.last().text in (
        tr("he", "Only facilitators can do that."),
        tr("he", "Only this hub's facilitators can do that."),
    )

    # Promoted, Noa starts a flow; demoted in the middle, every press and typed line is refused.
    await olga.send(f"/promote {noa.id}", chat=group)
    await noa.send("/prompt")
    await noa.send("Written while still a facilitator")
    screen = noa.last()
    await olga.send(f"/demote {noa.id}", chat=group)
    answer = await noa.press(screen, label("he", "Every day"))
    assert answer is not None and answer.text == tr(
        "he", "Only this hub's facilitators can do that."
    )
    answer = await noa.press_data(screen, f"pw:{flow_of(screen)}:ok")
    assert answer is not None and answer.show_alert
    assert await bot.services.db.fetch_all("SELECT id FROM prompts") == []


async def test_several_hubs_and_a_network_admin(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai,) = await hub_with_members(telegram, "en", ("en",))
    second = await make_hub(telegram, olga, "Balti mentors")
    await olga.send("/prompt")
    screen = olga.last()
    assert "Which hub is the prompt for?" in screen.text
    await olga.press(screen, "Balti mentors")
    assert "New prompt for Balti mentors" in screen.text
    assert second is not None

    admin = telegram.user("Admin", language_code="en", user_id=ADMIN_ID)
    await admin.send("/start")
    await admin.send("/prompt")
    hubs = [b.text for row in admin.last().buttons for b in row]
    assert {"Chisinau mentors", "Balti mentors"} <= set(hubs)
    await admin.press(admin.last(), "Chisinau mentors")
    await admin.send("From the network")
    await admin.press(admin.last(), "Every day")
    await admin.press(admin.last(), "18:00")
    await admin.press(admin.last(), "✅ Confirm")
    await fire(bot, clock, datetime(2026, 11, 23, 16, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, "From the network")) == 1


async def test_in_a_group_the_flow_is_offered_privately(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    await running(start_bot, make_config, clock)
    olga, group, _members = await hub_with_members(telegram, "he", ())
    await olga.send("/prompt", chat=group)
    answer = group.last().text
    assert tr("he", "To be guided step by step with buttons, send /prompt to me privately.") in (
        answer
    )
    assert "/prompt weekdays 18:00" in answer
    assert group.last().buttons == []  # no draft is started in a group


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_an_unreadable_typed_schedule_opens_the_flow(
    start_bot, make_config, telegram: FakeTelegram, locale: str
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, (mihai,) = await hub_with_members(telegram, locale, ("ro",))
    await olga.send("/prompt weekdays 25:00 What went well?")
    screen = olga.last()
    assert (
        tr(
            locale,
            "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
            time="25:00",
        )
        in screen.text
    )
    assert "/prompt mon,thu 18:00" in screen.text  # the accepted forms
    assert tr(locale, "<b>New prompt for {hub}</b>", hub=HUB) in screen.text
    # ... and the buttons of the flow, which carries on from there.
    await olga.press(screen, label(locale, "📚 Library"))
    await olga.press(screen, "1")
    await olga.press(screen, label(locale, "Weekdays"))
    await olga.press(screen, "18:00")
    await olga.press(screen, label(locale, "✅ Confirm"))
    await fire(bot, clock, datetime(2026, 11, 23, 16, 0, tzinfo=UTC), telegram)
    assert len(prompts_received(mihai, lib("lib1", "ro"))) == 1


async def test_buttons_from_before_a_restart_are_stale(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    clock = MovableClock(MONDAY_NOON)
    bot = await running(start_bot, make_config, clock)
    olga, _group, _members = await hub_with_members(telegram, "ar", ())
    await olga.send("/prompt")
    await olga.send("Before the restart")
    old = olga.last()
    await bot.stop()
    bot = await running(start_bot, make_config, clock)
    stale = tr("ar", "This button is no longer valid.")
    answer = await olga.press(old, label("ar", "Every day"))
    assert answer is not None and answer.text == stale
    await olga.send("/prompt")  # a new flow: the old message's buttons still do nothing
    assert flow_of(olga.last()) != flow_of(old)
    answer = await olga.press(old, label("ar", "Every day"))
    assert answer is not None and answer.text == stale
    assert await bot.services.db.fetch_all("SELECT id FROM prompts") == []
