"""Set-up for the reflection and journal tests: a hub whose members have received a prompt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.clock import MovableClock
from tests.conftest import RunningBot
from tests.e2e.prompt_helpers import PROMPT, Hub, hub_with_members, prompts_received
from tests.fakebot import FakeTelegram, Msg, SimUser

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 12:00 in Chisinau
FIRST_PROMPT = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 18:00 in Chisinau


@dataclass
class Prompted:
    bot: RunningBot
    telegram: FakeTelegram
    clock: MovableClock
    hub: Hub

    def prompt(self, member: SimUser, index: int = -1) -> Msg:
        return prompts_received(member)[index]

    def send_id(self, member: SimUser, index: int = -1) -> int:
        data = self.prompt(member, index).buttons[0][0].callback_data
        assert data is not None
        return int(data.rsplit(":", 1)[1])

    async def next_day(self) -> None:
        """The daily prompt's next occurrence goes out."""
        due = self.clock.now().replace(hour=16, minute=0, second=0) + timedelta(days=1)
        self.clock.set(due)
        await self.bot.services.scheduler.run_due()
        await self.telegram.settle()

    def later(self, minutes: float) -> None:
        self.clock.advance(timedelta(minutes=minutes))


async def prompted(
    start_bot,
    make_config,
    telegram: FakeTelegram,
    languages: tuple[str, ...] = ("ro", "he"),
) -> Prompted:
    """A hub with members in ``languages``; a daily 18:00 prompt has just reached them."""
    clock = MovableClock(MONDAY)
    bot: RunningBot = await start_bot(make_config(), clock)
    hub = await hub_with_members(bot, telegram, languages)
    await hub.facilitator.send(f"/prompt daily 18:00 {PROMPT}")
    clock.set(FIRST_PROMPT)
    assert await bot.services.scheduler.run_due() == 1
    await telegram.settle()
    for member in hub.members:
        assert len(prompts_received(member)) == 1
    return Prompted(bot, telegram, clock, hub)


async def send_status(world: Prompted, send_id: int) -> str:
    context = await world.bot.services.prompts.send_context(send_id)
    assert context is not None
    return context.status
