"""/poll: the one-line power form and the guided flow (hub, question, answers, settings, preview).

The draft lives in ``user_data`` (``poll_screens.Draft``); every button press and every typed
answer re-checks that the person still runs the hub. Confirm hands the poll to
``services.polls.create``, which validates it again and sends it.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Chat, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.handlers import poll_screens as screens
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    group_hub,
    refuse,
    reply,
    stale_button,
)
from bot.handlers.poll_screens import Draft
from bot.i18n import _
from bot.services.poll_types import PollError

DRAFT = "poll-draft"  # user_data: the Draft of the current flow
AWAIT = "poll-flow"  # AWAITING = (AWAIT, flow, "question" | "option" | "closes")
FLOWS = "poll-flows"  # user_data: how many flows this person has started (numbers them)
INPUT_GROUP = 20
ACTION = "poll"  # what refusals are logged as
_MOMENT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})")


# -- checks on what was typed (the service checks again on Confirm)


def _length(text: str) -> int:
    """Characters as Telegram counts them (UTF-16 code units), as the service does."""
    return len(text.encode("utf-16-le")) // 2


def question_problem(text: str) -> str | None:
    if not text:
        return _("The question is empty. Type the question.")
    if _length(text) > screens.MAX_QUESTION:
        return _(
            "That question is {length} characters long; Telegram allows up to {limit}.",
            length=_length(text),
            limit=screens.MAX_QUESTION,
        )
    return None


def option_problem(options: list[str], text: str) -> str | None:
    if not text:
        return _("That answer is empty.")
    if len(options) >= screens.MAX_OPTIONS:
        return _("A poll has at most {limit} answers.", limit=screens.MAX_OPTIONS)
    if _length(text) > screens.MAX_OPTION:
        return _(
            "The answer “{option}” is {length} characters long; Telegram allows up to {limit}.",
            option=text[:40] + "…",
            length=_length(text),
            limit=screens.MAX_OPTION,
        )
    if text.casefold() in {option.casefold() for option in options}:
        return _("“{option}” is already an answer. Each answer must be different.", option=text)
    return None


def parse_power(text: str) -> tuple[str, list[str], str | None]:
    """``question | answer | answer``: the question, the answers, and what is wrong if anything."""
    parts = [" ".join(part.split()) for part in text.split("|")]
    question, typed = parts[0], [part for part in parts[1:] if part]
    problem = question_problem(question)
    options: list[str] = []
    for option in typed:
        problem = problem or option_problem(options, option)
        options.append(option)
    if problem is None and len(options) < screens.MIN_OPTIONS:
        problem = _(
            "A poll needs at least {minimum} answers, separated by |.",
            minimum=screens.MIN_OPTIONS,
        )
    return question, options, problem


# -- the command


async def poll_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    text = args_text(update)
    if chat.type != Chat.PRIVATE or context.user_data is None:
        if await group_hub(update, context, ACTION) is not None:
            await reply(update, _("To make a poll for this hub, send /poll to me privately."))
        return
    hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if not hubs:
        await refuse(update, context, ACTION, None)
        return
    number = int(context.user_data.get(FLOWS, 0) or time.time_ns() // 1000 % 10**9) + 1
    context.user_data[FLOWS] = number
    draft = Draft(number, several_hubs=len(hubs) > 1)
    if text:
        question, options, problem = parse_power(text)
        if problem is not None:
            await reply(update, "\n\n".join([problem, screens.power_form()]))
            return
        draft.question, draft.options, draft.options_done = question, options, True
    context.user_data[DRAFT] = draft
    if len(hubs) == 1:
        draft.hub_id = hubs[0].id
        await _next(update, context, draft, hubs[0])
        return
    _stop_awaiting(context)
    await reply(update, *screens.hub_screen(draft, hubs))


# -- the flow's state


def _stop_awaiting(context: BotContext) -> None:
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if isinstance(awaiting, tuple) and awaiting and awaiting[0] == AWAIT:
        assert context.user_data is not None
        context.user_data.pop(AWAITING, None)


def _end(context: BotContext) -> None:
    _stop_awaiting(context)
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _awaiting(context: BotContext, draft: Draft, step: str | None) -> None:
    if step is None:
        _stop_awaiting(context)
    elif context.user_data is not None:
        context.user_data[AWAITING] = (AWAIT, draft.flow, step)


def _draft(context: BotContext, number: int) -> Draft | None:
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    return draft if isinstance(draft, Draft) and draft.flow == number else None


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


async def _show(update: Update, screen: tuple[str, object], alert: str | None = None) -> None:
    """A press edits the flow's message; typed input gets a new one (below what was typed)."""
    query = update.callback_query
    text, markup = screen
    if query is not None:
        await (query.answer() if alert is None else query.answer(alert, show_alert=True))
        await edit_or_reply(update, text, markup)  # type: ignore[arg-type]
    else:
        await reply(update, text, markup)  # type: ignore[arg-type]


