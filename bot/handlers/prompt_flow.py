"""The guided /prompt flow: hub, text (typed or from the library), days, time, preview, confirm.

``start_flow`` is what /prompt calls without a schedule, or with what was wrong with a typed one.
The draft lives in ``user_data`` (see ``prompt_screens.Draft``); every button press and every
typed answer re-checks that the person still runs the hub.
"""

from __future__ import annotations

import re
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


# -- entry


async def start_flow(update: Update, context: BotContext, problem: str | None = None) -> None:
    """Open the guided flow; ``problem`` says what was wrong with a typed schedule, if any."""
    chat = update.effective_chat
    assert chat is not None
    intro = [problem, screens.accepted_forms()] if problem else []
    if chat.type != Chat.PRIVATE or context.user_data is None:
        if await group_hub(update, context, ACTION) is None:
            return
        intro = [*intro] if intro else [screens.accepted_forms()]
        intro.append(_("To be guided step by step with buttons, send /prompt to me privately."))
        await reply(update, "\n\n".join(intro))
        return
    hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if not hubs:
        await refuse(update, context, ACTION, None)
        return
    flow = int(context.user_data.get(FLOWS, 0)) + 1
    context.user_data[FLOWS] = flow
    draft = Draft(flow)
    context.user_data[DRAFT] = draft
    _stop_awaiting(context)
    if len(hubs) == 1:
        draft.hub_id = hubs[0].id
        await _show_text(update, context, draft, hubs[0], intro)
        return
    text, markup = screens.hub_screen(draft, hubs)
    await reply(update, "\n\n".join([*intro, text]), markup)


# -- state helpers


def _draft(context: BotContext, flow: int | None = None) -> Draft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if not isinstance(draft, Draft) or (flow is not None and draft.flow != flow):
        return None
    return draft


def _await(context: BotContext, draft: Draft, step: str) -> None:
    if context.user_data is not None:
        context.user_data[AWAITING] = (AWAIT, draft.flow, step)


def _stop_awaiting(context: BotContext) -> None:
    if context.user_data is None:
        return
    awaiting = context.user_data.get(AWAITING)
    if isinstance(awaiting, tuple) and awaiting and awaiting[0] == AWAIT:
        context.user_data.pop(AWAITING, None)


def _end(context: BotContext) -> None:
    _stop_awaiting(context)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _now(context: BotContext) -> datetime:
    return context.services.scheduler.clock.now()


async def _hub(update: Update, context: BotContext, hub_id: int | None) -> HubRow | None:
    """The hub, if the person may still run it; otherwise None after saying why."""
    hub = await context.services.hubs.get(hub_id) if hub_id is not None else None
    if hub is None:
        _end(context)
        await stale_button(update)
        if update.callback_query is None:
            await reply(update, _("That hub no longer exists."))
        return None
    if not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        _end(context)
        await refuse(update, context, ACTION, hub.id)
        return None
    return hub


async def _timing(context: BotContext, hub: HubRow) -> str:
    return (await context.services.prompts.settings(hub.id)).timing


async def _show(
    update: Update, context: BotContext, screen: tuple[str, InlineKeyboardMarkup]
) -> None:
    """A press edits the flow's message; typed input gets a new one (below what was typed)."""
    text, markup = screen
    if update.callback_query is not None:
        await edit_or_reply(update, text, markup)
    else:
        await reply(update, text, markup)


