"""Shared set-up for the meeting tests: a hub with members, a movable clock, the post editor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot import i18n
from bot.clock import MovableClock
from tests.conftest import RunningBot
from tests.e2e.test_broadcasts import hub_with_members
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TYPED = "2026-12-03 18:00 90m Peer observation | Room 12, Holon"


async def meeting_hub(
    start_bot: Callable[..., Any],
    telegram: FakeTelegram,
    languages: tuple[str, ...] = ("he", "en"),
    *,
    interval: float = 0.0,
    clock: MovableClock | None = None,
) -> tuple[RunningBot, MovableClock, SimGroup, SimUser, list[SimUser]]:
    """The bot on a movable clock; a hub (zone Europe/Chisinau) with a facilitator and members."""
    clock = clock or MovableClock(START)
    bot = await start_bot(clock=clock)
    watch(bot, telegram, interval)
    _founder, group, fatima, members = await hub_with_members(telegram, languages)
    return bot, clock, group, fatima, members


def watch(bot: RunningBot, telegram: FakeTelegram, interval: float = 0.0) -> None:
    """Settling waits for the group post's pending edits too."""
    bot.services.meetings.posts.interval = interval
    telegram.settle_hooks.append(bot.services.meetings.posts.idle)


async def run_due(bot: RunningBot, telegram: FakeTelegram) -> None:
    await bot.services.scheduler.run_due()
    bot.services.delivery.wake()
    await telegram.settle()


def with_text(user: SimUser | SimGroup, text: str) -> list[Msg]:
    return [m for m in user.inbox() if text in m.text]


def shown_time(locale: str, moment: datetime, zone: str = "Europe/Chisinau") -> str:
    """A time as the bot shows it to a reader in ``locale`` (bidi marks aside)."""
    with i18n.use_locale(locale):
        return i18n.format_time(moment, zone)
