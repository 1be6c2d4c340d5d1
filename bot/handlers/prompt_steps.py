"""The steps of the guided /prompt flow: what each press or typed answer does to the draft.

A ``Flow`` is built for one update once the person's role on the draft's hub has been checked
(``prompt_flow`` does that on every press and every typed answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.db.schedules import ScheduleRow
from bot.handlers import prompt_screens as screens
from bot.handlers.common import edit_or_reply, plain_text, reply
from bot.handlers.flow_words import parse_date
from bot.handlers.flows import FlowState
from bot.handlers.prompt_screens import Draft
from bot.services.prompt_library import LIBRARY
from bot.services.prompt_rules import WEEKDAYS, Recurrence, parse_time, workdays
from bot.services.prompts import PromptError, PromptService, PromptView
from bot.services.scheduling import next_occurrence

DRAFT = "prompt-draft"  # user_data: the Draft of the current flow
AWAIT = "prompt-flow"  # AWAITING = (AWAIT, flow, "text" | "date" | "time")


STATE = FlowState(DRAFT, AWAIT)
stop_awaiting = STATE.stop_awaiting
end_flow = STATE.end


def first_run(recurrence: Recurrence, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first occurrence after ``now`` of a schedule kept in ``zone``."""
    draft = ScheduleRow(
        id=0,
        kind="prompt",
        ref_id=0,
        hub_id=None,
        rule=recurrence.rule,
        at_local=recurrence.at_local,
        weekdays=recurrence.weekdays_text,
        timezone=zone.key,
        next_fire=None,
        active=True,
    )
    return next_occurrence(draft, now)


def next_run_for(prompt: PromptView, reader_zone: str, now: datetime) -> datetime | None:
    """When ``prompt`` next reaches a reader in ``reader_zone``: timed by each member's clock,
    at its local time in the reader's zone; else the schedule's next run."""
    if prompt.next_run is None or prompt.recurrence is None or prompt.timing != "member":
        return prompt.next_run
    try:
        zone = ZoneInfo(reader_zone)
    except (KeyError, ValueError):
        return prompt.next_run
    return first_run(prompt.recurrence, zone, now)


def _at(day: date, at: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), zone)


