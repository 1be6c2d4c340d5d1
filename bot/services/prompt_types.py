"""What the prompts service hands out: views, figures, settings, a send's context, errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.db.prompts import PromptRow
from bot.services.prompt_fanout import prompt_text
from bot.services.prompt_rules import Recurrence


class PromptError(Exception):
    """A prompt that cannot be created or changed; ``message`` is in the reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PromptTextError(PromptError):
    """Empty, or longer than MAX_TEXT."""


@dataclass(frozen=True, slots=True)
class PromptView:
    id: int
    hub_id: int
    hub_name: str
    text: str  # as typed, or the library prompt's English text (use ``text_in``)
    library_key: str | None
    recurrence: Recurrence | None
    status: str
    next_run: datetime | None  # UTC
    timezone: str  # the hub's
    timing: str  # 'hub' | 'member'

    def text_in(self, locale: str) -> str:
        return prompt_text(self.text, self.library_key, locale)


@dataclass(frozen=True, slots=True)
class OccurrenceStats:
    occurrence: date  # local date
    sent: int
    answered: int
    skipped: int
    nudged: int
    skip_reason: str | None = None  # the whole occurrence was skipped ('holiday', 'late', ...)


@dataclass(frozen=True, slots=True)
class PromptSettings:
    timing: str
    nudge_hours: int


@dataclass(frozen=True, slots=True)
class Holiday:
    id: int
    first_day: date
    last_day: date


@dataclass(frozen=True, slots=True)
class SendContext:
    send_id: int
    prompt_id: int
    user_id: int
    hub_id: int
    hub_name: str
    prompt_status: str
    prompt_text: str  # in the member's language
    occurrence: date
    status: str  # sent | answered | skipped
    is_member: bool
    source_text: str = ""  # as stored: typed, or the library prompt's English text
    library_key: str | None = None

    def text_in(self, locale: str) -> str:
        """The prompt in ``locale`` (a library prompt translated), e.g. the hub's for a post."""
        return prompt_text(self.source_text or self.prompt_text, self.library_key, locale)


def view_of(row: PromptRow) -> PromptView:
    recurrence = (
        Recurrence.from_schedule(row.rule, row.at_local, row.weekdays)
        if row.rule and row.at_local
        else None
    )
    return PromptView(
        id=row.id,
        hub_id=row.hub_id,
        hub_name=row.hub_name,
        text=row.text,
        library_key=row.library_key,
        recurrence=recurrence,
        status=row.status,
        next_run=row.next_fire if row.status == "active" else None,
        timezone=row.hub_timezone,
        timing=row.prompt_timing,
    )
