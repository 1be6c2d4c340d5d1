"""/survey: the guided builder (hub, title, questions, anonymity, opening, deadline, reminders,
preview), or the "after" of an earlier survey with its questions copied.

The draft lives in ``user_data`` (``survey_screens.Draft``); every button press and every typed
answer re-checks that the person may still make a survey for the draft's hub (for every hub:
network admins only), then ``survey_steps.Flow`` acts. Confirm hands the survey to
``services.surveys.create``, which validates it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
from bot.handlers import survey_screens as screens
from bot.handlers.common import edit_or_reply, group_hub, refuse, reply, stale_button
from bot.handlers.flow_words import next_flow_number
from bot.handlers.flows import runnable_hub, unpack_press
from bot.handlers.survey_screens import Draft, Scope
from bot.handlers.survey_steps import Flow
from bot.handlers.survey_times import AWAIT, DRAFT, STATE, end_flow, stop_awaiting
from bot.i18n import _
from bot.parsing import parse_id

FLOWS = "survey-flows"  # user_data: how many flows this person has started (numbers them)
INPUT_GROUP = 22
ACTION = "survey"  # what refusals are logged as


async def survey_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE or context.user_data is None:
        if await group_hub(update, context, ACTION) is not None:
            await reply(update, _("To make a survey for this hub, send /survey to me privately."))
        return
    hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if not hubs:
        await refuse(update, context, ACTION, None)
        return
    admin = context.services.access.is_admin(context.viewer.id)
    number = next_flow_number(context.user_data, FLOWS)
    draft = Draft(number, several_hubs=len(hubs) > 1 or admin)
    context.user_data[DRAFT] = draft
    if not draft.several_hubs:
        draft.chosen, draft.hub_id = True, hubs[0].id
        scope = Scope(hubs[0], hubs[0].timezone)
        await Flow(update, context, draft, scope).next_step()
        return
    stop_awaiting(context)
    await reply(update, *screens.hub_screen(draft, hubs, admin))  # type: ignore[arg-type]


def _draft(context: BotContext, number: int) -> Draft | None:
    return STATE.draft(context, number, Draft)


async def _scope(update: Update, context: BotContext, draft: Draft) -> Scope | None:
    """Whom the draft is for, if the person may still make it; else None after saying why."""
    if draft.all_hubs:
        if context.services.access.is_admin(context.viewer.id):
            return Scope(None, context.viewer.timezone)
        end_flow(context)
        await refuse(update, context, ACTION, None)
        return None
    assert draft.hub_id is not None
    hub = await runnable_hub(update, context, draft.hub_id, state=STATE, action=ACTION)
    return Scope(hub, hub.timezone) if hub is not None else None


async def _choose_hub(update: Update, context: BotContext, draft: Draft, arg: str) -> None:
    if arg == screens.ALL_HUBS:
        draft.all_hubs = True
    else:
        hub_id = parse_id(arg)
        if hub_id is None:
            await stale_button(update)
            return
        draft.hub_id = hub_id
    scope = await _scope(update, context, draft)
    if scope is None:
        draft.all_hubs, draft.hub_id = False, None
        return
    draft.chosen = True
    await Flow(update, context, draft, scope).next_step()


# (action, has an argument) -> what the press does
_PRESSES: dict[tuple[str, bool], Callable[[Flow, str], Awaitable[bool]]] = {
    ("bf", False): Flow.on_before,
    ("bf", True): Flow.on_before,
    ("bk", True): Flow.on_back,
    ("k", True): Flow.on_kind,
    ("od", False): Flow.on_options_done,
    ("add", False): Flow.on_add,
    ("rm", False): Flow.on_remove,
    ("qd", False): Flow.on_questions_done,
    ("an", True): Flow.on_anonymous,
    ("op", True): Flow.on_opens,
    ("cl", True): Flow.on_closes,
    ("r", True): Flow.on_reminder,
    ("rd", False): Flow.on_reminders_done,
    ("ch", True): Flow.on_change,
    ("ok", False): Flow.on_confirm,
}


async def flow_callback(update: Update, context: BotContext) -> None:
    """``sw:<flow>:<action>[:<arg>]``: one step of the flow, for the flow still open."""
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
        await edit_or_reply(update, _("Cancelled. No survey was made."))
        return
    if action == "hub" and arg and not draft.chosen:
        await _choose_hub(update, context, draft, arg)
        return
    press = _PRESSES.get((action, bool(arg)))
    if press is None or not draft.chosen:
        await stale_button(update)
        return
    scope = await _scope(update, context, draft)
    if scope is not None and not await press(Flow(update, context, draft, scope), arg):
        await stale_button(update)


async def flow_input(update: Update, context: BotContext) -> None:
    """The title, a question, an option, an opening or a deadline typed while asked for."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and len(awaiting) == 3 and awaiting[0] == AWAIT):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    draft = _draft(context, awaiting[1])
    if draft is None or not draft.chosen:
        stop_awaiting(context)
        return
    scope = await _scope(update, context, draft)
    if scope is not None:
        await Flow(update, context, draft, scope).on_typed(awaiting[2], message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CommandHandler("survey", survey_command))
    app.add_handler(CallbackQueryHandler(flow_callback, pattern=callbacks.pattern(screens.ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, flow_input),
        group=INPUT_GROUP,
    )
