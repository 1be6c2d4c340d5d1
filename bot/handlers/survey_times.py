"""The timing steps of the /survey builder (opening, deadline, reminders) and what every step
shares: the clock, the zone, what typed text means next, and showing a screen.

``survey_steps.Flow`` builds on ``FlowBase`` with the questions, the preview and Confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import AWAITING, BotContext
from bot.handlers import flow_words as words
from bot.handlers import survey_preview as later
from bot.handlers import survey_screens as screens
from bot.handlers.common import edit_or_reply, reply
from bot.handlers.flows import FlowState
from bot.handlers.survey_screens import Draft, Scope
from bot.services.survey_types import SurveyError, check_reminders, check_times

DRAFT = "survey-draft"  # user_data: the Draft of the current flow
AWAIT = "survey-flow"  # AWAITING = (AWAIT, flow, "title" | "question" | "option" | ...)
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
FAR = timedelta(days=366)  # an opening or deadline at most a year ahead

STATE = FlowState(DRAFT, AWAIT)
stop_awaiting = STATE.stop_awaiting
end_flow = STATE.end


def parse_clock(text: str) -> time | None:
    match = _TIME.fullmatch(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return time(int(match[1]), int(match[2]))


@dataclass
class FlowBase:
    """One step of a person's flow: the update, and a draft they may still run."""

    update: Update
    context: BotContext
    draft: Draft
    scope: Scope

    async def next_step(self, note: str | None = None) -> None:
        raise NotImplementedError

    def now(self) -> datetime:
        return self.context.services.scheduler.clock.now()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.scope.zone)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def awaiting(self, step: str | None) -> None:
        user_data = self.context.user_data
        if step is None:
            stop_awaiting(self.context)
        elif user_data is not None:
            user_data[AWAITING] = (AWAIT, self.draft.flow, step)

    async def alert(self, text: str) -> None:
        """Answer a press with a message to dismiss; typed input with a reply."""
        query = self.update.callback_query
        if query is not None:
            await query.answer(text, show_alert=True)
        else:
            await reply(self.update, text)

    async def show(self, screen: tuple[str, object]) -> None:
        """A press edits the flow's message; typed input gets a new one (below what was typed)."""
        text, markup = screen
        query = self.update.callback_query
        if query is not None:
            await query.answer()
            await edit_or_reply(self.update, text, markup)  # type: ignore[arg-type]
        else:
            await reply(self.update, text, markup)  # type: ignore[arg-type]

    def at(self, day: date, clock: str) -> datetime:
        parsed = parse_clock(clock)
        assert parsed is not None
        return datetime.combine(day, parsed, self.zone)

    def opens_at(self) -> datetime | None:
        """The chosen opening; None for "now". "Tomorrow 09:00" was fixed when it was chosen:
        the preview's time is what Confirm creates, even past midnight."""
        return self.draft.opens_at if self.draft.opens in ("tom", "at") else None

    def start(self) -> datetime:
        return self.opens_at() or self.now()

    def closes_at(self) -> datetime | None:
        if self.draft.closes in screens.DEADLINES:
            return self.start() + screens.DEADLINES[self.draft.closes]
        return self.draft.closes_at if self.draft.closes == "at" else None

    def offsets(self, keys: set[str]) -> list[timedelta]:
        return [screens.REMINDERS[key] for key in screens.REMINDERS if key in keys]

    def moment_problem(self, day: date | None, typed: str, moment: datetime | None) -> str | None:
        today = self.today()
        if day is None:
            return words.date_unreadable(typed, today + timedelta(days=7))
        if moment is None:
            return words.time_unreadable(typed.split()[-1])
        if day < today:
            return words.date_passed(day)
        if moment <= self.now():
            return words.time_passed(moment.strftime("%H:%M"), self.scope.zone)
        if moment > self.now() + FAR:
            return words.date_too_far()
        return None

    def parse_moment(self, typed: str, default: str) -> tuple[datetime | None, str | None]:
        """``YYYY-MM-DD [HH:MM]`` in the scope's zone: the moment, or what is wrong with it."""
        parts = typed.replace("T", " ").split()
        day = words.parse_date(parts[0]) if 1 <= len(parts) <= 2 else None
        clock = parse_clock(parts[1] if len(parts) == 2 else default) if day else None
        moment = datetime.combine(day, clock, self.zone) if day and clock else None
        problem = self.moment_problem(day, typed, moment)
        return (moment, None) if problem is None else (None, problem)

    async def ask_moment(self, what: str, note: str | None = None) -> None:
        self.awaiting(what)
        if what == "opens":
            example = self.at(self.today() + timedelta(days=2), screens.OPEN_AT)
        else:
            example = self.at(
                self.start().astimezone(self.zone).date() + timedelta(days=7), "18:00"
            )
        typed = example.strftime("%Y-%m-%d %H:%M")
        await self.show(later.typed_moment_screen(self.draft, self.scope, what, typed, note))

    async def on_anonymous(self, arg: str) -> bool:
        if not self.draft.questions_done or arg not in ("0", "1"):
            return False
        self.draft.anonymous = arg == "1"
        await self.next_step()
        return True

    async def on_opens(self, arg: str) -> bool:
        if self.draft.anonymous is None or arg not in ("now", "tom", "at"):
            return False
        if arg == "at":
            await self.ask_moment("opens")
            return True
        tomorrow = self.at(self.today() + timedelta(days=1), screens.OPEN_AT)
        self.draft.opens, self.draft.opens_at = arg, tomorrow if arg == "tom" else None
        await self.next_step()
        return True

    async def on_closes(self, arg: str) -> bool:
        if self.draft.opens is None or arg not in (*screens.DEADLINES, "at"):
            return False
        if arg == "at":
            await self.ask_moment("closes")
            return True
        self.draft.closes, self.draft.closes_at = arg, None
        await self.next_step()
        return True

    async def on_reminder(self, arg: str) -> bool:
        draft = self.draft
        closes_at = self.closes_at()
        if closes_at is None or draft.reminders_done or arg not in screens.REMINDERS:
            return False
        if arg not in draft.reminders:  # taking one off is always fine
            try:
                check_reminders(self.offsets(draft.reminders | {arg}), self.start(), closes_at)
            except SurveyError as exc:
                await self.alert(exc.message)
                return True
        draft.reminders ^= {arg}
        await self.next_step()
        return True

    async def on_reminders_done(self, _arg: str) -> bool:
        if self.draft.closes is None or self.draft.reminders_done:
            return False
        self.draft.reminders_done = True
        await self.next_step()
        return True

    async def on_change(self, arg: str) -> bool:
        draft = self.draft
        if not draft.reminders_done or arg not in ("r", "op", "cl"):
            return False
        if arg == "r":
            draft.reminders_done = False
        elif arg == "op":
            draft.opens, draft.opens_at = None, None
        else:
            draft.closes, draft.closes_at = None, None
        await self.next_step()
        return True

    async def typed_moment(self, step: str, text: str) -> None:
        draft = self.draft
        if step == "opens":
            moment, problem = self.parse_moment(text, screens.OPEN_AT)
            if moment is None:
                await self.ask_moment("opens", problem)
                return
            draft.opens, draft.opens_at = "at", moment
        else:
            moment, problem = self.parse_moment(text, screens.CLOSE_AT)
            if moment is not None:
                try:
                    check_times(self.start(), moment, self.now())
                except SurveyError as exc:
                    moment, problem = None, exc.message
            if moment is None:
                await self.ask_moment("closes", problem)
                return
            draft.closes, draft.closes_at = "at", moment
        await self.next_step()