def first_run(recurrence: Recurrence, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first occurrence after ``now`` of a schedule kept in ``zone``."""
    hour, minute = (int(part) for part in recurrence.at.split(":"))
    if recurrence.rule == "once":
        assert recurrence.day is not None
        moment = datetime.combine(recurrence.day, time(hour, minute), zone)
        return moment if moment > now else None
    today = now.astimezone(zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if recurrence.rule == "weekly" and WEEKDAYS[day.weekday()] not in recurrence.weekdays:
            continue
        moment = datetime.combine(day, time(hour, minute), zone)
        if moment > now:
            return moment
    return None


def _today(context: BotContext, hub: HubRow) -> date:
    return _now(context).astimezone(ZoneInfo(hub.timezone)).date()


# -- the steps


async def _show_text(
    update: Update,
    context: BotContext,
    draft: Draft,
    hub: HubRow,
    intro: list[str] | None = None,
) -> None:
    _await(context, draft, "text")
    text, markup = screens.text_screen(draft, hub, PromptService.MAX_TEXT)
    await _show(update, context, ("\n\n".join([*(intro or []), text]), markup))


async def _after_text(update: Update, context: BotContext, draft: Draft, hub: HubRow) -> None:
    """Once the text is chosen: the days next, or the preview again if all else is set."""
    if draft.recurrence() is not None:
        await _show_preview(update, context, draft, hub)
    else:
        await _show_days(update, context, draft, hub)


async def _show_days(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    _stop_awaiting(context)
    timing = await _timing(context, hub)
    await _show(update, context, screens.days_screen(draft, hub, timing, note))


async def _show_date(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    _await(context, draft, "date")
    today = _today(context, hub)
    days = [today + timedelta(days=n) for n in range(screens.DATE_BUTTONS + 1)]
    if not _slots(context, hub, today):
        days = days[1:]
    example = today + timedelta(days=7)
    await _show(
        update, context, screens.date_screen(draft, days[: screens.DATE_BUTTONS], example, note)
    )


def _slots(context: BotContext, hub: HubRow, day: date | None) -> list[str]:
    """The quick times; for a one-off date only those still ahead in the hub's zone."""
    if day is None:
        return list(screens.SLOTS)
    zone, now = ZoneInfo(hub.timezone), _now(context)
    return [slot for slot in screens.SLOTS if _at(day, slot, zone) > now]


def _at(day: date, at: str, zone: ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return datetime.combine(day, time(hour, minute), zone)


async def _show_time(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    _await(context, draft, "time")
    timing = await _timing(context, hub)
    slots = _slots(context, hub, draft.day)
    await _show(update, context, screens.time_screen(draft, hub, timing, slots, note))


async def _show_preview(update: Update, context: BotContext, draft: Draft, hub: HubRow) -> None:
    _stop_awaiting(context)
    recurrence = draft.recurrence()
    assert recurrence is not None
    timing = await _timing(context, hub)
    reader = context.viewer.timezone
    # In member mode the reader gets it at the chosen time of their own zone.
    zone = ZoneInfo(reader if timing == "member" else hub.timezone)
    first = first_run(recurrence, zone, _now(context))
    await _show(update, context, screens.preview_screen(draft, hub, timing, first, reader))


# -- checks on what was chosen or typed


def text_problem(text: str) -> str | None:
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


def date_problem(day: date | None, text: str, today: date) -> str | None:
    if day is None:
        return _(
            "I couldn't read the date “{date}”. Write it as year-month-day, e.g. {example}.",
            date=text.strip()[:40],
            example=(today + timedelta(days=7)).isoformat(),
        )
    if day < today:
        return _("{date} has already passed. Choose today or a later date.", date=day.isoformat())
    if day > today + timedelta(days=366):
        return _("That date is more than a year away. Choose a date within a year.")
    return None


def time_problem(
    context: BotContext, draft: Draft, hub: HubRow, at: str | None, text: str
) -> str | None:
    if at is None:
        return _(
            "“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59.",
            time=text.strip()[:40],
        )
    if draft.day is not None and _at(draft.day, at, ZoneInfo(hub.timezone)) <= _now(context):
        return _(
            "{time} on that day has already passed ({timezone}). Choose a later time.",
            time=at,
            timezone=hub.timezone,
        )
    return None


# -- button presses


async def _answer(update: Update, alert: str | None = None) -> None:
    """Answer the press: silently, or with an alert the person must dismiss."""
    assert update.callback_query is not None
    if alert is None:
        await update.callback_query.answer()
    else:
        await update.callback_query.answer(alert, show_alert=True)


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
    if action == "hub" and arg.isdigit():
        hub = await _hub(update, context, int(arg))
        if hub is None:
            return
        draft.hub_id = hub.id
        await query.answer()
        await _show_text(update, context, draft, hub)
        return
    if draft.hub_id is None:
        await stale_button(update)
        return
    hub = await _hub(update, context, draft.hub_id)
    if hub is None:
        return
    step = _STEPS.get((action, bool(arg)))
    if step is None or not await step(update, context, draft, hub, arg):
        await stale_button(update)


async def _on_library(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if not arg.isdigit() or int(arg) >= screens.library_pages():
        return False
    await _answer(update)
    _await(context, draft, "text")  # typing a text of one's own still works here
    await _show(update, context, screens.library_screen(draft, int(arg)))
    return True


async def _on_pick(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if arg not in LIBRARY:
        return False
    await _answer(update)
    draft.library_key, draft.text = arg, None
    await _after_text(update, context, draft, hub)
    return True


async def _on_text(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    await _answer(update)
    await _show_text(update, context, draft, hub)
    return True


async def _on_toggle(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if arg not in WEEKDAYS or not draft.has_text:
        return False
    await _answer(update)
    draft.day = None
    draft.weekdays ^= {arg}
    await _show_days(update, context, draft, hub)
    return True


async def _on_days(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if not draft.has_text:
        return False
    await _answer(update)
    await _show_days(update, context, draft, hub)
    return True


async def _set_days(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, days: tuple[str, ...]
) -> bool:
    if not draft.has_text:
        return False
    await _answer(update)
    draft.day, draft.weekdays = None, set(days)
    await _show_time(update, context, draft, hub)
    return True


async def _on_every_day(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    return await _set_days(update, context, draft, hub, WEEKDAYS)


async def _on_weekdays(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    return await _set_days(update, context, draft, hub, WORKDAYS)


async def _on_next(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if not draft.weekdays or not draft.has_text:
        return False
    await _answer(update)
    draft.day = None
    await _show_time(update, context, draft, hub)
    return True


async def _on_once(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if not draft.has_text:
        return False
    await _answer(update)
    await _show_date(update, context, draft, hub)
    return True


async def _on_date(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    day = parse_date(f"{arg[:4]}-{arg[4:6]}-{arg[6:]}") if re.fullmatch(r"\d{8}", arg) else None
    if day is None or not draft.has_text:
        return False
    problem = date_problem(day, arg, _today(context, hub))
    if problem is not None:
        await _answer(update, problem)
        return True
    await _answer(update)
    draft.day = day
    await _show_time(update, context, draft, hub)
    return True


async def _on_time_step(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    if not draft.has_days or not draft.has_text:
        return False
    await _answer(update)
    await _show_time(update, context, draft, hub)
    return True


async def _on_time(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    at = f"{arg[:2]}:{arg[2:]}" if re.fullmatch(r"\d{4}", arg) else None
    if at not in screens.SLOTS or not draft.has_days or not draft.has_text:
        return False
    problem = time_problem(context, draft, hub, at, at)
    if problem is not None:
        await _answer(update, problem)
        return True
    await _answer(update)
    draft.at = at
    await _show_preview(update, context, draft, hub)
    return True


async def _on_confirm(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, arg: str
) -> bool:
    recurrence = draft.recurrence()
    if recurrence is None or not draft.has_text:
        return False
    try:
        view = await context.services.prompts.create(
            hub_id=hub.id,
            author_id=context.viewer.id,
            recurrence=recurrence,
            text=None if draft.library_key else draft.text,
            library_key=draft.library_key,
        )
    except PromptError as exc:
        await _answer(update)
        draft.at = None
        await _show_time(update, context, draft, hub, exc.message)
        return True
    _end(context)
    await _answer(update)
    reader = context.viewer.timezone
    await edit_or_reply(update, screens.created_text(recurrence, view.next_run, reader))
    return True


# (action, has an argument) -> step
_STEPS = {
    ("lib", True): _on_library,
    ("pick", True): _on_pick,
    ("type", False): _on_text,
    ("txt", False): _on_text,
    ("d", True): _on_toggle,
    ("days", False): _on_days,
    ("all", False): _on_every_day,
    ("wk", False): _on_weekdays,
    ("next", False): _on_next,
    ("once", False): _on_once,
    ("date", True): _on_date,
    ("time", False): _on_time_step,
    ("t", True): _on_time,
    ("ok", False): _on_confirm,
}


# -- typed answers


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
    if hub is None:
        raise ApplicationHandlerStop
    typed, step = message.text, awaiting[2]
    if step == "text":
        problem = text_problem(typed)
        if problem is not None:
            await _show_text(update, context, draft, hub, [problem])
        else:
            draft.text, draft.library_key = typed.strip(), None
            await _after_text(update, context, draft, hub)
    elif step == "date":
        day = parse_date(typed)
        problem = date_problem(day, typed, _today(context, hub))
        if problem is not None:
            await _show_date(update, context, draft, hub, problem)
        else:
            draft.day = day
            await _show_time(update, context, draft, hub)
    elif step == "time":
        at = parse_time(typed)
        problem = time_problem(context, draft, hub, at, typed)
        if problem is not None:
            await _show_time(update, context, draft, hub, problem)
        else:
            draft.at = at
            await _show_preview(update, context, draft, hub)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(flow_callback, pattern=callbacks.pattern(screens.ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, flow_input),
        group=INPUT_GROUP,
    )
