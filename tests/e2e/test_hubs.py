"""A hub's life: the bot joins a group, /newhub, /invite, joining by link, leaving, detaching."""

import logging

import pytest

from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.fakebot import FakeTelegram, SimGroup, SimUser


async def make_hub(
    telegram: FakeTelegram, owner: SimUser, name: str = "Chisinau mentors"
) -> SimGroup:
    group = telegram.group("Teachers " + name, creator=owner)
    await group.add_bot(by=owner)
    await owner.send(f"/newhub {name}", chat=group)
    return group


def invite_link(telegram: FakeTelegram, message_text: str) -> str:
    start = message_text.index(f"https://t.me/{telegram.bot_username}?start=")
    return message_text[start:].split()[0]


async def test_bot_added_to_a_group_explains_newhub(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    olga = telegram.user("Olga", language_code="ru")
    group = telegram.group("Учителя", creator=olga)
    await group.add_bot(by=olga)
    assert "/newhub" in group.last().text


async def test_group_admin_creates_a_hub_and_becomes_facilitator(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    assert "This group is now the hub Chisinau mentors" in group.last().text
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    assert hub.timezone == "Europe/Chisinau"
    assert await bot.services.hubs.role(hub.id, owner.id) == "facilitator"
    # the facilitator's own menu now lists facilitator commands
    menu = telegram.commands[(f"chat:{owner.id}", "")]
    assert "members" in {c["command"] for c in menu}


async def test_newhub_bad_input(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = telegram.group("Teachers", creator=owner)
    await group.add_bot(by=owner)
    await owner.send("/newhub", chat=group)
    assert "Add the hub's name after the command" in group.last().text
    await owner.send("/newhub " + "N" * 65, chat=group)
    assert "at most 64 characters" in group.last().text
    await owner.send("/newhub <b>Bold</b> & co", chat=group)
    assert "This group is now the hub <b>Bold</b> & co" in group.last().text
    await owner.send("/newhub Again", chat=group)
    assert "already the hub <b>Bold</b> & co" in group.last().text
    await owner.send("/newhub Private")
    assert "Use /newhub in the group" in owner.last().text


async def test_only_group_admins_or_network_admins_create_hubs(
    start_bot, make_config, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot(make_config(access={"group_admins_can_create_hubs": False}))
    owner = telegram.user("Olga", language_code="en")
    plain = telegram.user("Petru", language_code="ro")
    group = telegram.group("Teachers", creator=owner, members=[plain])
    await group.add_bot(by=owner)
    caplog.set_level(logging.WARNING, logger="bot")
    await owner.send("/newhub Hub", chat=group)
    assert "Only network admins can create a hub." in group.last().text
    await plain.send("/newhub Hub", chat=group)
    assert group.last().text == tr("ro", "Only network admins can create a hub.")
    assert "refused newhub" in caplog.text
    admin = telegram.user("Ada", user_id=ADMIN_ID)
    group.add_member(admin)
    await admin.send("/newhub Hub", chat=group)
    assert "now the hub Hub" in group.last().text


async def test_invite_and_join_by_deep_link(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    await owner.send("/invite", chat=group)
    post = group.last()
    link = invite_link(telegram, post.text)
    assert post.button("Join Chisinau mentors").url == link
    code = link.rsplit("=", 1)[1]

    mentee = telegram.user("Mihai", language_code="ro")
    await mentee.send(f"/start {code}")
    assert "Chisinau mentors" in mentee.last().text
    await mentee.send(f"/start {code}")
    assert "Chisinau mentors" in mentee.last().text
    assert mentee.last().text != mentee.inbox()[-2].text  # "already a member" differs from welcome
    hub = await bot.services.hubs.for_chat(group.id)
    assert await bot.services.hubs.role(hub.id, mentee.id) == "member"

    await mentee.send("/start NOPE1234")
    assert "NOPE1234" in mentee.last().text


async def test_invite_from_private_posts_a_join_button_in_the_group(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    await owner.send("/start")
    await owner.send("/invite")
    assert "https://t.me/" in owner.last().text
    assert group.last().button("Join Chisinau mentors").url is not None


async def test_facilitator_of_two_hubs_chooses_with_buttons(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner = telegram.user("Olga", language_code="en")
    await make_hub(telegram, owner, "North")
    await make_hub(telegram, owner, "South")
    await owner.send("/invite")
    picker = owner.last()
    assert "Which hub?" in picker.text
    await owner.press(picker, "South")
    assert "Invite link for South" in owner.last().text


async def test_hubs_and_leave(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    await owner.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    noa = telegram.user("Noa", language_code="he")
    await noa.send(f"/start {code}")
    await noa.send("/hubs")
    assert "Chisinau mentors" in noa.last().text
    await noa.send("/leave")
    confirm = noa.last()
    assert "Chisinau mentors" in confirm.text
    await noa.press(confirm, confirm.buttons[0][0].text)  # the "Leave" button, in Hebrew
    hub = await bot.services.hubs.for_chat(group.id)
    assert await bot.services.hubs.role(hub.id, noa.id) is None
    await noa.send("/leave")
    assert "Chisinau mentors" not in noa.last().text

    await owner.send("/leave")
    await owner.press(owner.last(), "Leave")
    assert "only facilitator" in owner.last().text
    assert await bot.services.hubs.role(hub.id, owner.id) == "facilitator"


async def test_removed_bot_detaches_the_hub_and_nothing_is_lost(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    hub = await bot.services.hubs.for_chat(group.id)
    await group.remove_bot(by=owner)
    detached = await bot.services.hubs.get(hub.id)
    assert detached.detached_at is not None
    assert await bot.services.hubs.role(hub.id, owner.id) == "facilitator"
    await group.add_bot(by=owner)
    assert "still linked to the hub Chisinau mentors" in group.last().text
    assert (await bot.services.hubs.get(hub.id)).detached_at is None


async def test_supergroup_migration_keeps_the_hub(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    hub = await bot.services.hubs.for_chat(group.id)
    new_id = await group.migrate_to_supergroup()
    moved = await bot.services.hubs.get(hub.id)
    assert moved.chat_id == new_id
    await owner.send("/invite", chat=group)
    assert "Invite link for Chisinau mentors" in group.last().text
