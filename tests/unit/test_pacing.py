import asyncio
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.pacing import TelegramPacer


class FlakyEndpoint:
    """Answers 429 a given number of times, then succeeds; records when it was called."""

    def __init__(self, failures: int, retry_after: int = 1) -> None:
        self.failures = failures
        self.retry_after = retry_after
        self.calls: list[float] = []

    async def __call__(self) -> dict:
        self.calls.append(asyncio.get_running_loop().time())
        if len(self.calls) <= self.failures:
            raise RetryAfter(timedelta(seconds=self.retry_after))
        return {"ok": True}


async def test_non_sending_methods_pass_straight_through() -> None:
    pacer = TelegramPacer(1)
    endpoint = FlakyEndpoint(0)
    for _ in range(5):
        await pacer.process_request(endpoint, (), {}, "answerCallbackQuery", {}, None)
    assert len(endpoint.calls) == 5


async def test_a_429_pauses_that_chat_and_retries_once(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("bot.pacing.asyncio.sleep", fake_sleep)
    pacer = TelegramPacer(100)
    endpoint = FlakyEndpoint(1, retry_after=3)
    result = await pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert len(endpoint.calls) == 2
    assert slept and 2.5 < slept[0] <= 3


async def test_no_retries_when_the_caller_handles_429_itself() -> None:
    pacer = TelegramPacer(100)
    endpoint = FlakyEndpoint(1)
    with pytest.raises(RetryAfter):
        await pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": 5}, 0)
    assert len(endpoint.calls) == 1


async def test_a_paused_chat_does_not_hold_up_other_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    pacer = TelegramPacer(100)
    pacer.pause(5, 60)
    endpoint = FlakyEndpoint(0)
    await asyncio.wait_for(
        pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": 6}, None), 1
    )
    assert len(endpoint.calls) == 1
