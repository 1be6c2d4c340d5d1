"""Feedback end to end: asked only when the hub turned it on and only those present, once;
a rating, an optional sentence, signed or anonymous; results that never name unsigned authors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from babel.numbers import format_decimal

from tests.conftest import tr
from tests.e2e.attendance_helpers import Planned, ntr, planned
from tests.fakebot import FakeTelegram, Msg, SimUser

SAVE = "💾 Save attendance"
RATE = (
    "Rate it from 1 (not useful) to 5 (very useful). "
    "Your answer stays anonymous unless you choose to sign it."
)
ALREADY = "You have already given feedback on this meeting. Thank you!"
SAID = ("Boring and too long", "Great role play", "Fine overall")
WITHHELD = "Anonymous answers appear once at least {count} person has answered anonymously."
WITHHELD_MANY = "Anonymous answers appear once at least {count} people have answered anonymously."


def requests(member: SimUser) -> list[Msg]:
    return [
        m
        for m in member.inbox()
        if any(
            b.callback_data.startswith("mf:r:") for row in m.buttons for b in row if b.callback_data
        )
    ]


async def take_attendance(world: Planned, present: list[SimUser]) -> Msg:
    """The facilitator marks exactly ``present`` and saves; the requests are delivered."""
    facilitator = world.facilitator
    await facilitator.send(f"/attendance {world.meeting_id}")
    checklist = facilitator.last()
    for row in checklist.buttons:
        for button in row:
            data = button.callback_data or ""
            if not data.startswith("ma:t:"):
                continue
            user_id = int(data.rsplit(":", 1)[1])
            wanted = any(member.id == user_id for member in present)
            if wanted != button.text.startswith("✅"):
                await facilitator.press_data(checklist, data)
    await facilitator.press(checklist, checklist.buttons[-1][0].text)  # Save
    await world.settle()
    return checklist


async def test_rating_sentence_and_signing_in_hebrew_and_english(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    world = await planned(
        start_bot,
        telegram,
        [("Noa", "he"), ("Mike", "en"), ("Sara", "ar")],
        facilitator=("Fatima", "en"),
    )
    await world.feedback_on()
    noa, mike, sara = world.members
    await noa.press(world.copy(noa), tr("he", "Going"))
    await mike.press(world.copy(mike), "Going")
    world.started(100)  # the meeting is over

    checklist = await take_attendance(world, [noa, mike])
    assert (
        ntr(
            "en",
            "A feedback request went to {count} person who came.",
            "Feedback requests went to {count} people who came.",
            2,
        )
        in checklist.text
    )
    # Only those present are asked, each once, privately, in their own language.
    assert requests(sara) == [] and requests(world.facilitator) == []
    (ask_noa,) = requests(noa)
    (ask_mike,) = requests(mike)
    assert "Peer observation" in ask_noa.text
    assert tr("he", RATE) in ask_noa.text
    assert [b.text for b in ask_noa.buttons[0]] == ["1", "2", "3", "4", "5"]
    assert [b.text for b in ask_mike.buttons[0]] == ["1", "2", "3", "4", "5"]

    # Noa (he): 4, one sentence, anonymous.
    await noa.press(ask_noa, "4")
    assert tr("he", "Your rating: {rating} of 5.", rating=4) in ask_noa.text
    await noa.send("Great session, thank you")
    sign = noa.last()
    assert tr("he", "Your sentence: {sentence}", sentence="Great session, thank you") in sign.text
    await noa.press(sign, tr("he", "🕶 Anonymously"))
    assert sign.text == tr("he", "🙏 Thank you! Your feedback is saved anonymously.")

    # Mike (en): 1, a sentence, signed.
    await mike.press(ask_mike, "1")
    await mike.send("Too fast for me")
    await mike.press(mike.last(), "👤 With my name")
    assert mike.last().text == tr("en", "🙏 Thank you! Your feedback is saved with your name.")

    # A second answer is refused, by the old buttons or forged ones; nothing more is stored.
    answer = await noa.press_data(ask_noa, f"mf:r:{world.occurrence_id}:5")
    assert answer is not None and answer.show_alert and answer.text == tr("he", ALREADY)
    answer = await noa.press_data(sign, f"mf:n:{world.occurrence_id}:5:0")
    assert answer is not None and answer.text == tr("he", ALREADY)

    db = world.bot.services.db
    rows = await db.fetch_all("SELECT rating, comment, signed_by FROM meeting_feedback ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (4, "Great session, thank you", None),
        (1, "Too fast for me", mike.id),
    ]
    asked = await db.fetch_all(
        "SELECT user_id, answered FROM meeting_feedback_requests ORDER BY user_id"
    )
    assert {r[0]: r[1] for r in asked} == {noa.id: 1, mike.id: 1}

    # The results: average in the reader's locale, the count, sentences, names only if signed.
    await world.facilitator.send("/feedback")
    picker = world.facilitator.last()
    await world.facilitator.press(picker, picker.buttons[0][0].text)
    results = picker.text
    # Only Mike's signed answer shows: one unsigned answer would be Noa's for all to see.
    assert (
        ntr(
            "en",
            "Average: {average} of 5, from {count} rating.",
            "Average: {average} of 5, from {count} ratings.",
            1,
            average="1.0",
        )
        in results
    )
    assert ntr("en", WITHHELD, WITHHELD_MANY, 3) in results
    assert "Great session, thank you" not in results and "Noa" not in results
    assert "Too fast for me — Mike" in results
    assert "asked have answered" not in results


async def test_no_requests_when_off_and_closed_after_a_week(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    world = await planned(start_bot, telegram, [("Noa", "he"), ("Mike", "en")])
    noa, mike = world.members
    dana = world.facilitator  # Hebrew
    world.started(100)

    # Off: saving attendance asks nobody.
    await take_attendance(world, [noa, mike])
    assert requests(noa) == [] and requests(mike) == []
    await dana.send(f"/feedback {world.meeting_id}")
    assert tr("he", "Feedback requests are off in this hub (see /hubsettings).") in dana.last().text

    # Turned on, then saved again: those present are asked now, once even if saved twice.
    await world.feedback_on()
    await take_attendance(world, [noa])
    await take_attendance(world, [noa, mike])
    assert len(requests(noa)) == 1 and len(requests(mike)) == 1
    (ask_noa,), (ask_mike,) = requests(noa), requests(mike)
    await dana.send(f"/attendance {world.meeting_id}")
    await dana.press(dana.last(), tr("he", "📊 Feedback"))  # from the attendance screen
    assert ntr("he", WITHHELD, WITHHELD_MANY, 3) in dana.last().text

    # A forged press by someone not asked, or an impossible rating: a stale button.
    answer = await dana.press_data(dana.last(), f"mf:r:{world.occurrence_id}:3")
    assert answer is not None and answer.text == tr("he", "This button is no longer valid.")
    answer = await noa.press_data(ask_noa, f"mf:r:{world.occurrence_id}:9")
    assert answer is not None and answer.text == tr("he", "This button is no longer valid.")

    # Noa rates 5 and skips the sentence; Mike answers eight days later: closed.
    await noa.press(ask_noa, "5")
    await noa.press(ask_noa, tr("he", "Skip"))
    await noa.press(ask_noa, tr("he", "🕶 Anonymously"))
    world.clock.advance(timedelta(days=8))
    answer = await mike.press(ask_mike, "3")
    assert answer is not None and answer.text == tr("en", "Feedback for this meeting is closed.")

    # A member can't read the results; the facilitator reads them in Hebrew.
    await noa.send(f"/feedback {world.meeting_id}")
    assert noa.last().text == tr("he", "Only this hub's facilitators can do that.")
    await dana.send(f"/feedback {world.meeting_id}")
    # One anonymous answer: not shown (it would be Noa's), nor is any count.
    assert ntr("he", WITHHELD, WITHHELD_MANY, 3) in dana.last().text
    assert "Average" not in dana.last().text


async def test_a_typed_sentence_is_checked(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    world = await planned(start_bot, telegram, [("Ion", "ro")], facilitator=("Fatima", "en"))
    await world.feedback_on()
    (ion,) = world.members
    world.started(100)
    await take_attendance(world, [ion])
    (ask,) = requests(ion)
    await ion.press(ask, "3")
    await ion.send("x" * 501)
    assert (
        tr(
            "ro",
            "That is too long: at most {limit} characters, please. Shorten it and send it again.",
            limit=500,
        )
        == ion.last().text
    )
    await ion.send("...")
    assert ion.last().text == tr("ro", "That has no words in it. Write a sentence, or press Skip.")
    await ion.send("Foarte util")
    await ion.press(ion.last(), tr("ro", "👤 With my name"))
    rows = await world.bot.services.db.fetch_all("SELECT comment, signed_by FROM meeting_feedback")
    assert [tuple(r) for r in rows] == [("Foarte util", ion.id)]
    # After the answer, text is no longer taken as a sentence.
    await ion.send("Another thought")
    count = await world.bot.services.db.fetch_value("SELECT COUNT(*) FROM meeting_feedback")
    assert count == 1


async def test_unsigned_answers_show_only_once_three_exist_however_attendance_is_saved(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    """Saving attendance one person at a time must not let a facilitator read each answer."""
    world = await planned(start_bot, telegram, [("Noa", "he"), ("Mike", "en"), ("Sara", "ar")])
    await world.feedback_on()
    noa, mike, sara = world.members
    dana = world.facilitator  # Hebrew
    world.started(100)
    present: list[SimUser] = []
    seen = []
    for member, locale, rating, sentence in (
        (noa, "he", "1", SAID[0]),
        (mike, "en", "5", SAID[1]),
        (sara, "ar", "3", SAID[2]),
    ):
        present.append(member)
        await take_attendance(world, present)  # only the newly present one is asked
        (ask,) = requests(member)
        await member.press(ask, rating)
        await member.send(sentence)
        await member.press(member.last(), tr(locale, "🕶 Anonymously"))
        await dana.send(f"/feedback {world.meeting_id}")
        seen.append(dana.last().text)
    first, second, third = seen
    for text in (first, second):
        assert ntr("he", WITHHELD, WITHHELD_MANY, 3) in text
        assert not any(said in text for said in SAID)
        assert "Average" not in text and "asked have answered" not in text
    assert first == second  # nothing tells the second answer from the first
    assert (
        ntr(
            "he",
            "Average: {average} of 5, from {count} rating.",
            "Average: {average} of 5, from {count} ratings.",
            3,
            average=format_decimal(3.0, format="0.0", locale="he"),
        )
        in third
    )
    assert all(said in third for said in SAID)
    assert tr("he", "{answered} of {asked} asked have answered.", answered=3, asked=3) in third
    assert ntr("he", WITHHELD, WITHHELD_MANY, 3) not in third
