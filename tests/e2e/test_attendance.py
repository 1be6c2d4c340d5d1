"""Attendance end to end: the paged checklist pre-filled with Going, toggles, Save, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import tr
from tests.e2e.attendance_helpers import member_buttons, ntr, planned
from tests.e2e.test_hubs import make_hub
from tests.fakebot import FakeTelegram

NOT_STARTED = "Attendance can be taken once the meeting has started."
SAVE = "💾 Save attendance"


async def test_checklist_prefilled_toggled_and_saved_in_hebrew(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    world = await planned(start_bot, telegram, [("Noa", "he"), ("Mike", "en"), ("Sara", "ar")])
    dana = world.facilitator
    noa, mike, sara = world.members
    await noa.press(world.copy(noa), tr("he", "Going"))
    await mike.press(world.copy(mike), "Going")
    await sara.press(world.copy(sara), tr("ar", "Can't"))

    # Before the start: refused, in the facilitator's language; nothing is written.
    await dana.send(f"/attendance {world.meeting_id}")
    assert dana.last().text == tr("he", NOT_STARTED)
    answer = await dana.press_data(dana.last(), f"ma:open:{world.occurrence_id}")
    assert answer is not None and answer.show_alert and answer.text == tr("he", NOT_STARTED)

    await dana.send("/attendance")
    assert tr("he", "No meeting took place in your hubs lately.") in dana.last().text

    # After the start: /attendance alone offers the meeting; its button opens the checklist.
    world.started()
    await dana.send("/attendance")
    picker = dana.last()
    assert tr("he", "Which meeting?") in picker.text
    (button,) = [b for row in picker.buttons for b in row]
    assert "Peer observation" in button.text
    await dana.press(picker, button.text)
    checklist = dana.last()
    assert checklist is picker  # the picker became the checklist
    assert tr("he", "📋 <b>Attendance</b>: tap the people who came, then Save.") in checklist.text
    assert member_buttons(checklist) == {"Dana": False, "Mike": True, "Noa": True, "Sara": False}
    assert (
        ntr(
            "he",
            "{count} of {total} marked present.",
            "{count} of {total} marked present.",
            2,
            total=4,
        )
        in checklist.text
    )

    await dana.press(checklist, "▫️ Sara")  # she came after all
    await dana.press(checklist, "✅ Mike")  # he did not
    await dana.press(checklist, "▫️ Mike")  # ... he did, late
    await dana.press(checklist, "✅ Noa")  # Noa did not
    assert member_buttons(checklist) == {"Dana": False, "Mike": True, "Noa": False, "Sara": True}
    assert await world.attendance() == {}  # nothing is stored before Save

    answer = await dana.press(checklist, tr("he", SAVE))
    assert answer is not None and answer.text == tr("he", "Attendance saved.")
    assert tr("he", "✅ <b>Attendance saved</b>") in checklist.text
    assert (
        ntr("he", "{count} of {total} present.", "{count} of {total} present.", 2, total=4)
        in checklist.text
    )
    # Feedback is off in this hub: said so, and nobody is asked.
    assert tr("he", "Feedback requests are off in this hub (see /hubsettings).") in checklist.text
    assert await world.attendance() == {
        dana.id: False,
        noa.id: False,
        mike.id: True,
        sara.id: True,
    }
    occurrence = await world.bot.services.meetings.occurrence(world.occurrence_id)
    assert occurrence.attendance_at is not None and occurrence.feedback_at is None
    sent = await world.bot.services.db.fetch_value(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'meeting_feedback'"
    )
    assert sent == 0

    # Opened again: the saved marks, not the RSVPs.
    await dana.press(checklist, tr("he", "✏️ Edit attendance"))
    assert member_buttons(checklist) == {"Dana": False, "Mike": True, "Noa": False, "Sara": True}


async def test_paged_checklist_with_short_names_in_english(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    people = [(f"Member{index:02d}", "en") for index in range(10)]
    people.append(("Bartholomew-Alexander Montgomery", "ro"))
    world = await planned(start_bot, telegram, people, facilitator=("Fatima", "en"))
    fatima = world.facilitator
    going = world.members[9]
    await going.press(world.copy(going), "Going")
    world.started()

    await fatima.send(f"/attendance {world.meeting_id}")
    checklist = fatima.last()
    first = member_buttons(checklist)
    assert len(first) == 8  # the facilitator first, then by name
    assert "Page 1 of 2" in checklist.text
    assert checklist.button("More ▶")
    labels = [b.text for row in checklist.buttons for b in row]
    assert all(len(label) <= 20 for label in labels), labels
    long_name = next(label for label in labels if "Bartholomew" in label)
    assert long_name.endswith("…")

    await fatima.press(checklist, "More ▶")
    second = member_buttons(checklist)
    assert "Page 2 of 2" in checklist.text
    assert len(second) == 4 and second["Member09"] is True  # pre-filled: answered Going
    await fatima.press(checklist, "▫️ Member08")
    await fatima.press(checklist, "◀ Back")
    assert "Page 1 of 2" in checklist.text
    await fatima.press(checklist, long_name)  # on page 1: marked, and the mark kept over pages
    await fatima.press(checklist, SAVE)
    assert "3 of 12 present." in checklist.text

    marks = await world.attendance()
    present = {member.first_name for member in world.members if marks[member.id]}
    assert present == {"Member08", "Member09", "Bartholomew-Alexander Montgomery"}
    assert len(marks) == 12 and marks[fatima.id] is False


async def test_refusals_forged_presses_and_bad_ids(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    world = await planned(start_bot, telegram, [("Noa", "he"), ("Mike", "en")])
    dana = world.facilitator
    noa, mike = world.members
    await mike.press(world.copy(mike), "Going")
    world.started()
    occ = world.occurrence_id

    # A member is not a facilitator: the command and the buttons are refused.
    await noa.send(f"/attendance {world.meeting_id}")
    assert noa.last().text == tr("he", "Only this hub's facilitators can do that.")
    for data in (f"ma:open:{occ}", f"ma:t:{occ}:0:{mike.id}", f"ma:s:{occ}"):
        answer = await noa.press_data(world.copy(noa), data)
        assert answer is not None and answer.show_alert
        assert answer.text == tr("he", "Only this hub's facilitators can do that.")
    assert await world.attendance() == {}

    # The facilitator of another hub is refused too; in that hub's group it is another hub's.
    olga = telegram.user("Olga", language_code="en")
    other = await make_hub(telegram, olga, "Holon kindergartens")
    await olga.send("/start")
    await olga.send(f"/attendance {world.meeting_id}")
    assert olga.last().text == tr("en", "Only this hub's facilitators can do that.")
    other.add_member(dana)
    await dana.send(f"/attendance {world.meeting_id}", chat=other)
    assert other.last().text == tr("he", "That meeting belongs to another hub.")

    # Bad ids and forged data: clear answers, nothing changes.
    await dana.send("/attendance 999")
    assert dana.last().text == tr("he", "There is no meeting with that number.")
    await dana.send("/attendance soon")
    assert "/attendance 12" in dana.last().text
    await dana.send(f"/attendance {world.meeting_id}")
    checklist = dana.last()
    stale = tr("he", "This button is no longer valid.")
    for data in (
        f"ma:t:{occ}:0:424242",  # not a member of the hub
        "ma:t:999:0:1",
        "ma:s:999",
        f"ma:t:{occ}:x:1",
        f"ma:s:{occ}:1",
        "ma:zz",
        "ma",
    ):
        answer = await dana.press_data(checklist, data)
        assert answer is not None and answer.show_alert and answer.text == stale, data
    assert await world.attendance() == {}
    assert member_buttons(checklist)["Mike"] is True


async def test_cancelled_meeting_has_no_attendance(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    world = await planned(start_bot, telegram, [("Mike", "en")], facilitator=("Fatima", "en"))
    fatima = world.facilitator
    await world.bot.services.db.execute("UPDATE meeting_occurrences SET status = 'cancelled'")
    world.started()
    await fatima.send(f"/attendance {world.meeting_id}")
    assert fatima.last().text == tr("en", "There is no meeting with that number.")
    answer = await fatima.press_data(fatima.last(), f"ma:open:{world.occurrence_id}")
    assert answer is not None and answer.text == tr("en", "This meeting was cancelled.")
