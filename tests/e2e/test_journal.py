"""/journal: the member's own reflections, newest first, paged; /journal export as a text file."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.handlers.common import plain_text
from bot.i18n import format_date, format_time, ngettext, use_locale
from tests.conftest import tr
from tests.e2e.prompt_helpers import PROMPT
from tests.e2e.reflection_helpers import Prompted, prompted
from tests.fakebot import FakeTelegram, SimUser

EMPTY = (
    "Your journal is empty for now. When a prompt arrives, reply to it or press ✍️ Answer: "
    "what you write is kept here, private to you."
)


def when(locale: str, moment: datetime, zone: str) -> str:
    with use_locale(locale):
        return tr(
            locale,
            "{date} at {time}",
            date=format_date(moment, zone, "long"),
            time=format_time(moment, zone),
        )


def page_line(locale: str, total: int, page: int, pages: int) -> str:
    with use_locale(locale):
        return ngettext(
            "{count} reflection · page {page} of {pages}",
            "{count} reflections · page {page} of {pages}",
            total,
            page=page,
            pages=pages,
        )


def pager(screen, more: str, back: str) -> list[str]:
    """The paging row's labels, in the order Telegram shows them."""
    for row in screen.buttons:
        labels = [b.text for b in row]
        if more in labels or back in labels:
            return labels
    return []


async def write_days(world: Prompted, member: SimUser, days: int) -> list[str]:
    """Answer ``days`` daily prompts, one a day; return the texts, oldest first."""
    texts = []
    for day in range(days):
        if day:
            await world.next_day()
        text = f"Day {day + 1}: what I noticed"
        await member.send(text, reply_to=world.prompt(member))
        texts.append(text)
    return texts


@pytest.mark.parametrize(("locale", "zone"), [("he", "Asia/Jerusalem"), ("ro", "Europe/Bucharest")])
async def test_journal_pages_newest_first_in_the_readers_language_and_zone(
    start_bot, make_config, telegram: FakeTelegram, locale: str, zone: str
) -> None:
    world = await prompted(start_bot, make_config, telegram, (locale, "en"))
    member, other = world.hub.members
    await member.send(f"/timezone {zone}")
    await member.send("/journal")
    assert member.last().text == tr(locale, EMPTY)

    texts = await write_days(world, member, 7)
    await other.send("Not in Noa's journal", reply_to=world.prompt(other))
    await member.send("/journal")
    screen = member.last()
    assert tr(locale, page_line(locale, 7, 1, 3)) in screen.text
    shown = re.findall(r"Day (\d)", screen.text)
    assert shown == ["7", "6", "5"]  # newest first
    assert PROMPT in screen.text
    # Day 7's prompt was answered at 18:00 in Chisinau on 13 December, in the reader's zone.
    answered = datetime(2026, 12, 13, 16, 0, tzinfo=UTC)
    assert when(locale, answered, zone) in screen.text
    assert "Not in Noa's journal" not in screen.text

    more, back = tr(locale, "More ▶"), tr(locale, "◀ Back")
    assert pager(screen, more, back) == [more]
    await member.press(screen, more)
    assert re.findall(r"Day (\d)", screen.text) == ["4", "3", "2"]
    # Telegram lays buttons out left to right: in RTL the "back" button is on the right.
    expected = [more, back] if locale == "he" else [back, more]
    assert pager(screen, more, back) == expected
    await member.press(screen, more)
    assert re.findall(r"Day (\d)", screen.text) == ["1"]
    assert tr(locale, page_line(locale, 7, 3, 3)) in screen.text
    await member.press(screen, back)
    assert re.findall(r"Day (\d)", screen.text) == ["4", "3", "2"]

    # Forged pages: past the end shows the last; not a number is a stale button.
    await member.press_data(screen, "jr:999")
    assert re.findall(r"Day (\d)", screen.text) == ["1"]
    answer = await member.press_data(screen, "jr:abc")
    assert answer is not None and answer.text == tr(locale, "This button is no longer valid.")
    assert len(texts) == 7

    # Any reflection on the page can be shared from here (once: its button then goes).
    await member.press_data(screen, "jr:0")
    await member.press(screen, tr(locale, "📣 Share {number}", number=2))
    await member.press(screen, tr(locale, "🕶 Anonymously"))
    post = world.hub.group.last().text
    assert "Day 6: what I noticed" in post and "Member0" not in post
    await member.send("/journal")
    shares = [b.text for row in member.last().buttons for b in row if "📣" in b.text]
    assert shares == [tr(locale, "📣 Share {number}", number=n) for n in (1, 3)]
    assert tr(locale, "📣 Shared anonymously") in member.last().text


async def test_export_is_a_utf8_text_file_of_everything(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("ar", "en"))
    layla, sam = world.hub.members
    await layla.send("/journal export")
    assert layla.last().text == tr("ar", EMPTY)

    await layla.send("لاحظت أن المتدربة أكثر ثقة.", reply_to=world.prompt(layla))
    await layla.send_voice(9)
    await layla.send_photo("سبورة الصف")
    await world.next_day()
    await layla.send("Second day, <b>not bold</b> & plain", reply_to=world.prompt(layla))
    await sam.send("Sam's own words", reply_to=world.prompt(sam))

    await layla.send("/journal export")
    document = layla.last()
    assert document.file_name == "journal.txt"
    assert document.document is not None and document.document["mime_type"] == "text/plain"
    with use_locale("ar"):
        caption = ngettext(
            "Your journal: {count} reflection, newest first.",
            "Your journal: {count} reflections, newest first.",
            2,
        )
    assert document.text == plain_text(caption)
    content = (document.file_bytes or b"").decode("utf-8")
    assert content.index("Second day, <b>not bold</b> & plain") < content.index(
        "لاحظت أن المتدربة أكثر ثقة."
    )
    assert PROMPT in content
    assert tr("ar", "[voice note]") in content
    assert tr("ar", "[photo]") + " سبورة الصف" in content
    assert "Sam's own words" not in content

    # The same from the journal's button.
    await layla.send("/journal")
    await layla.press(layla.last(), tr("ar", "📄 Export as a file"))
    assert layla.last().file_name == "journal.txt"


async def test_journal_in_a_group_points_to_the_private_chat(
    start_bot, make_config, telegram: FakeTelegram
) -> None:
    world = await prompted(start_bot, make_config, telegram, ("en",))
    olga, group = world.hub.facilitator, world.hub.group
    await olga.send("/journal", chat=group)
    assert tr("en", "Your journal is private: open it in our private chat.") in group.last().text
    await olga.send("/journal everything")
    assert olga.last().text == tr(
        "en", "Send /journal to read your reflections, or /journal export for a file."
    )
