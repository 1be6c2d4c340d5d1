"""Shared set-up for the prompt tests: a hub with a facilitator and members in several languages."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import BIDI_MARKS
from tests.conftest import RunningBot
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

PROMPT = "What did you notice in your mentee's lesson this week?"


@dataclass
class Hub:
    facilitator: SimUser
    group: SimGroup
    members: list[SimUser]
    hub_id: int


async def hub_with_members(
    bot: RunningBot,
    telegram: FakeTelegram,
    languages: tuple[str, ...] = ("ro", "he"),
    *,
    name: str = "Chisinau mentors",
    timezone: str | None = None,
    facilitator_language: str = "en",
) -> Hub:
    """A hub whose facilitator has opened a private chat, and members who joined by link."""
    olga = telegram.user("Olga", language_code=facilitator_language)
    await olga.send("/start")
    group = await make_hub(telegram, olga, name)
    await olga.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    members = []
    for index, language in enumerate(languages):
        member = telegram.user(f"Member{index}", language_code=language)
        await member.send(f"/start {code}")
        members.append(member)
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    if timezone is not None:
        await bot.services.hubs.set_timezone(hub.id, timezone)
    return Hub(olga, group, members, hub.id)


def prompts_received(user: SimUser, text: str = PROMPT) -> list[Msg]:
    """Prompt messages (they open with 💭), not the confirmation or a listing."""
    return [
        m for m in user.inbox() if m.text.lstrip(BIDI_MARKS).startswith("💭") and text in m.text
    ]


def nudges_received(user: SimUser, text: str = PROMPT) -> list[Msg]:
    return [
        m for m in user.inbox() if m.text.lstrip(BIDI_MARKS).startswith("🌱") and text in m.text
    ]
