import asyncio
import itertools
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.pacing import Slot, TelegramPacer


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


async def test_a_short_429_pauses_that_chat_and_retries_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("bot.pacing.asyncio.sleep", fake_sleep)
    pacer = TelegramPacer(100)
    endpoint = FlakyEndpoint(1, retry_after=1)
    result = await pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert len(endpoint.calls) == 2
    assert slept and 0.5 < slept[0] <= 1


async def test_a_long_429_is_not_waited_out_in_place() -> None:
    """An update handler must not sit out a 57 s flood wait: the caller gets the 429 at once."""
    pacer = TelegramPacer(100)
    endpoint = FlakyEndpoint(1, retry_after=57)
    with pytest.raises(RetryAfter):
        await asyncio.wait_for(
            pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": -5}, None), 1
        )
    assert len(endpoint.calls) == 1
    assert 56 < pacer.ready_in(-5) <= 57
    # and the next direct request to that chat is refused without troubling Telegram
    with pytest.raises(RetryAfter):
        await pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": -5}, None)
    assert len(endpoint.calls) == 1


async def test_no_retries_when_the_worker_took_the_slot_itself() -> None:
    pacer = TelegramPacer(100)
    endpoint = FlakyEndpoint(1)
    with pytest.raises(RetryAfter):
        await pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": 5}, Slot.ALL)
    assert len(endpoint.calls) == 1
    assert pacer.ready_in(5) > 0


def test_slot_markers_survive_ptb_dropping_falsy_rate_limit_args() -> None:
    """PTB ignores a falsy ``rate_limit_args`` (``if not rate_limit_args``): 0 was lost."""
    assert all(bool(slot) for slot in Slot)


def test_chat_slots_are_spaced_to_the_sub_second(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.pacing.time.monotonic", lambda: now[0])
    pacer = TelegramPacer(30, private_chat_per_second=1, group_per_minute=20)
    assert pacer.claim(42)
    now[0] += 0.99
    assert not pacer.claim(42)
    assert pacer.ready_in(42) == pytest.approx(0.01)
    now[0] += 0.01
    assert pacer.claim(42)  # a private chat: one a second, never a truncated 0-1 s


def test_a_group_takes_twenty_a_minute_a_second_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.pacing.time.monotonic", lambda: now[0])
    pacer = TelegramPacer(30, private_chat_per_second=1, group_per_minute=20)
    taken = []
    for _ in range(40):
        if pacer.claim(-7):
            taken.append(now[0])
        now[0] += 0.5
    assert len(taken) == 20  # in the first 20 s: twenty, each a second after the last
    assert all(b - a >= 1 for a, b in itertools.pairwise(taken))
    assert pacer.ready_in(-7) == pytest.approx(taken[0] + 60 - now[0])
    now[0] = taken[0] + 60
    assert pacer.claim(-7)  # the first has left the minute
    # in any sixty seconds, never more than twenty
    assert all(sum(1 for t in taken if s <= t < s + 60) <= 20 for s in taken)


async def test_a_direct_send_counts_against_the_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replies and the worker share a group's budget."""
    now = [1000.0]
    monkeypatch.setattr("bot.pacing.time.monotonic", lambda: now[0])
    pacer = TelegramPacer(100, group_per_minute=20)
    await pacer.process_request(FlakyEndpoint(0), (), {}, "editMessageText", {"chat_id": -9}, None)
    assert not pacer.claim(-9)
    assert pacer.ready_in(-9) == pytest.approx(1)


async def test_a_paused_chat_does_not_hold_up_other_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    pacer = TelegramPacer(100)
    pacer.pause(5, 60)
    endpoint = FlakyEndpoint(0)
    await asyncio.wait_for(
        pacer.process_request(endpoint, (), {}, "sendMessage", {"chat_id": 6}, None), 1
    )
    assert len(endpoint.calls) == 1


def test_a_private_reply_may_borrow_a_little_of_the_chats_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A button press and a command a moment apart are both answered at once."""
    now = [1000.0]
    monkeypatch.setattr("bot.pacing.time.monotonic", lambda: now[0])
    pacer = TelegramPacer(30, private_chat_per_second=1, group_per_minute=20)
    assert [pacer.claim_reply(42) for _ in range(4)] == [True, True, True, False]
    assert not pacer.claim(42)  # the worker does not borrow
    assert pacer.claim_reply(-42)
    assert not pacer.claim_reply(-42)  # a group does not borrow: a second apart
