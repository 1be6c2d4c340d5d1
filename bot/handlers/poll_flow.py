"""/poll: the one-line power form and the guided flow (hub, question, answers, settings, preview).

The draft lives in ``user_data`` (``poll_screens.Draft``); every button press and every typed
answer re-checks that the person still runs the hub. Confirm hands the poll to
``services.polls.create``, which validates it again and sends it.
"""

from __future__ import annotations

import time

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
from bot.handlers.flows import runnable_hub, unpack_press
from bot.handlers.poll_screens import Draft
from bot.handlers.poll_steps import (
    AWAIT,
    DRAFT,
    STATE,
    end_flow,
    next_step,
    parse_power,
    press,
    stop_awaiting,
    typed,
)
from bot.i18n import _

FLOWS = "poll-flows"  # user_data: how many flows this person has started (numbers them)
INPUT_GROUP = 20
ACTION = "poll"  # what refusals are logged as


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
        await next_step(update, context, draft, hubs[0])
        return
    stop_awaiting(context)
    await reply(update, *screens.hub_screen(draft, hubs))


def _draft(context: BotContext, number: int) -> Draft | None:
    return STATE.draft(context, number, Draft)


async def _hub(update: Update, context: BotContext, hub_id: int) -> HubRow | None:
    return await runnable_hub(update, context, hub_id, state=STATE, action=ACTION)


async def flow_callback(update: Update, context: BotContext) -> None:
    """``pw2:<flow>:<action>[:<arg>]``: one step of the flow, for the flow still open."""
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
        await edit_or_reply(update, _("Cancelled. No poll was sent."))
        return
    if action == "hub" and arg.isdigit() and draft.hub_id is None:
        hub = await _hub(update, context, int(arg))
        if hub is not None:
            draft.hub_id = hub.id
            await next_step(update, context, draft, hub)
        return
    if draft.hub_id is None:
        await stale_button(update)
        return
    hub = await _hub(update, context, draft.hub_id)
    if hub is not None and not await press(update, context, draft, hub, action, arg):
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
        stop_awaiting(context)
        return
    hub = await _hub(update, context, draft.hub_id)
    if hub is not None:
        await typed(update, context, draft, hub, awaiting[2], message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CommandHandler("poll", poll_command))
    app.add_handler(CallbackQueryHandler(flow_callback, pattern=callbacks.pattern(screens.ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, flow_input),
        group=INPUT_GROUP,
    )
