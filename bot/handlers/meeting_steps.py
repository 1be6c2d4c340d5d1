"""The steps of the guided /meeting flow: what each press or typed answer does to the draft.

A ``Flow`` is built for one update once the person's role on the draft's hub has been checked
(``meeting_flow`` does that on every press and every typed answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.handlers import meeting_screens as screens
from bot.handlers import meeting_words as words
from bot.handlers.common import edit_or_reply, reply
from bot.handlers.flows import FlowState
from bot.handlers.meeting_screens import Draft
from bot.handlers.meeting_words import (
    packed_date,
    parse_date,
    parse_duration,
    place_problem,
    title_problem,
)
from bot.services.meeting_types import (
    MAX_PLACE,
    MAX_TITLE,
    MeetingError,
)
from bot.services.prompt_rules import parse_time

DRAFT = "meeting-draft"  # user_data: the Draft of the current flow
AWAIT = "meeting-flow"  # AWAITING = (AWAIT, flow, "title" | "date" | "time" | ...)
_DURATION = re.compile(r"(?:(\d{1,3})\s*h)?\s*(?:(\d{1,4})\s*(?:m|min)?)?")
_HOURS_MINUTES = re.compile(r"(\d{1,2}):(\d{2})")


STATE = FlowState(DRAFT, AWAIT)
stop_awaiting = STATE.stop_awaiting
end_flow = STATE.end


@dataclass
class Flow:
    """One step of a person's flow: the update, and a draft whose hub they may still run."""

    update: Update
    context: BotContext
    draft: Draft
    hub: HubRow

    # -- helpers

    def now(self) -> datetime:
        return self.context.services.scheduler.clock.now()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hub.timezone)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def awaiting(self, step: str | None) -> None:
        """What typed text means now: the title, a date, a time, ... or nothing."""
        user_data = self.context.user_data
        if step is None:
            stop_awaiting(self.context)
        elif user_data is not None:
            user_data[AWAITING] = (AWAIT, self.draft.flow, step)

    async def answer(self, alert: str | None = None) -> None:
        """Answer a press: silently, or with an alert the person must dismiss."""
        query = self.update.callback_query
        if query is not None:
            await (query.answer() if alert is None else query.answer(alert, show_alert=True))

    async def show(self, screen: tuple[str, InlineKeyboardMarkup | None]) -> None:
        """A press edits the flow's message; typed input gets a new one (below what was typed)."""
        await self.answer()
        text, markup = screen
        if self.update.callback_query is not None:
            await edit_or_reply(self.update, text, markup)
        else:
            await reply(self.update, text, markup)

    def at(self, day: date, slot: str) -> datetime:
        start = Draft(0, day=day, at=slot).start(self.zone)
        assert start is not None
        return start

    def slots(self, day: date) -> list[str]:
        """The quick times still ahead on ``day``."""
        return [slot for slot in screens.SLOTS if self.at(day, slot) > self.now()]

    def date_problem(self, day: date | None, typed: str) -> str | None:
        today = self.today()
        if day is None:
            return words.date_unreadable(typed, today + timedelta(days=7))
        if day < today:
            return words.date_passed(day)
        if day > today + timedelta(days=screens.SERIES_DAYS):
            return words.date_too_far()
        return None

    def time_problem(self, at: str | None, typed: str) -> str | None:
        if at is None:
            return words.time_unreadable(typed)
        day = self.draft.day
        if day is not None and self.at(day, at) <= self.now():
            return words.time_passed(at, self.hub.timezone)
        return None

    def until_problem(self, until: date | None, typed: str) -> str | None:
        first = self.draft.day
        assert first is not None
        if until is None:
            return words.date_unreadable(typed, first + timedelta(weeks=8))
        if until < first:
            return words.until_before(first)
        if until > first + timedelta(days=screens.SERIES_DAYS):
            return words.until_too_far()
        return None

    # -- the screens

    async def show_title(self, intro: list[str] | None = None) -> None:
        self.awaiting("title")
        text, markup = screens.title_screen(self.draft, self.hub, MAX_TITLE)
        await self.show(("\n\n".join([*(intro or []), text]), markup))

    async def show_date(self, note: str | None = None) -> None:
        self.awaiting("date")
        today = self.today()
        days = [today + timedelta(days=n) for n in range(screens.DATE_BUTTONS + 1)]
        if not self.slots(today):
            days = days[1:]  # no quick time is left today
        example = today + timedelta(days=7)
        days = days[: screens.DATE_BUTTONS]
        await self.show(screens.date_screen(self.draft, days, example, note))

    async def show_time(self, note: str | None = None) -> None:
        self.awaiting("time")
        assert self.draft.day is not None
        slots = self.slots(self.draft.day)
        await self.show(screens.time_screen(self.draft, self.hub, slots, note))

    async def show_duration(self, note: str | None = None) -> None:
        self.awaiting("duration")
        await self.show(screens.duration_screen(self.draft, note))

    async def show_place(self, note: str | None = None) -> None:
        self.awaiting("place")
        await self.show(screens.place_screen(self.draft, MAX_PLACE, note))

    async def show_repeat(self) -> None:
        self.awaiting(None)
        await self.show(screens.repeat_screen(self.draft))

    async def show_until(self, note: str | None = None) -> None:
        self.awaiting("until")
        first = self.draft.day
        assert first is not None
        example = first + timedelta(weeks=8)
        await self.show(
            screens.until_screen(self.draft, screens.until_choices(self.draft), example, note)
        )

    async def show_preview(self, note: str | None = None) -> None:
        self.awaiting(None)
        start = self.draft.start(self.zone)
        assert start is not None
        offsets = await self.context.services.meeting_settings.reminder_offsets(self.hub.id)
        reader = self.context.viewer.timezone
        await self.show(screens.preview_screen(self.draft, self.hub, start, reader, offsets, note))

    async def after(self, _step: str) -> None:
        """The first step still missing after ``_step``; the preview once none is."""
        draft = self.draft
        missing = (
            (draft.title is None, self.show_title),
            (draft.day is None, self.show_date),
            (draft.at is None, self.show_time),
            (draft.minutes is None, self.show_duration),
            (draft.place is None, self.show_place),
            (draft.repeat_weeks is None, self.show_repeat),
            (bool(draft.repeat_weeks) and draft.until is None, self.show_until),
        )
        for empty, show in missing:
            if empty:
                await show()
                return
        await self.show_preview()

    # -- button presses: each returns False when the press makes no sense in this draft

    async def on_back(self, step: str) -> bool:
        """◀ Back and ``Keep it``: show a step whose earlier steps are done."""
        draft = self.draft
        needs = {
            "title": True,
            "date": draft.title is not None,
            "time": draft.day is not None,
            "dur": draft.at is not None,
            "place": draft.minutes is not None,
            "rep": draft.place is not None,
            "until": bool(draft.repeat_weeks),
        }
        if not needs.get(step, False) or (draft.title is None and step != "title"):
            return False
        shows = {
            "title": self.show_title,
            "date": self.show_date,
            "time": self.show_time,
            "dur": self.show_duration,
            "place": self.show_place,
            "rep": self.show_repeat,
            "until": self.show_until,
        }
        await shows[step]()
        return True

    async def on_date(self, arg: str) -> bool:
        day = packed_date(arg)
        if day is None or self.draft.title is None:
            return False
        problem = self.date_problem(day, arg)
        if problem is not None:
            await self.answer(problem)
            return True
        self.set_day(day)
        await self.after("date")
        return True

    def set_day(self, day: date) -> None:
        """A new date: the time must be chosen again, and a series' end follows the start."""
        draft = self.draft
        if draft.day != day:
            draft.at = None
            if draft.until is not None and not draft.day_fits(day):
                draft.until = None
        draft.day = day

    async def on_time(self, arg: str) -> bool:
        at = f"{arg[:2]}:{arg[2:]}" if re.fullmatch(r"\d{4}", arg) else None
        if at not in screens.SLOTS or self.draft.day is None or self.draft.title is None:
            return False
        problem = self.time_problem(at, at)
        if problem is not None:
            await self.answer(problem)
            return True
        self.draft.at = at
        await self.after("time")
        return True

    async def on_duration(self, arg: str) -> bool:
        if not arg.isdigit() or int(arg) not in screens.DURATIONS or self.draft.at is None:
            return False
        self.draft.minutes = int(arg)
        await self.after("duration")
        return True

    async def on_keep(self, arg: str) -> bool:
        """``Keep it ▶`` after going back: the title or the place stays as it was."""
        draft = self.draft
        if (arg == "title" and draft.title is not None) or (arg == "place" and draft.place):
            await self.after(arg)
            return True
        return False

    async def on_skip_place(self, arg: str) -> bool:
        if self.draft.minutes is None or arg != "none":
            return False
        self.draft.place = ""
        await self.after("place")
        return True

    async def on_repeat(self, arg: str) -> bool:
        if arg not in ("0", "1", "2") or self.draft.place is None:
            return False
        draft = self.draft
        draft.repeat_weeks = int(arg)
        if draft.repeat_weeks == 0:
            draft.until = None
            await self.show_preview()
        else:
            draft.until = None
            await self.show_until()
        return True

    async def on_until(self, arg: str) -> bool:
        until = packed_date(arg)
        if until is None or not self.draft.repeat_weeks or self.draft.day is None:
            return False
        problem = self.until_problem(until, arg)
        if problem is not None:
            await self.answer(problem)
            return True
        self.draft.until = until
        await self.show_preview()
        return True

    async def on_confirm(self, _arg: str) -> bool:
        draft = self.draft
        if not draft.complete:
            return False
        assert draft.title is not None and draft.day is not None and draft.at is not None
        assert draft.minutes is not None and draft.place is not None
        start = draft.start(self.zone)
        assert start is not None
        problem = self.time_problem(draft.at, draft.at)
        if problem is not None:  # the time went by while the preview was open
            await self.show_time(problem)
            return True
        try:
            view = await self.context.services.meetings.create(
                hub_id=self.hub.id,
                author_id=self.context.viewer.id,
                title=draft.title,
                place=draft.place,
                starts_local=start.replace(tzinfo=None),
                duration=timedelta(minutes=draft.minutes),
                repeat_weeks=draft.repeat_weeks or 0,
                repeat_until=draft.until if draft.repeat_weeks else None,
            )
        except MeetingError as exc:
            await self.show_preview(exc.message)
            return True
        end_flow(self.context)
        count = len(await self.context.services.meetings.occurrences(view.id))
        reader = self.context.viewer.timezone
        await self.show((screens.created_text(draft.title, start, reader, count), None))
        return True

    # -- typed answers

    async def on_typed(self, step: str, typed: str) -> None:
        draft = self.draft
        if step == "title":
            problem = title_problem(typed)
            if problem is not None:
                await self.show_title([problem])
                return
            draft.title = " ".join(typed.split())
            await self.after("title")
        elif step == "date":
            day = parse_date(typed)
            problem = self.date_problem(day, typed)
            if problem is not None or day is None:
                await self.show_date(problem)
                return
            self.set_day(day)
            await self.after("date")
        elif step == "time":
            at = parse_time(typed)
            problem = self.time_problem(at, typed)
            if problem is not None:
                await self.show_time(problem)
                return
            draft.at = at
            await self.after("time")
        elif step == "duration":
            minutes = parse_duration(typed)
            if minutes is None:
                await self.show_duration(words.duration_problem(typed))
                return
            draft.minutes = minutes
            await self.after("duration")
        elif step == "place":
            problem = place_problem(typed)
            if problem is not None:
                await self.show_place(problem)
                return
            draft.place = typed.strip()
            await self.after("place")
        elif step == "until":
            until = parse_date(typed)
            problem = self.until_problem(until, typed)
            if problem is not None:
                await self.show_until(problem)
                return
            draft.until = until
            await self.show_preview()
