"""The guided /prompt flow: hub, text (typed or from the library), days, time, preview, confirm.

``start_flow`` is what /prompt calls without a schedule, or with what was wrong with a typed one.
The draft lives in ``user_data`` (see ``prompt_screens.Draft``); every button press and every
typed answer re-checks that the person still runs the hub, then ``prompt_steps.Flow`` acts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Chat, Update
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
from bot.handlers.flow_words import next_flow_number
from bot.handlers.flows import runnable_hub, unpack_press
from bot.handlers.prompt_screens import Draft
from bot.handlers.prompt_steps import AWAIT, DRAFT, STATE, Flow, end_flow, stop_awaiting
from bot.i18n import _

FLOWS = "prompt-flows"  # user_data: how many flows this person has started (numbers them)
INPUT_GROUP = 14
ACTION = "prompt"  # what refusals are logged as


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
    number = next_flow_number(context.user_data, FLOWS)
    draft = Draft(number)
    context.user_data[DRAFT] = draft
    if len(hubs) == 1:
        draft.hub_id = hubs[0].id
        await Flow(update, context, draft, hubs[0]).show_text(intro)
        return
    stop_awaiting(context)
    text, markup = screens.hub_screen(draft, hubs)
    await reply(update, "\n\n".join([*intro, text]), markup)


def _draft(context: BotContext, number: int) -> Draft | None:
    return STATE.draft(context, number, Draft)


async def _hub(update: Update, context: BotContext, hub_id: int) -> HubRow | None:
    return await runnable_hub(update, context, hub_id, state=STATE, action=ACTION)


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
    parsed = unpack_press(query.data, screens.ACTION)
    draft = _draft(context, parsed[0]) if parsed else None
    if parsed is None or draft is None:
        await stale_button(update)
        return
    _flow, action, arg = parsed
    if action == "no" and not arg:
        end_flow(context)
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
        stop_awaiting(context)
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
