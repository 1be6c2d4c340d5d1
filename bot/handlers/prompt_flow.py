"""The guided /prompt flow: hub, text (typed or from the library), days, time, preview, confirm.

``start_flow`` is what /prompt calls without a schedule, or with what was wrong with a typed one.
The draft lives in ``user_data`` (see ``prompt_screens.Draft``); every button press and every
typed answer re-checks that the person still runs the hub.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.handlers import prompt_screens as screens
from bot.handlers.common import edit_or_reply, group_hub, refuse, reply, stale_button
from bot.handlers.prompt_screens import Draft
from bot.i18n import _
from bot.services.prompt_library import LIBRARY
from bot.services.prompt_rules import WEEKDAYS, WORKDAYS, Recurrence, parse_time
from bot.services.prompts import PromptError, PromptService

DRAFT = "prompt-draft"  # user_data: the Draft of the current flow
FLOWS = "prompt-flows"  # user_data: how many flows this person has started (numbers them)
AWAIT = "prompt-flow"  # AWAITING = (AWAIT, flow, "text" | "date" | "time")
INPUT_GROUP = 14
ACTION = "prompt"  # what refusals are logged as
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


async def start_flow(update: Update, context: BotContext, problem: str | None = None) -> None:
    """Open the guided flow; ``problem`` says what was wrong with a typed schedule, if any."""
    chat = update.effective_chat
    assert chat is not None
    intro = [problem, screens.accepted_forms()] if problem else []
    if chat.type != Chat.PRIVATE or context.user_data is None:
        if await group_hub(update, context, ACTION) is None:
            return
        lines = intro or [screens.accepted_forms()]
        lines.append(_("To be guided step by step with buttons, send /prompt to me privately."))
        await reply(update, "\n\n".join(lines))
        return
    hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if not hubs:
        await refuse(update, context, ACTION, None)
        return
    number = int(context.user_data.get(FLOWS, 0)) + 1
    context.user_data[FLOWS] = number
    draft = Draft(number)
    context.user_data[DRAFT] = draft
    if len(hubs) == 1:
        draft.hub_id = hubs[0].id
        await Flow(update, context, draft, hubs[0]).show_text(intro)
        return
    _stop_awaiting(context)
    text, markup = screens.hub_screen(draft, hubs)
    await reply(update, "\n\n".join([*intro, text]), markup)


def _draft(context: BotContext, number: int) -> Draft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, Draft) and draft.flow == number else None


def _stop_awaiting(context: BotContext) -> None:
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if isinstance(awaiting, tuple) and awaiting and awaiting[0] == AWAIT:
        assert context.user_data is not None
        context.user_data.pop(AWAITING, None)


def _end(context: BotContext) -> None:
    _stop_awaiting(context)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


async def _hub(update: Update, context: BotContext, hub_id: int) -> HubRow | None:
    """The hub, if the person may still run it; otherwise None after saying why."""
    hub = await context.services.hubs.get(hub_id)
    if hub is None:
        _end(context)
        if update.callback_query is not None:
            await stale_button(update)
        else:
            await reply(update, _("That hub no longer exists."))
        return None
    if not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        _end(context)
        await refuse(update, context, ACTION, hub.id)
        return None
    return hub


def first_run(recurrence: Recurrence, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first occurrence after ``now`` of a schedule kept in ``zone``."""
    if recurrence.rule == "once":
        assert recurrence.day is not None
        moment = _at(recurrence.day, recurrence.at, zone)
        return moment if moment > now else None
    today = now.astimezone(zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if recurrence.rule == "weekly" and WEEKDAYS[day.weekday()] not in recurrence.weekdays:
            continue
        moment = _at(day, recurrence.at, zone)
        if moment > now:
            return moment
    return None


def _at(day: date, at: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), zone)


def text_problem(text: str) -> str | None:
    """Why a typed prompt text cannot be used, or None."""
    if not text.strip():
        return _("The prompt is empty. Type the question members will reflect on.")
    if len(text.strip()) > PromptService.MAX_TEXT:
        return _(
            "The prompt has {length} characters; the limit is {limit}. Please shorten it.",
            length=len(text.strip()),
            limit=PromptService.MAX_TEXT,
        )
    return None


def parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
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
            _stop_awaiting(self.context)
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

    def slots(self) -> list[str]:
        """The quick times; for a one-off date only those still ahead in the hub's zone."""
        day = self.draft.day
        if day is None:
            return list(screens.SLOTS)
        return [slot for slot in screens.SLOTS if _at(day, slot, self.zone) > self.now()]

    def date_problem(self, day: date | None, typed: str) -> str | None:
        today = self.today()
        if day is None:
            return _(
                "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}.",
                date=typed.strip()[:40],
                example=(today + timedelta(days=7)).isoformat(),
            )
        if day < today:
            return _(
                "{date} has already passed. Choose today or a later date.", date=day.isoformat()
            )
        if day > today + timedelta(days=366):
            return _("That date is more than a year away. Choose a date within a year.")
        return None

    def time_problem(self, at: str | None, typed: str) -> str | None:
        if at is None:
            return _(
                "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
                time=typed.strip()[:40],
            )
        day = self.draft.day
        if day is not None and _at(day, at, self.zone) <= self.now():
            return _(
                "{time} on that day has already passed ({timezone}). Choose a later time.",
                time=at,
                timezone=self.hub.timezone,
            )
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
        return await self._set_days(WORKDAYS)

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
        _end(self.context)
        reader = self.context.viewer.timezone
        await self.show((screens.created_text(recurrence, view.next_run, reader), None))
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


# (action, has an argument) -> what the press does
_PRESSES: dict[tuple[str, bool], Callable[[Flow, str], Awaitable[bool]]] = {
    ("lib", True): Flow.on_library,
    ("pick", True): Flow.on_pick,
    ("type", False): Flow.on_text,
    ("txt", False): Flow.on_text,
    ("d", True): Flow.on_toggle,
    ("days", False): Flow.on_days,
    ("all", False): Flow.on_every_day,
    ("wk", False): Flow.on_weekdays,
    ("next", False): Flow.on_next,
    ("once", False): Flow.on_once,
    ("date", True): Flow.on_date,
    ("time", False): Flow.on_time_step,
    ("t", True): Flow.on_time,
    ("ok", False): Flow.on_confirm,
}


async def flow_callback(update: Update, context: BotContext) -> None:
    """``pw:<flow>:<action>[:<arg>]``: one step of the flow, for the flow still open."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, screens.ACTION, int, str) or callbacks.unpack(
        query.data, screens.ACTION, int, str, str
    )
    draft = _draft(context, parsed[0]) if parsed else None
    if parsed is None or draft is None:
        await stale_button(update)
        return
    action, arg = parsed[1], parsed[2] if len(parsed) == 3 else ""
    if action == "no" and not arg:
        _end(context)
        await query.answer()
        await edit_or_reply(update, _("Cancelled. No prompt was made."))
        return
    if action == "hub" and arg.isdigit() and draft.hub_id is None:
        hub = await _hub(update, context, int(arg))
        if hub is not None:
            draft.hub_id = hub.id
            await Flow(update, context, draft, hub).show_text()
        return
    press = _PRESSES.get((action, bool(arg)))
    if press is None or draft.hub_id is None:
        await stale_button(update)
        return
    hub = await _hub(update, context, draft.hub_id)
    if hub is not None and not await press(Flow(update, context, draft, hub), arg):
        await stale_button(update)


async def flow_input(update: Update, context: BotContext) -> None:
    """The text, a date or a time typed while the flow waits for one."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and len(awaiting) == 3 and awaiting[0] == AWAIT):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = _draft(context, awaiting[1])
    if draft is None or draft.hub_id is None:
        _stop_awaiting(context)
        return
    hub = await _hub(update, context, draft.hub_id)
    if hub is not None:
        await Flow(update, context, draft, hub).on_typed(awaiting[2], message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(flow_callback, pattern=callbacks.pattern(screens.ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, flow_input),
        group=INPUT_GROUP,
    )