def text_problem(text: str) -> str | None:
    """Why a typed prompt text cannot be used, or None."""
    length = len(text.strip())
    if not length or length > PromptService.MAX_TEXT:
        return screens.text_problem(length, PromptService.MAX_TEXT)
    return None


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

    async def timing(self) -> str:
        return (await self.context.services.prompts.settings(self.hub.id)).timing

    def awaiting(self, step: str | None) -> None:
        """What typed text means now: the prompt's text, a date, a time, or nothing."""
        user_data = self.context.user_data
        if step is None:
            stop_awaiting(self.context)
        elif user_data is not None:
            user_data[AWAITING] = (AWAIT, self.draft.flow, step)

    async def answer(self, alert: str | None = None) -> None:
        """Answer a press: silently, or with an alert the person must dismiss."""
        query = self.update.callback_query
        if query is not None:
            await (
                query.answer()
                if alert is None
                else query.answer(plain_text(alert), show_alert=True)
            )

    async def show(self, screen: tuple[str, InlineKeyboardMarkup | None]) -> None:
        """A press edits the flow's message; typed input gets a new one (below what was typed)."""
        await self.answer()
        text, markup = screen
        if self.update.callback_query is not None:
            await edit_or_reply(self.update, text, markup)
        else:
            await reply(self.update, text, markup)

    def slots(self) -> list[str]:
        """The quick times; for a one-off date only those still ahead in the hub's zone."""
        day = self.draft.day
        if day is None:
            return list(screens.SLOTS)
        return [slot for slot in screens.SLOTS if _at(day, slot, self.zone) > self.now()]

    def date_problem(self, day: date | None, typed: str) -> str | None:
        today = self.today()
        if day is None:
            return screens.date_unreadable(typed, today + timedelta(days=7))
        if day < today:
            return screens.date_passed(day)
        if day > today + timedelta(days=366):
            return screens.date_too_far()
        return None

    def time_problem(self, at: str | None, typed: str) -> str | None:
        if at is None:
            return screens.time_unreadable(typed)
        day = self.draft.day
        if day is not None and _at(day, at, self.zone) <= self.now():
            return screens.time_passed(at, self.hub.timezone)
        return None

    # -- the screens

    async def show_text(self, intro: list[str] | None = None) -> None:
        self.awaiting("text")
        text, markup = screens.text_screen(self.draft, self.hub, PromptService.MAX_TEXT)
        await self.show(("\n\n".join([*(intro or []), text]), markup))

    async def after_text(self) -> None:
        """Once the text is chosen: the days next, or the preview again if all else is set."""
        if self.draft.recurrence() is not None:
            await self.show_preview()
        else:
            await self.show_days()

    async def show_days(self) -> None:
        self.awaiting(None)
        await self.show(screens.days_screen(self.draft, self.hub, await self.timing()))

    async def show_date(self, note: str | None = None) -> None:
        self.awaiting("date")
        today = self.today()
        days = [today + timedelta(days=n) for n in range(screens.DATE_BUTTONS + 1)]
        if max(_at(today, slot, self.zone) for slot in screens.SLOTS) <= self.now():
            days = days[1:]  # no quick time is left today
        example = today + timedelta(days=7)
        await self.show(
            screens.date_screen(self.draft, days[: screens.DATE_BUTTONS], example, note)
        )

    async def show_time(self, note: str | None = None) -> None:
        self.awaiting("time")
        timing = await self.timing()
        await self.show(screens.time_screen(self.draft, self.hub, timing, self.slots(), note))

    async def show_preview(self) -> None:
        self.awaiting(None)
        recurrence = self.draft.recurrence()
        assert recurrence is not None
        timing = await self.timing()
        reader = self.context.viewer.timezone
        # In member mode the reader gets it at the chosen time of their own zone.
        zone = ZoneInfo(reader) if timing == "member" else self.zone
        first = first_run(recurrence, zone, self.now())
        await self.show(screens.preview_screen(self.draft, self.hub, timing, first, reader))

    # -- button presses: each returns False when the press makes no sense in this draft

    async def on_library(self, arg: str) -> bool:
        if not arg.isdigit() or int(arg) >= screens.library_pages():
            return False
        self.awaiting("text")  # typing a text of one's own still works here
        await self.show(screens.library_screen(self.draft, int(arg)))
        return True

    async def on_pick(self, arg: str) -> bool:
        if arg not in LIBRARY:
            return False
        self.draft.library_key, self.draft.text = arg, None
        await self.after_text()
        return True

    async def on_text(self, _arg: str) -> bool:
        await self.show_text()
        return True

    async def on_toggle(self, arg: str) -> bool:
        if arg not in WEEKDAYS or not self.draft.has_text:
            return False
        self.draft.day = None
        self.draft.weekdays ^= {arg}
        await self.show_days()
        return True

    async def on_days(self, _arg: str) -> bool:
        if not self.draft.has_text:
            return False
        await self.show_days()
        return True

    async def _set_days(self, days: tuple[str, ...]) -> bool:
        if not self.draft.has_text:
            return False
        self.draft.day, self.draft.weekdays = None, set(days)
        await self.show_time()
        return True

    async def on_every_day(self, _arg: str) -> bool:
        return await self._set_days(WEEKDAYS)

    async def on_weekdays(self, _arg: str) -> bool:
        return await self._set_days(workdays(self.hub.timezone))

    async def on_next(self, _arg: str) -> bool:
        if not self.draft.weekdays or not self.draft.has_text:
            return False
        self.draft.day = None
        await self.show_time()
        return True

    async def on_once(self, _arg: str) -> bool:
        if not self.draft.has_text:
            return False
        await self.show_date()
        return True

    async def on_date(self, arg: str) -> bool:
        day = parse_date(f"{arg[:4]}-{arg[4:6]}-{arg[6:]}") if re.fullmatch(r"\d{8}", arg) else None
        if day is None or not self.draft.has_text:
            return False
        problem = self.date_problem(day, arg)
        if problem is not None:
            await self.answer(problem)
            return True
        self.draft.day = day
        await self.show_time()
        return True

    async def on_time_step(self, _arg: str) -> bool:
        if not self.draft.has_days or not self.draft.has_text:
            return False
        await self.show_time()
        return True

    async def on_time(self, arg: str) -> bool:
        at = f"{arg[:2]}:{arg[2:]}" if re.fullmatch(r"\d{4}", arg) else None
        if at not in screens.SLOTS or not self.draft.has_days or not self.draft.has_text:
            return False
        problem = self.time_problem(at, at)
        if problem is not None:
            await self.answer(problem)
            return True
        self.draft.at = at
        await self.show_preview()
        return True

    async def on_confirm(self, _arg: str) -> bool:
        draft, recurrence = self.draft, self.draft.recurrence()
        if recurrence is None or not draft.has_text:
            return False
        try:
            view = await self.context.services.prompts.create(
                hub_id=self.hub.id,
                author_id=self.context.viewer.id,
                recurrence=recurrence,
                text=None if draft.library_key else draft.text,
                library_key=draft.library_key,
            )
        except PromptError as exc:
            draft.at = None
            await self.show_time(exc.message)
            return True
        end_flow(self.context)
        reader = self.context.viewer.timezone
        next_run = next_run_for(view, reader, self.now())
        text = screens.created_text(recurrence, self.hub.timezone, next_run, reader)
        await self.show((text, None))
        return True

    # -- typed answers

    async def on_typed(self, step: str, typed: str) -> None:
        draft = self.draft
        if step == "text":
            problem = text_problem(typed)
            if problem is not None:
                await self.show_text([problem])
                return
            draft.text, draft.library_key = typed.strip(), None
            await self.after_text()
        elif step == "date":
            day = parse_date(typed)
            problem = self.date_problem(day, typed)
            if problem is not None:
                await self.show_date(problem)
                return
            draft.day = day
            await self.show_time()
        elif step == "time":
            at = parse_time(typed)
            problem = self.time_problem(at, typed)
            if problem is not None:
                await self.show_time(problem)
                return
            draft.at = at
            await self.show_preview()