async def _next(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    """The first step still missing; the preview once none is."""
    if draft.question is None:
        _awaiting(context, draft, "question")
        await _show(update, screens.question_screen(draft, hub, note))
    elif not draft.options_done:
        _awaiting(context, draft, "option")
        await _show(update, screens.options_screen(draft, note))
    else:
        _awaiting(context, draft, None)
        await _show(update, screens.preview_screen(draft, hub, note))


def _now(context: BotContext) -> datetime:
    return context.services.scheduler.clock.now()


def _closes_at(context: BotContext, draft: Draft) -> datetime | None:
    if draft.close in screens.CLOSES:
        return _now(context) + screens.CLOSES[draft.close]
    return draft.closes_at if draft.close == "at" else None


async def _ask_close(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    _awaiting(context, draft, "closes")
    example = (_now(context) + timedelta(days=3)).astimezone(ZoneInfo(hub.timezone))
    await _show(
        update, screens.close_at_screen(draft, hub, example.strftime("%Y-%m-%d 18:00"), note)
    )


def parse_moment(text: str, zone: str) -> datetime | None:
    match = _MOMENT.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=ZoneInfo(zone))
    except ValueError:
        return None


# -- presses and typed answers


async def _press(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, action: str, arg: str
) -> bool:
    """One press on a draft whose hub the person runs; False when it makes no sense here."""
    if action == "done" and not arg and not draft.options_done and draft.question is not None:
        if len(draft.options) < screens.MIN_OPTIONS:
            return False
        draft.options_done = True
        await _next(update, context, draft, hub)
        return True
    if not draft.options_done:
        return False
    if action in ("an", "mu", "to", "pv") and not arg:
        if action == "an":
            draft.anonymous = not draft.anonymous
        elif action == "mu":
            draft.multiple = not draft.multiple
        elif action == "to":
            draft.private = not draft.private
        await _next(update, context, draft, hub)
        return True
    if action == "cl" and arg in (*screens.CLOSES, "never"):
        draft.close, draft.closes_at = arg, None
        await _next(update, context, draft, hub)
        return True
    if action == "cl" and arg == "at":
        await _ask_close(update, context, draft, hub)
        return True
    if action == "ok" and not arg:
        await _confirm(update, context, draft, hub)
        return True
    return False


async def _confirm(update: Update, context: BotContext, draft: Draft, hub: HubRow) -> None:
    assert draft.question is not None
    closes_at = _closes_at(context, draft)
    if closes_at is not None and closes_at <= _now(context):
        await _ask_close(update, context, draft, hub, _("That time has already passed."))
        return
    try:
        view = await context.services.polls.create(
            hub_id=hub.id,
            author_id=context.viewer.id,
            question=draft.question,
            options=list(draft.options),
            anonymous=draft.anonymous,
            multiple=draft.multiple,
            closes_at=closes_at,
            private=draft.private,
        )
    except PollError as exc:
        await _next(update, context, draft, hub, exc.message)
        return
    _end(context)
    await _show(update, (screens.created_text(view.id, view.private), None))


async def _typed(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, step: str, text: str
) -> None:
    typed = " ".join(text.split())
    if step == "question":
        problem = question_problem(typed)
        if problem is None:
            draft.question = typed
        await _next(update, context, draft, hub, problem)
    elif step == "option" and draft.question is not None and not draft.options_done:
        problem = option_problem(draft.options, typed)
        if problem is None:
            draft.options.append(typed)
            if len(draft.options) >= screens.MAX_OPTIONS:
                draft.options_done = True
        await _next(update, context, draft, hub, problem)
    elif step == "closes" and draft.options_done:
        moment = parse_moment(typed, hub.timezone)
        if moment is None:
            await _ask_close(
                update,
                context,
                draft,
                hub,
                _("I couldn't read “{text}” as a date and time.", text=typed),
            )
        elif moment <= _now(context):
            await _ask_close(update, context, draft, hub, _("That time has already passed."))
        else:
            draft.close, draft.closes_at = "at", moment
            await _next(update, context, draft, hub)
    else:
        _stop_awaiting(context)


async def flow_callback(update: Update, context: BotContext) -> None:
    """``pw2:<flow>:<action>[:<arg>]``: one step of the flow, for the flow still open."""
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
        await edit_or_reply(update, _("Cancelled. No poll was sent."))
        return
    if action == "hub" and arg.isdigit() and draft.hub_id is None:
        hub = await _hub(update, context, int(arg))
        if hub is not None:
            draft.hub_id = hub.id
            await _next(update, context, draft, hub)
        return
    if draft.hub_id is None:
        await stale_button(update)
        return
    hub = await _hub(update, context, draft.hub_id)
    if hub is not None and not await _press(update, context, draft, hub, action, arg):
        await stale_button(update)


async def flow_input(update: Update, context: BotContext) -> None:
    """The question, an answer or a closing time typed while asked for."""
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
        await _typed(update, context, draft, hub, awaiting[2], message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CommandHandler("poll", poll_command))
    app.add_handler(CallbackQueryHandler(flow_callback, pattern=callbacks.pattern(screens.ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, flow_input),
        group=INPUT_GROUP,
    )
