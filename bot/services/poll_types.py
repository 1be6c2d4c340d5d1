"""Quick polls as the rest of the bot sees them: views, results, limits, errors, validation.

Limits come from python-telegram-bot's ``PollLimit`` (Telegram's own numbers), never typed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram.constants import PollLimit

from bot.i18n import _

# Telegram accepts a one-option poll since Bot API 10.0 (PTB 22.8: MIN_OPTION_NUMBER = 1), but a
# poll with one option asks nothing: the rule is at least two.
MIN_OPTIONS: int = max(2, PollLimit.MIN_OPTION_NUMBER)
MAX_OPTIONS: int = PollLimit.MAX_OPTION_NUMBER
MAX_QUESTION: int = PollLimit.MAX_QUESTION_LENGTH
MAX_OPTION: int = PollLimit.MAX_OPTION_LENGTH
MIN_OPEN_SECONDS: int = PollLimit.MIN_OPEN_PERIOD
MAX_OPEN_SECONDS: int = PollLimit.MAX_OPEN_PERIOD
OPEN, CLOSED = "open", "closed"
# Schedule kinds: a poll's closing time, and its one reminder to non-voters.
CLOSE_KIND = "poll_close"
REMIND_KIND = "poll_remind"


class PollError(Exception):
    """Bad input or a refused action; ``message`` is localised for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class PollView:
    id: int
    hub_id: int
    hub_name: str
    question: str
    options: tuple[str, ...]
    anonymous: bool
    multiple: bool
    private: bool  # sent to each member privately, not to the hub's group
    closes_at: datetime | None
    status: str  # 'open' | 'closed'
    created_at: datetime
    author_id: int = 0
    remind_at: datetime | None = None  # the one reminder to non-voters, once chosen


@dataclass(frozen=True, slots=True)
class Voter:
    user_id: int
    name: str


@dataclass(frozen=True, slots=True)
class PollReach:
    """How a private poll's fan-out went, one count per member it was meant for."""

    sent: int = 0
    blocked: int = 0  # blocked the bot
    not_started: int = 0  # never opened a private chat with the bot
    failed: int = 0  # any other refusal (an account deleted ...)
    waiting: int = 0  # still to send
    cancelled: int = 0  # not sent: the poll closed first

    @property
    def total(self) -> int:
        return (
            self.sent
            + self.blocked
            + self.not_started
            + self.failed
            + self.waiting
            + self.cancelled
        )

    @property
    def refused(self) -> int:
        return self.blocked + self.not_started + self.failed


@dataclass(frozen=True, slots=True)
class PollResults:
    counts: tuple[int, ...]  # per option, in the poll's order
    total: int  # people who voted (a multiple-answer vote counts once)
    voters: list[Voter] | None  # None for anonymous polls
    non_voters: list[Voter] | None  # None for anonymous polls
    reach: PollReach | None = None  # private polls: how the sending went


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clean_question(question: str) -> str:
    text = question.strip()
    if not text:
        raise PollError(_("Please write a question for the poll."))
    if _utf16(text) > MAX_QUESTION:
        raise PollError(
            _(
                "The question is too long: Telegram allows up to {limit} characters.",
                limit=MAX_QUESTION,
            )
        )
    return text


def clean_options(options: Sequence[str]) -> tuple[str, ...]:
    texts = tuple(option.strip() for option in options if option.strip())
    if len(texts) < MIN_OPTIONS:
        raise PollError(_("A poll needs at least {count} options.", count=MIN_OPTIONS))
    if len(texts) > MAX_OPTIONS:
        raise PollError(_("Telegram allows at most {count} options in a poll.", count=MAX_OPTIONS))
    for text in texts:
        if _utf16(text) > MAX_OPTION:
            raise PollError(
                _(
                    "An option is too long: Telegram allows up to {limit} characters.",
                    limit=MAX_OPTION,
                )
            )
    seen: set[str] = set()
    for text in texts:
        key = text.casefold()
        if key in seen:
            raise PollError(_("The option “{option}” appears twice.", option=text))
        seen.add(key)
    return texts


def check_closes_at(closes_at: datetime | None, now: datetime) -> None:
    if closes_at is None:
        return
    if closes_at <= now:
        raise PollError(_("The closing time has already passed. Please choose a later one."))
    if (closes_at - now).total_seconds() < MIN_OPEN_SECONDS:
        raise PollError(_("The closing time is too soon. Please choose a later one."))
