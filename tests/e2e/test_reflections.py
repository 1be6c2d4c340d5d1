"""Reflections: answering a prompt by reply or by button, in parts, skipping, sharing, bad input."""

from __future__ import annotations

from bot.handlers.common import plain_text
from tests.conftest import tr
from tests.e2e.prompt_helpers import PROMPT, nudges_received
from tests.e2e.reflection_helpers import prompted, send_status
from tests.fakebot import FakeTelegram

STRAY = "I only understand commands and buttons. Send /help to see what you can do."


def problem_text(locale: str, reason: str) -> str:
    from bot.handlers.reflections import problem
    from bot.i18n import use_locale

    with use_locale(locale):
        return plain_text(problem(reason))


def minutes_hint(locale: str, minutes: int = 10) -> str:
    from bot.i18n import ngettext, use_locale

    with use_locale(locale):
        return ngettext(
            "Anything you send in the next {count} minute joins this reflection.",
            "Anything you send in the next {count} minutes joins this reflection.",
            minutes,
        )


async def test_reply_then_follow_ups_are_one_reflection_shared_anonymously(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    mihai, _noa = world.hub.members
    mihai.username = "mihai_r"
    group = world.hub.group
    send_id = world.send_id(mihai)

    await mihai.send("My mentee asked <better> questions & listened.", reply_to=world.prompt(mihai))
    saved = mihai.last()
    assert tr("ro", "📓 Saved to your journal.") in saved.text
    assert [b.text for b in saved.buttons[0]] == [
        tr("ro", "Share with the hub"),
        tr("ro", "Done"),
    ]
    assert await send_status(world, send_id) == "answered"

    world.later(9)
    await mihai.send("Next time I will wait longer before helping.")
    assert tr("ro", "📓 Added to your reflection.") in mihai.last().text
    world.later(9)  # the window runs from the last message
    await mihai.send_voice(20)
    assert tr("ro", "📓 Added to your reflection.") in mihai.last().text
    world.later(11)
    await mihai.send("Is the meeting on Thursday?")
    assert mihai.last().text == tr("ro", STRAY)  # the window has closed

    before = len(group.inbox())
    rid = _reflection_id(saved)
    await mihai.press(saved, tr("ro", "Share with the hub"))
    assert tr("ro", "👤 With my name") in [b.text for row in saved.buttons for b in row]
    await mihai.press(saved, tr("ro", "🕶 Anonymously"))
    assert saved.text == tr("ro", "📣 Shared with {hub}, anonymously.", hub="Chisinau mentors")
    posts = group.inbox()[before:]
    assert len(posts) == 1
    post = posts[0]
    assert "My mentee asked <better> questions & listened." in post.text
    assert "Next time I will wait longer before helping." in post.text
    assert PROMPT in post.text
    assert "Is the meeting" not in post.text
    for leak in ("Member0", "mihai_r", str(mihai.id)):
        assert leak not in post.text
        assert leak not in str(post.reply_markup)
    assert post.reply_markup is None

    # Shared once: a second press (an old button) says so and posts nothing.
    answer = await mihai.press_data(saved, f"rf:n:{rid}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("ro", "This reflection is already shared with the hub.")
    assert len(group.inbox()) == before + 1


def _reflection_id(message) -> int:
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("rf:"):
                return int(button.callback_data.rsplit(":", 1)[1])
    raise AssertionError("no reflection button")


async def test_answer_button_then_typing_shared_with_name_in_rtl(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("he", "ro"))
    noa, _mihai = world.hub.members
    group = world.hub.group
    send_id = world.send_id(noa)

    await noa.press(world.prompt(noa), tr("he", "✍️ Answer"))
    invite = noa.last()
    assert tr("he", "✍️ Write your reflection on:") in invite.text
    assert PROMPT in invite.text
    await noa.send("היום הקשבתי יותר ודיברתי פחות.")
    saved = noa.last()
    assert tr("he", "📓 Saved to your journal.") in saved.text
    assert minutes_hint("he") in saved.text
    assert await send_status(world, send_id) == "answered"

    await noa.press(saved, tr("he", "Share with the hub"))
    await noa.press(saved, tr("he", "✖ Cancel"))
    assert saved.text == tr("he", "Not shared: it stays in your journal.")
    await noa.press(saved, tr("he", "Share with the hub"))
    await noa.press(saved, tr("he", "👤 With my name"))
    assert saved.text == tr("he", "📣 Shared with {hub}, with your name.", hub="Chisinau mentors")
    post = group.last()
    assert "Member0" in post.text and "היום הקשבתי יותר ודיברתי פחות." in post.text

    # Answer again later: what follows is added to the same reflection.
    world.later(60)
    await noa.press(world.prompt(noa), tr("he", "✍️ Answer"))
    assert tr("he", "What you send now is added to your reflection.") in noa.last().text
    await noa.send("ועוד מחשבה.")
    again = noa.last()
    assert tr("he", "📓 Added to your reflection.") in again.text
    assert tr("he", "It was shared before: what you add now stays private.") in again.text
    assert again.reply_markup is None


async def test_voice_and_photo_with_caption_are_kept_with_their_file_ids(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("en",))
    (sam,) = world.hub.members
    voice = await sam.send_voice(35, reply_to=world.prompt(sam))
    assert tr("en", "📓 Saved to your journal.") in sam.last().text
    photo = await sam.send_photo("The seating plan we tried")
    added = sam.last()
    assert tr("en", "📓 Added to your reflection.") in added.text
    await sam.press(added, tr("en", "Done"))
    assert added.reply_markup is None and tr("en", "📓 Added to your reflection.") in added.text

    rows = await world.bot.services.db.fetch_all(
        "SELECT kind, text, file_id FROM reflection_parts ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        ("voice", "", voice.voice["file_id"]),
        ("photo", "The seating plan we tried", photo.photo[-1]["file_id"]),
    ]
    await sam.send("/journal")
    page = sam.last().text
    assert "The seating plan we tried" in page
    assert tr("en", "🎤 {count} voice note", count=1) in page
    assert tr("en", "🖼 {count} photo", count=1) in page

    # A voice note or photo with nothing open: told how to keep it.
    world.later(30)
    await sam.send_photo()
    assert sam.last().text == tr(
        "en", "To keep a voice note or a photo in your journal, reply with it to a prompt."
    )


async def test_skip_says_so_and_closes_the_buttons(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    mihai, noa = world.hub.members
    prompt = world.prompt(noa)
    send_id = world.send_id(noa)
    await noa.press(prompt, tr("he", "Skip"))
    assert await send_status(world, send_id) == "skipped"
    assert prompt.reply_markup is None
    assert noa.last().text == tr(
        "he",
        "⏭ Skipped: no reminder will come for this prompt. If you change your mind, reply to it.",
    )
    # The same buttons on another copy (a nudge) after the skip.
    answer = await noa.press_data(prompt, f"rf:a:{send_id}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("he", "You skipped this prompt. To write after all, reply to it.")
    answer = await noa.press_data(prompt, f"rf:s:{send_id}")
    assert answer is not None and answer.text == tr("he", "You already skipped this prompt.")
    # Replying after all is kept: nothing a member writes is thrown away.
    await noa.send("בכל זאת, מחשבה קצרה.", reply_to=prompt)
    assert tr("he", "📓 Saved to your journal.") in noa.last().text

    # Skip after answering changes nothing.
    await mihai.send("Done already.", reply_to=world.prompt(mihai))
    answer = await mihai.press(world.prompt(mihai), tr("ro", "Skip"))
    assert answer is not None and answer.show_alert
    assert await send_status(world, world.send_id(mihai)) == "answered"


async def test_reply_to_a_deleted_prompt_or_after_leaving_is_kept_privately(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    mihai, noa = world.hub.members
    services = world.bot.services
    [prompt] = await services.prompts.for_hubs([world.hub.hub_id])
    await services.hubs.leave(world.hub.hub_id, noa.id)
    await noa.send("עדיין רציתי לענות.", reply_to=world.prompt(noa))
    kept = noa.last()
    assert tr("he", "📓 Saved to your journal.") in kept.text
    assert (
        tr(
            "he",
            "You are no longer in {hub}, so this reflection stays in your private journal.",
            hub="Chisinau mentors",
        )
        in kept.text
    )
    assert kept.reply_markup is None

    await services.prompts.delete(prompt.id)
    await mihai.send("Answering a prompt that is gone.", reply_to=world.prompt(mihai))
    kept = mihai.last()
    assert tr("ro", "📓 Saved to your journal.") in kept.text
    assert (
        tr(
            "ro",
            "The facilitators withdrew this prompt, so it can't be shared. "
            "Your reflection stays in your journal.",
        )
        in kept.text
    )
    assert kept.reply_markup is None
    group_posts = len(world.hub.group.inbox())
    rid = await services.db.fetch_value("SELECT id FROM reflections WHERE user_id = ?", (mihai.id,))
    answer = await mihai.press_data(kept, f"rf:an:{rid}")
    assert answer is not None and answer.show_alert
    assert len(world.hub.group.inbox()) == group_posts
    await mihai.send("/journal")
    assert "Answering a prompt that is gone." in mihai.last().text
    # Answer on the withdrawn prompt, or after leaving, says the same before anything is typed.
    await mihai.press(world.prompt(mihai), tr("ro", "✍️ Answer"))
    assert problem_text("ro", "withdrawn") in mihai.last().text
    await noa.press(world.prompt(noa), tr("he", "✍️ Answer"))
    assert (
        tr(
            "he",
            "You are no longer in {hub}, so this reflection stays in your private journal.",
            hub="Chisinau mentors",
        )
        in noa.last().text
    )


async def test_forged_and_foreign_callbacks_change_nothing(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    mihai, noa = world.hub.members
    await mihai.send("Mine.", reply_to=world.prompt(mihai))
    rid = await world.bot.services.db.fetch_value(
        "SELECT id FROM reflections WHERE user_id = ?", (mihai.id,)
    )
    mihai_send, noa_send = world.send_id(mihai), world.send_id(noa)
    stale = tr("he", "This button is no longer valid.")
    posts = len(world.hub.group.inbox())
    for data in (
        f"rf:s:{mihai_send}",
        f"rf:a:{mihai_send}",
        f"rf:sh:{rid}",
        f"rf:an:{rid}",
        f"rf:n:{rid}",
        f"rf:d:{rid}",
        "rf:a:999999",
        "rf:zz:1",
        "rf:a:abc",
        "rf:a:-1",
        "rf",
    ):
        answer = await noa.press_data(world.prompt(noa), data)
        assert answer is not None and answer.show_alert, data
        assert answer.text == stale, data
    assert await send_status(world, mihai_send) == "answered"
    assert await send_status(world, noa_send) == "sent"
    assert len(world.hub.group.inbox()) == posts
    # Noa's typed text after those presses is not taken as a reflection.
    await noa.send("hello")
    assert noa.last().text == tr("he", STRAY)


async def test_empty_and_over_long_text_are_refused_with_the_limit(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("en", "ar"))
    sam, layla = world.hub.members
    await sam.send(
        "\u200b\u200e", reply_to=world.prompt(sam)
    )  # Telegram accepts it; it shows nothing
    assert sam.last().text == tr(
        "en", "That message has no words in it. Write a few, or send a voice note."
    )
    await sam.send("x" * 4050, reply_to=world.prompt(sam))
    assert sam.last().text == tr(
        "en",
        "That is too long: a reflection holds at most {limit} characters. Please shorten it.",
        limit=4000,
    )
    assert await send_status(world, world.send_id(sam)) == "sent"
    await layla.send("y" * 3990, reply_to=world.prompt(layla))
    await layla.send("and twenty more words")
    assert layla.last().text == tr(
        "ar",
        "This reflection has reached {limit} characters, so that message was not added.",
        limit=4000,
    )


async def test_a_reply_to_the_nudge_or_its_answer_button_joins_the_same_reflection(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    mihai, noa = world.hub.members
    prompts = world.bot.services.prompts
    await prompts.set_nudge_hours(world.hub.hub_id, 12)
    world.later(12 * 60)
    assert await prompts.run_nudges() == 3  # Olga, Mihai and Noa
    await telegram.settle()
    [mihai_nudge] = nudges_received(mihai)
    [noa_nudge] = nudges_received(noa)

    await mihai.send("Replying to the reminder.", reply_to=mihai_nudge)
    assert tr("ro", "📓 Saved to your journal.") in mihai.last().text
    world.later(60)
    await mihai.send("And to the prompt itself, later.", reply_to=world.prompt(mihai))
    assert tr("ro", "📓 Added to your reflection.") in mihai.last().text
    assert await send_status(world, world.send_id(mihai)) == "answered"

    await noa.press(noa_nudge, tr("he", "✍️ Answer"))
    await noa.send_voice(14)
    assert tr("he", "📓 Saved to your journal.") in noa.last().text
    assert await send_status(world, world.send_id(noa)) == "answered"
    counts = await world.bot.services.db.fetch_all(
        "SELECT user_id, COUNT(*) FROM reflections GROUP BY user_id ORDER BY user_id"
    )
    assert [tuple(row) for row in counts] == [(mihai.id, 1), (noa.id, 1)]


async def test_a_restart_loses_nothing_and_the_window_still_holds(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ro", "he"))
    mihai, _noa = world.hub.members
    await mihai.send("Before the restart.", reply_to=world.prompt(mihai))
    saved = mihai.last()
    await world.bot.stop()
    world.bot = await start_bot(make_config(), world.clock)
    world.later(5)
    await mihai.send("After the restart.")
    assert tr("ro", "📓 Added to your reflection.") in mihai.last().text
    await mihai.press(saved, tr("ro", "Share with the hub"))
    await mihai.press(saved, tr("ro", "👤 With my name"))
    post = world.hub.group.last().text
    assert "Before the restart." in post and "After the restart." in post
    assert "Member0" in post
