"""Hebrew and Arabic readers see numbers, commands and hub names in the right visual order."""

from bidi import get_display

from tests.conftest import RunningBot
from tests.e2e.test_questions import ask, hub_with
from tests.fakebot import FakeTelegram, Msg
from tests.unit.test_bidi import _visible, display_problems


def commands_tappable(message: Msg) -> list[str]:
    """The bot commands Telegram marks in the message (what a reader can tap)."""
    units = message.text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == "bot_command"
    ]


def visual(message: Msg) -> list[str]:
    """The message's lines as a reader sees them, left to right, invisible marks left out."""
    return [_visible(get_display(line)) for line in message.text.split("\n")]


async def test_question_number_command_and_hub_read_right_in_he_and_ar(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _owner, _group, (dana, samir) = await hub_with(telegram, "he", "ar")
    for member in (dana, samir):
        await member.send("/questions")
        empty = member.last()
        assert display_problems(empty.text) == []
        assert any("/ask" in line for line in visual(empty))
        assert commands_tappable(empty) == ["/ask"]  # the LRM in front keeps it a command

    draft = await ask(dana, "How do you give feedback after a lesson?")
    assert display_problems(draft.text) == []
    shown = " ".join(visual(draft))
    assert "#1" in shown and "1#" not in shown
    assert "Chisinau mentors" in shown

    await samir.send("/questions")
    listing = samir.last()
    assert display_problems(listing.text) == []
    shown = " ".join(visual(listing))
    assert "#1" in shown and "Chisinau mentors" in shown
    assert "How do you give feedback after a lesson?" in shown
    assert samir.last().buttons[0][0].text  # the "me too" button is there

    for member in (dana, samir):
        await member.send("/help")
        assert display_problems(member.last().text) == []
        assert any(line.strip().endswith("/ask") for line in visual(member.last()))
        assert "/ask" in commands_tappable(member.last())


async def test_a_command_copied_with_bidi_marks_still_works(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _owner, _group, (dana,) = await hub_with(telegram, "he")
    await dana.send("/help")
    help_text = dana.last().text
    await dana.send("\u200e/help")
    assert dana.last().text == help_text
    await dana.send("\u2068\u200f/ask How do I start?\u2069")
    assert "How do I start?" in dana.last().text
    assert dana.last().buttons  # the draft with its "with my name / anonymously" buttons


async def test_faq_pages_turn_the_right_way_in_hebrew(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner, group, (dana,) = await hub_with(telegram, "he")
    hub = await bot.services.hubs.for_chat(group.id)
    questions = bot.services.questions
    for n in range(12):
        q = await questions.draft(hub.id, dana.id, f"Mentoring question number {n}")
        q = await questions.submit(q)
        await questions.answer(q, f"Mentoring answer {n}", owner.id)
    bot.services.delivery.wake()
    await bot.services.delivery.drained()
    await dana.send("/faq mentoring")
    first = dana.last()
    assert display_problems(first.text) == []
    (more,) = first.buttons[0]
    assert _visible(get_display(more.text)).startswith("◀")  # "next" points left
    await dana.press(first, more.text)
    assert display_problems(first.text) == []
    # The middle page: [next ◀] on the left, [▶ previous] on the right, as RTL reads.
    left, right = first.buttons[0]
    assert (left.callback_data, right.callback_data) == ("faq:2", "faq:0")
    assert _visible(get_display(left.text)).startswith("◀")
    assert _visible(get_display(right.text)).endswith("▶")
    await dana.press(first, right.text)
    assert first.text.count("❓") == 5
    assert first.buttons[0][0].callback_data == "faq:1"
