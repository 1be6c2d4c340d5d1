"""The group post's editor: coalesced, paced, and never an edit that changes nothing."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from telegram.error import BadRequest

from bot.services.meeting_post import PostEditor


class FakeTime:
    """Time that moves only when the editor sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Condition()

    def __call__(self) -> float:
        return self.now

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        async with self._moved:
            self._moved.notify_all()
        for _ in range(5):
            await asyncio.sleep(0)  # let the woken editor run; no real time passes

    async def sleep(self, seconds: float) -> None:
        """Returns once the test moved the time past the wake-up."""
        wake = self.now + seconds
        async with self._moved:
            await self._moved.wait_for(lambda: self.now >= wake)


class StubBot:
    def __init__(self, clock: FakeTime) -> None:
        self.clock = clock
        self.edits: list[tuple[float, str]] = []
        self.shown = "<b>Talk</b>\n\nGoing: 0"

    async def edit_message_text(self, text: str, **kwargs: Any) -> None:
        if text == self.shown:
            raise BadRequest("Message is not modified")
        self.shown = text
        self.edits.append((self.clock.now, text))


async def test_a_burst_is_coalesced_and_paced() -> None:
    clock = FakeTime()
    bot = StubBot(clock)
    going = {"n": 0}

    async def render(occurrence_id: int) -> tuple[int, int, str, None]:
        return -100, 7, f"<b>Talk</b>\n\nGoing: {going['n']}", None

    async def sent(occurrence_id: int) -> str:
        return "<b>Talk</b>\n\nGoing: 0"

    editor = PostEditor(bot, render, sent, interval=0.2, monotonic=clock, sleep=clock.sleep)
    for _ in range(30):
        going["n"] += 1
        editor.touch(1)
        await clock.advance(0.01)
    await clock.advance(1)  # the last pending edit is due
    await editor.idle()
    assert 2 <= len(bot.edits) <= 3  # 30 changes in 0.3 s, one edit per 0.2 s at most
    times = [at for at, _text in bot.edits]
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(times))
    assert bot.edits[-1][1].endswith("Going: 30")
    assert editor.edits == len(bot.edits)

    # Nothing changed since the last edit: no request at all.
    editor.touch(1)
    await clock.advance(1)
    await editor.idle()
    assert editor.edits == len(bot.edits)


async def test_counts_back_to_what_was_sent_make_no_edit() -> None:
    clock = FakeTime()
    bot = StubBot(clock)

    async def render(occurrence_id: int) -> tuple[int, int, str, None]:
        return -100, 7, "<b>Talk</b>\n\nGoing: 0", None

    async def sent(occurrence_id: int) -> str:
        return "<b>Talk</b>\n\nGoing: 0"

    editor = PostEditor(bot, render, sent, interval=0, monotonic=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    editor.touch(1)
    await editor.idle()
    assert bot.edits == []


async def test_a_post_not_sent_yet_is_tried_again_later() -> None:
    clock = FakeTime()
    bot = StubBot(clock)
    ready = {"sent": False}

    async def render(occurrence_id: int) -> tuple[int, int, str, None] | None:
        return (-100, 7, "<b>Talk</b>\n\nGoing: 1", None) if ready["sent"] else None

    async def sent(occurrence_id: int) -> str:
        return "<b>Talk</b>\n\nGoing: 0"

    editor = PostEditor(bot, render, sent, interval=0.05, monotonic=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    editor.touch(1)
    await asyncio.sleep(0)
    ready["sent"] = True
    await clock.advance(1)
    await editor.idle()
    assert [text for _at, text in bot.edits] == ["<b>Talk</b>\n\nGoing: 1"]
