"""/stats end to end through the fake Bot API: a facilitator's figures and chart in en, ru, he
and ar, a network admin's totals, refusals (a member, another hub's facilitator, forged buttons).
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from babel.numbers import format_percent

from bot.i18n import BIDI_MARKS
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser
from tests.unit.test_bidi import display_problems

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CAPTION = "Members (line) and active members (bars) per week; weeks start on the day shown (UTC)."


def plain(text: str) -> str:
    return "".join(c for c in text if c not in BIDI_MARKS)


def has(text: str, part: str) -> bool:
    return plain(part) in plain(text)


def read_png(data: bytes) -> tuple[int, int, int]:
    """A minimal PNG reader: checks the signature, every chunk's CRC, that IHDR comes first and
    IEND last, and that the image data inflates to height × (1 + width × channels) bytes.
    Returns (width, height, chunks)."""
    assert data.startswith(PNG_SIGNATURE)
    at, chunks, idat = len(PNG_SIGNATURE), [], b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        if kind == b"IDAT":
            idat += body
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    assert depth == 8
    assert len(zlib.decompress(idat)) == height * (1 + width * channels)
    return width, height, len(chunks)


def check_chart(message: Msg, locale: str) -> None:
    assert message.photo is not None, "the chart comes as a photo"
    assert message.file_bytes is not None
    width, height, _chunks = read_png(message.file_bytes)
    assert (width, height) == (960, 540)
    from PIL import Image  # installed with matplotlib

    with Image.open(io.BytesIO(message.file_bytes)) as image:
        image.load()
        assert image.size == (960, 540)
        # Not a blank picture: a chart has several colours.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 10
    assert plain(message.text) == plain(tr(locale, CAPTION))


async def hub_for(
    telegram: FakeTelegram, locale: str, name: str = "Chisinau mentors", member_count: int = 3
) -> tuple[SimGroup, SimUser, list[SimUser], str]:
    """A hub (its founder never opens a private chat), a facilitator reading ``locale``, members."""
    founder = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, founder, name)
    await founder.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    fatima = telegram.user("Fatima", language_code=locale)
    await fatima.send(f"/start {code}")
    group.add_member(fatima)
    await founder.send(f"/promote {fatima.id}", chat=group)
    members = []
    for index in range(member_count):
        member = telegram.user(f"Member{index}", language_code="en")
        await member.send(f"/start {code}")
        members.append(member)
    return group, fatima, members, code


def stats_messages(user: SimUser | SimGroup, before: int) -> list[Msg]:
    return user.inbox()[before:]


@pytest.mark.telegram_errors(403)
@pytest.mark.parametrize("locale", ["en", "ru", "he", "ar"])
async def test_facilitator_reads_figures_and_chart(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    group, fatima, (mihai, noa, dan), _code = await hub_for(telegram, locale)
    await dan.block()  # reachable no more
    await noa.send("/leave")
    await noa.press(noa.last(), "Leave")  # left in the last 30 days
    await fatima.send("/broadcast Meeting moved to Thursday")
    await fatima.press(fatima.last(), tr(locale, "✅ Confirm"))
    bot.services.delivery.wake()
    await telegram.settle()

    before = len(fatima.inbox())
    await fatima.send("/stats")
    text, chart = stats_messages(fatima, before)
    delivered = format_percent(2 / 4, locale=locale)
    for line in (
        tr(locale, "📊 Figures for <b>{hub}</b>", hub="Chisinau mentors"),
        # Olga, Fatima, Mihai, Dan; Olga never opened a private chat and Dan blocked the bot.
        tr(
            locale,
            "👥 {count} members; {reachable} can get messages from me.",
            count=4,
            reachable=2,
        ),
        # Noa joined and left within the 30 days: she counts in both
        tr(locale, "In the last 30 days: {joined} joined, {left} left.", joined=5, left=1),
        # Everyone who is still a member wrote something today (Dan before he blocked the bot).
        tr(
            locale,
            "Active anywhere in the network (wrote or pressed anything): {week} in the last "
            "7 days, {month} in the last 30 days.",
            week=4,
            month=4,
        ),
        tr(
            locale,
            "❓ Questions in the last 30 days: {asked} asked, {answered} answered.",
            asked=0,
            answered=0,
        ),
        tr(locale, "📣 {count} announcement in the last 30 days.", count=1),
        # Mihai and Fatima got it; Dan blocked the bot; Olga never opened a private chat.
        tr(
            locale,
            "Delivered: {percent} ({delivered} of {total} messages).",
            percent=delivered,
            delivered=2,
            total=4,
        ),
    ):
        assert has(text.text, line), f"{line!r} not in {text.text!r}"
    if locale in ("he", "ar"):  # every line laid out right to left, numbers in one piece
        assert not display_problems(text.html or text.text)
    check_chart(chart, locale)
    assert mihai.inbox()[-1].photo is None  # the chart went to Fatima only
    assert group.last().photo is None


async def test_facilitator_in_the_group_gets_the_hub_figures(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    group, fatima, (mihai, *_rest), _code = await hub_for(telegram, "ru")
    await fatima.send("/stats", chat=group)
    chart = group.last()
    check_chart(chart, "ru")
    # A member asking in the group is refused, and gets no chart.
    group.add_member(mihai)
    await mihai.send("/stats", chat=group)
    assert has(group.last().text, tr("en", "Only this hub's facilitators can do that."))


async def test_member_is_refused(bot: RunningBot, telegram: FakeTelegram) -> None:
    _group, _fatima, (mihai, *_rest), _code = await hub_for(telegram, "he")
    await mihai.send("/stats")
    assert mihai.last().text == tr("en", "Only facilitators can do that.")
    assert not any(m.photo for m in mihai.inbox())


async def test_network_admin_reads_totals_and_any_hub(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    _g1, _f1, members1, _c1 = await hub_for(telegram, "en", "Chisinau mentors", 2)
    _g2, _f2, _members2, c2 = await hub_for(telegram, "en", "Balti mentors", 1)
    await members1[0].send(f"/start {c2}")  # in both hubs: counted once in the totals
    ada = telegram.user("Ada", user_id=ADMIN_ID, language_code="ar")
    await ada.send("/start")
    await ada.send("/stats")
    picker = ada.last()
    assert picker.text == plain(tr("ar", "Which figures would you like to see?")) or has(
        picker.text, tr("ar", "Which figures would you like to see?")
    )
    before = len(ada.inbox())
    await ada.press(picker, tr("ar", "🌐 Whole network"))
    assert has(picker.text, tr("ar", "📊 <b>The whole network</b>: {count} hubs", count=2))
    # Olga ×2, Fatima ×2 (each a different person), 3 members, one of them in both hubs.
    assert has(
        picker.text,
        tr("ar", "👥 {count} members; {reachable} can get messages from me.", count=7, reachable=5),
    )
    [chart] = stats_messages(ada, before)
    check_chart(chart, "ar")

    await ada.send("/stats")
    await ada.press(ada.last(), "Balti mentors")
    assert has(ada.inbox()[-2].text, tr("ar", "📊 Figures for <b>{hub}</b>", hub="Balti mentors"))
    check_chart(ada.last(), "ar")


async def test_another_hubs_facilitator_and_forged_buttons_are_refused(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    g1, fatima, _m1, _c1 = await hub_for(telegram, "en", "Chisinau mentors", 1)
    g2, _f2, _m2, _c2 = await hub_for(telegram, "ru", "Balti mentors", 1)
    other = await bot.services.hubs.for_chat(g2.id)
    assert other is not None
    # In the other hub's group (she is in it, but not its facilitator): not her hub.
    g2.add_member(fatima)
    await fatima.send("/stats", chat=g2)
    assert has(g2.last().text, tr("en", "Only this hub's facilitators can do that."))
    assert g2.last().photo is None
    # Forged buttons on her own message.
    await fatima.send("/stats")
    own = [m for m in fatima.inbox() if m.text and not m.photo][-1]
    count = len(fatima.inbox())
    answer = await fatima.press_data(own, f"st:h:{other.id}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("en", "Only this hub's facilitators can do that.")
    answer = await fatima.press_data(own, "st:n")  # the network totals: admins only
    assert answer is not None and answer.text == tr("en", "Only facilitators can do that.")
    for data in ("st:h:99999", "st:h:abc", "st:x:1", "st", "st:h:1:2"):
        answer = await fatima.press_data(own, data)
        assert answer is not None and answer.text == tr("en", "This button is no longer valid.")
    assert len(fatima.inbox()) == count  # nothing sent, nothing changed
    assert not any(m.photo for m in g1.inbox()) and not any(m.photo for m in g2.inbox())


async def test_a_facilitator_of_two_hubs_picks_one(bot: RunningBot, telegram: FakeTelegram) -> None:
    g1, fatima, _m1, _c1 = await hub_for(telegram, "he", "Chisinau mentors", 1)
    founder = telegram.user("Ion", language_code="en")
    g2 = await make_hub(telegram, founder, "Balti mentors")
    await founder.send("/invite", chat=g2)
    code = invite_link(telegram, g2.last().text).rsplit("=", 1)[1]
    await fatima.send(f"/start {code}")
    g2.add_member(fatima)
    await founder.send(f"/promote {fatima.id}", chat=g2)

    await fatima.send("/stats")
    picker = fatima.last()
    assert has(picker.text, tr("he", "Which figures would you like to see?"))
    labels = [b.text for row in picker.buttons for b in row]
    assert sorted(labels) == ["Balti mentors", "Chisinau mentors"]  # no network totals
    before = len(fatima.inbox())
    balti = picker.button("Balti mentors").callback_data
    assert balti is not None
    await fatima.press(picker, "Balti mentors")
    assert has(picker.text, tr("he", "📊 Figures for <b>{hub}</b>", hub="Balti mentors"))
    # Ion and Fatima; Ion never opened a private chat
    assert has(
        picker.text,
        tr("he", "👥 {count} members; {reachable} can get messages from me.", count=2,
           reachable=1),
    )  # fmt: skip
    [chart] = stats_messages(fatima, before)
    check_chart(chart, "he")
    # Once she no longer facilitates Balti, the same button (pressed again) is refused.
    await founder.send(f"/demote {fatima.id}", chat=g2)
    count = len(fatima.inbox())
    answer = await fatima.press_data(picker, balti)
    assert answer is not None and answer.show_alert
    assert has(answer.text or "", tr("he", "Only this hub's facilitators can do that."))
    assert len(fatima.inbox()) == count
    assert not any(m.photo for m in g1.inbox())
