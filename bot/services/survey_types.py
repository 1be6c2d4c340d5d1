"""Surveys as the rest of the bot sees them: views, limits, errors, validation.

A survey is several questions (single choice, multiple choice, a 1–5 scale, free text) sent
privately to every member of a hub (or of every hub), open from ``opens_at`` until the deadline
``closes_at``. See ``bot/db/migrations/0012_surveys.sql`` for the anonymity model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from bot.i18n import _

QuestionKind = Literal["single", "multiple", "scale", "text"]
KINDS: tuple[QuestionKind, ...] = ("single", "multiple", "scale", "text")
Status = Literal["scheduled", "open", "closed", "cancelled"]
SCHEDULED, OPEN, CLOSED, CANCELLED = "scheduled", "open", "closed", "cancelled"

MAX_QUESTIONS = 20
MAX_OPTIONS = 10
MIN_OPTIONS = 2
MAX_TITLE_LENGTH = 200
MAX_QUESTION_LENGTH = 300
MAX_OPTION_LENGTH = 100
MAX_TEXT_ANSWER = 2000
SCALE = (1, 5)
MAX_REMINDERS = 5


class SurveyError(Exception):
    """Bad input or a refused action; ``message`` is localised for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class QuestionDraft:
    kind: QuestionKind
    text: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionView:
    id: int
    position: int  # 1..n
    kind: QuestionKind
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SurveyView:
    id: int
    hub_id: int | None  # None: every hub (a network admin's survey)
    hub_name: str  # "" for every hub
    title: str
    anonymous: bool
    opens_at: datetime  # aware, UTC
    closes_at: datetime  # aware, UTC: the deadline
    reminders: tuple[timedelta, ...]  # before the deadline, largest first
    before_id: int | None  # this survey is the "after" of that one
    status: Status
    author_id: int
    created_at: datetime
    questions: tuple[QuestionView, ...]

    @property
    def ref(self) -> str:
        """How the bot names a survey in messages and /results: ``s<id>``."""
        return f"s{self.id}"


@dataclass(frozen=True, slots=True)
class SurveyProgress:
    invited: int
    finished: int
    in_progress: int  # invited, not finished, with at least one draft answer


# An answer as stored (JSON): option indexes for choices, an int for a scale, a str for text.
AnswerValue = list[int] | int | str


def clean_title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise SurveyError(_("Please give the survey a title."))
    if len(text) > MAX_TITLE_LENGTH:
        raise SurveyError(
            _("The title is too long: up to {limit} characters, please.", limit=MAX_TITLE_LENGTH)
        )
    return text


def check_question(draft: QuestionDraft) -> QuestionDraft:
    """Trim and validate one question; raise ``SurveyError`` with a clear, localised message."""
    if draft.kind not in KINDS:
        raise SurveyError(_("This kind of question is not known."))
    text = draft.text.strip()
    if not text:
        raise SurveyError(_("Please write the question."))
    if len(text) > MAX_QUESTION_LENGTH:
        raise SurveyError(
            _(
                "The question is too long: up to {limit} characters, please.",
                limit=MAX_QUESTION_LENGTH,
            )
        )
    if draft.kind not in ("single", "multiple"):
        return replace(draft, text=text, options=())
    options = tuple(option.strip() for option in draft.options if option.strip())
    if len(options) < MIN_OPTIONS:
        raise SurveyError(_("A choice question needs at least {count} options.", count=MIN_OPTIONS))
    if len(options) > MAX_OPTIONS:
        raise SurveyError(_("A question can have at most {count} options.", count=MAX_OPTIONS))
    seen: set[str] = set()
    for option in options:
        if len(option) > MAX_OPTION_LENGTH:
            raise SurveyError(
                _(
                    "An option is too long: up to {limit} characters, please.",
                    limit=MAX_OPTION_LENGTH,
                )
            )
        key = option.casefold()
        if key in seen:
            raise SurveyError(_("The option “{option}” appears twice.", option=option))
        seen.add(key)
    return QuestionDraft(draft.kind, text, options)


def check_questions(drafts: Sequence[QuestionDraft]) -> tuple[QuestionDraft, ...]:
    if not drafts:
        raise SurveyError(_("A survey needs at least one question."))
    if len(drafts) > MAX_QUESTIONS:
        raise SurveyError(_("A survey can have at most {count} questions.", count=MAX_QUESTIONS))
    return tuple(check_question(draft) for draft in drafts)


def check_times(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    """The deadline must be in the future and after the opening (aware datetimes)."""
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise ValueError("survey times must be aware datetimes")
    if closes_at <= now:
        raise SurveyError(_("The deadline has already passed. Please choose a later one."))
    if closes_at <= opens_at:
        raise SurveyError(_("The deadline must come after the survey opens."))


def check_reminders(
    reminders: Sequence[timedelta], opens_at: datetime, closes_at: datetime
) -> tuple[timedelta, ...]:
    """Distinct positive offsets before the deadline, each after the opening; largest first."""
    offsets = sorted(set(reminders), reverse=True)
    if len(offsets) > MAX_REMINDERS:
        raise SurveyError(_("Please choose at most {count} reminders.", count=MAX_REMINDERS))
    for offset in offsets:
        if offset <= timedelta(0) or offset.total_seconds() % 60:
            raise SurveyError(
                _("A reminder must come a whole number of minutes before the deadline.")
            )
        if closes_at - offset <= opens_at:
            raise SurveyError(_("A reminder would come before the survey opens."))
    return tuple(offsets)


class SurveyClosedError(SurveyError):
    """An answer after the deadline: the handler says when it closed, in the reader's zone."""

    def __init__(self, message: str, closed_on: datetime) -> None:
        super().__init__(message)
        self.closed_on = closed_on


@dataclass(frozen=True, slots=True)
class AnswerState:
    """Where one member stands in a survey: the survey and their draft answers by question id.

    A draft of ``None`` is a skipped question; a question with no draft is not answered yet.
    """

    survey: SurveyView
    drafts: dict[int, object]

    def first_unanswered(self) -> int | None:
        """The position of the first question with no draft (None: all answered or skipped)."""
        for question in self.survey.questions:
            if question.id not in self.drafts:
                return question.position
        return None
