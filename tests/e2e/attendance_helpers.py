"""Set-up for the attendance and feedback tests: a planned meeting, a clock past its start."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import MovableClock
from bot.i18n import ngettext, use_locale
from tests.conftest import RunningBot
from tests.e2e.meeting_helpers import START, TYPED, watch, with_text
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

STARTS_AT = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 18:00 in Chisinau (TYPED)


def ntr(locale: str, singular: str, plural: str, n: int, **params: object) -> str:
    """What the bot says for a counted message in ``locale``, as plain text."""
    with use_locale(locale):
        return re.sub(r"<[^>]+>", "", html.unescape(ngettext(singular, plural, n, **params)))


@dataclass
class Planned:
    bot: RunningBot
    telegram: FakeTelegram
    clock: MovableClock
    group: SimGroup
    facilitator: SimUser
    members: list[SimUser]
    meeting_id: int
    occurrence_id: int

    def copy(self, member: SimUser) -> Msg:
        """The member's private copy of the announcement (with the RSVP buttons)."""
        return with_text(member, "Peer observation")[0]

    def started(self, minutes: int = 10) -> None:
        self.clock.set(STARTS_AT + timedelta(minutes=minutes))

    async def feedback_on(self) -> None:
        await self.bot.services.db.execute("UPDATE hubs SET meeting_feedback = 1")

    async def attendance(self) -> dict[int, bool]:
        return await self.bot.services.attendance.marks(self.occurrence_id)

    async def settle(self) -> None:
        self.bot.services.delivery.wake()
        await self.telegram.settle()


async def planned(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    members: list[tuple[str, str]],
    *,
    facilitator: tuple[str, str] = ("Dana", "he"),
) -> Planned:
    """A hub founded by ``facilitator`` (name, language) with ``members`` who joined; a meeting
    on Thursday 3 December 2026 at 18:00 (Chisinau) announced to all of them."""
    clock = MovableClock(START)
    bot = await start_bot(clock=clock)
    watch(bot, telegram)
    name, language = facilitator
    founder = telegram.user(name, language_code=language)
    group = await make_hub(telegram, founder)
    await founder.send("/start")
    await founder.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    people = []
    for first_name, lang in members:
        member = telegram.user(first_name, language_code=lang)
        await member.send(f"/start {code}")
        group.add_member(member)
        people.append(member)
    await founder.send(f"/meeting {TYPED}")
    await telegram.settle()
    db = bot.services.db
    meeting_id = int(await db.fetch_value("SELECT MAX(id) FROM meetings"))
    occurrence_id = int(await db.fetch_value("SELECT MAX(id) FROM meeting_occurrences"))
    return Planned(bot, telegram, clock, group, founder, people, meeting_id, occurrence_id)


def member_buttons(message: Msg) -> dict[str, bool]:
    """The checklist as shown: name → marked present."""
    out = {}
    for row in message.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("ma:t:"):
                mark, _space, name = button.text.partition(" ")
                out[name] = mark == "✅"
    return out
