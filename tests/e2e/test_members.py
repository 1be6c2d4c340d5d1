"""Facilitators manage people; everyone else is refused, on commands and on buttons alike."""

import logging

import pytest

from tests.conftest import RunningBot
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, SimGroup, SimUser


async def join(telegram: FakeTelegram, owner: SimUser, group: SimGroup, *people: SimUser) -> None:
    await owner.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    for person in people:
        await person.send(f"/start {code}")
        group.add_member(person)


async def test_members_lists_roles_and_ids(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en", username="olga_t")
    group = await make_hub(telegram, owner)
    mihai = telegram.user("Mihai", language_code="ro")
    await join(telegram, owner, group, mihai)
    await owner.send("/members", chat=group)
    text = group.last().text
    assert "Chisinau mentors: 2 members" in text
    assert f"Olga (@olga_t), facilitator (ID {owner.id}" in text
    assert f"Mihai (ID {mihai.id}" in text


async def test_member_commands_are_refused_and_logged(
    bot: RunningBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    mihai = telegram.user("Mihai", language_code="en")
    await join(telegram, owner, group, mihai)
    caplog.set_level(logging.WARNING)
    for command in ("/members", "/promote 1", "/demote 1", "/hubsettings", "/invite"):
        await mihai.send(command, chat=group)
        assert "Only this hub's facilitators can do that." in group.last().text, command
    await mihai.send("/members")  # in private no hub is involved: a refusal that names none
    assert "Only facilitators can do that." in mihai.last().text
    assert caplog.text.count("refused") >= 6


async def test_promote_by_reply_and_demote_by_id(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    mihai = telegram.user("Mihai", language_code="ro")
    await join(telegram, owner, group, mihai)
    hello = await mihai.send("Salut!", chat=group)
    await owner.send("/promote", chat=group, reply_to=hello)
    assert "Mihai is now a facilitator of Chisinau mentors." in group.last().text
    hub = await bot.services.hubs.for_chat(group.id)
    assert await bot.services.hubs.role(hub.id, mihai.id) == "facilitator"
    await owner.send(f"/promote {mihai.id}", chat=group)
    assert "already a facilitator" in group.last().text
    # the new facilitator may now demote the founder, but not themselves when last
    await mihai.send(f"/demote {owner.id}", chat=group)
    assert await bot.services.hubs.role(hub.id, owner.id) == "member"
    await mihai.send(f"/demote {mihai.id}", chat=group)
    assert await bot.services.hubs.role(hub.id, mihai.id) == "facilitator"
    await mihai.send("/demote abc", chat=group)
    assert "/members" in group.last().text
    stranger = telegram.user("Stan")
    await mihai.send(f"/promote {stranger.id}", chat=group)
    assert await bot.services.hubs.role(hub.id, stranger.id) is None


async def test_buttons_recheck_the_role(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    north = await make_hub(telegram, owner, "North")
    await make_hub(telegram, owner, "South")
    mihai = telegram.user("Mihai", language_code="en")
    await join(telegram, owner, north, mihai)
    await owner.send("/members")
    picker = owner.last()
    hub = await bot.services.hubs.for_chat(north.id)
    # Mihai forges the facilitator's button data in his own chat.
    await mihai.send("/hubs")
    for data in (
        f"mem:{hub.id}",
        f"hs:{hub.id}:mod:1",
        f"pro:{hub.id}:{mihai.id}",
        f"inv:{hub.id}",
    ):
        answer = await mihai.press_data(mihai.last(), data)
        assert answer is not None
        assert "Only this hub's facilitators" in (answer.text or ""), data
    assert await bot.services.hubs.role(hub.id, mihai.id) == "member"
    assert not (await bot.services.hubs.get(hub.id)).moderation
    # the facilitator's own picker still works
    await owner.press(picker, "North")
    assert "North: 2 members" in owner.last().text


async def test_help_and_start_follow_a_role_change_at_once(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    """/help and /start answer from memory between writes; a promotion or a join is a write."""
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    mihai = telegram.user("Mihai", language_code="en")
    await mihai.send("/start")
    assert "You are not in a hub yet" in mihai.last().text
    await mihai.send("/help")
    assert "For facilitators" not in mihai.last().text
    await join(telegram, owner, group, mihai)
    await mihai.send("/start")
    assert "Chisinau mentors" in mihai.last().text
    await owner.send(f"/promote {mihai.id}", chat=group)
    await mihai.send("/help")
    assert "For facilitators" in mihai.last().text
    await owner.send(f"/demote {mihai.id}", chat=group)
    await mihai.send("/help")
    assert "For facilitators" not in mihai.last().text
