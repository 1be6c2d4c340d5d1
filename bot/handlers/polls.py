"""/closepoll <id>, /results <id>, the poll and poll_answer updates; buttons under ``pr``.

``pr:m:<poll>`` offers reminder times, ``pr:t:<poll>:<h1|h3|tm>`` plans the reminder,
``pr:c:<poll>`` closes the poll now. Roles are checked on every command and every button: the
buttons may be old or forged. The /poll command itself lives in bot/handlers/poll_flow.py.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    PollAnswerHandler,
    PollHandler,
)

from bot import callbacks
from bot.buttons import button_label
from bot.context import BotContext
from bot.handlers import survey_results
from bot.handlers.common import edit_or_reply, refuse, reply, stale_button
from bot.i18n import _, format_datetime
from bot.parsing import parse_int
from bot.services.poll_render import render_results
from bot.services.poll_types import CLOSED, PollError, PollView

ACTION = "pr"
TIMES = ("h1", "h3", "tm")


def reminder_moment(choice: str, now: datetime, zone: str) -> datetime | None:
    """In one hour, in three hours, or tomorrow at 09:00 in the hub's zone."""
    if choice == "h1":
        return now + timedelta(hours=1)
    if choice == "h3":
        return now + timedelta(hours=3)
    if choice == "tm":
        local = now.astimezone(ZoneInfo(zone))
        tomorrow = local.date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(9, 0), tzinfo=ZoneInfo(zone))
    return None


def _keyboard(view: PollView) -> InlineKeyboardMarkup | None:
    if view.status == CLOSED:
        return None
    rows = []
    if view.remind_at is None:
        rows.append(
            [
                InlineKeyboardButton(
                    button_label("🔔 Remind non-voters"),
                    callback_data=callbacks.pack(ACTION, "m", view.id),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                button_label("Close the poll now"),
                callback_data=callbacks.pack(ACTION, "c", view.id),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _poll_for(
    update: Update, context: BotContext, action: str, poll_id: int | None
) -> PollView | None:
    """The poll, if it exists and this person facilitates its hub; otherwise say why not."""
    view = None if poll_id is None else await context.services.polls.get(poll_id)
    if view is None:
        if update.callback_query is not None:
            await stale_button(update)
        else:
            await reply(update, _("There is no poll with that number."))
        return None
    if not await context.services.access.can_facilitate(view.hub_id, context.viewer.id):
        await refuse(update, context, action, view.hub_id)
        return None
    return view


def _poll_id(context: BotContext) -> int | None:
    args = context.args or []
    if len(args) != 1:
        return None
    return parse_int(args[0].lstrip("#"), minimum=1)


async def _results_text(update: Update, context: BotContext, view: PollView) -> str:
    results = await context.services.polls.results(view.id)
    chat = update.effective_chat
    # Who has not voted is for the facilitator's eyes: in private only, never in the group.
    private = chat is not None and chat.type == Chat.PRIVATE
    return render_results(view, results, facilitator=private)


async def results_command(update: Update, context: BotContext) -> None:
    if survey_results.is_survey_ref(context.args):  # /results s3: a survey
        await survey_results.results_command(update, context)
        return
    poll_id = _poll_id(context)
    if poll_id is None:
        await reply(update, _("Which poll? Send /results and its number, e.g. /results 12."))
        return
    view = await _poll_for(update, context, "results", poll_id)
    if view is None:
        return
    await reply(update, await _results_text(update, context, view), _keyboard(view))


async def closepoll_command(update: Update, context: BotContext) -> None:
    poll_id = _poll_id(context)
    if poll_id is None:
        await reply(update, _("Which poll? Send /closepoll and its number, e.g. /closepoll 12."))
        return
    view = await _poll_for(update, context, "closepoll", poll_id)
    if view is None:
        return
    try:
        await context.services.polls.close(view.id)
    except PollError as error:
        await reply(update, error.message)
        return
    await reply(update, _("The poll is closed; its results are on their way."))


async def results_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    data = query.data
    parsed = callbacks.unpack(data, ACTION, str, int) or callbacks.unpack(
        data, ACTION, str, int, str
    )
    if parsed is None or parsed[0] not in ("m", "c", "t"):
        await stale_button(update)
        return
    view = await _poll_for(update, context, "results", parsed[1])
    if view is None:
        return
    services = context.services
    if parsed[0] == "c" and len(parsed) == 2:
        try:
            await services.polls.close(view.id)
        except PollError as error:
            await query.answer(error.message, show_alert=True)
            return
        await query.answer()
        await edit_or_reply(update, _("The poll is closed; its results are on their way."))
        return
    if parsed[0] == "m" and len(parsed) == 2:
        if view.anonymous:
            await query.answer(
                _(
                    "This poll is anonymous: nobody, not even the bot, knows who voted, "
                    "so it cannot remind only those who haven't."
                ),
                show_alert=True,
            )
            return
        labels = {
            "h1": button_label("In 1 hour"),
            "h3": button_label("In 3 hours"),
            "tm": button_label("Tomorrow 09:00"),
        }
        buttons = [
            [InlineKeyboardButton(labels[t], callback_data=callbacks.pack(ACTION, "t", view.id, t))]
            for t in TIMES
        ]
        await query.answer()
        await edit_or_reply(
            update,
            _("When should I remind those who haven't voted? Once, privately."),
            InlineKeyboardMarkup(buttons),
        )
        return
    if parsed[0] == "t" and len(parsed) == 3:
        hub = await services.hubs.get(view.hub_id)
        zone = hub.timezone if hub else "UTC"
        moment = reminder_moment(parsed[2], services.polls.now(), zone)
        if moment is None:
            await stale_button(update)
            return
        try:
            await services.polls.remind_non_voters(view.id, moment)
        except PollError as error:
            await query.answer(error.message, show_alert=True)
            return
        await query.answer()
        when = format_datetime(moment, context.viewer.timezone, "short")
        await edit_or_reply(
            update, _("I'll remind those who haven't voted on {when}, privately.", when=when)
        )
        return
    await stale_button(update)


async def poll_answer(update: Update, context: BotContext) -> None:
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an anonymous voting chat: nothing per person to record
    await context.services.polls.record_answer(
        answer.poll_id, answer.user.id, list(answer.option_ids)
    )


async def poll_update(update: Update, context: BotContext) -> None:
    poll = update.poll
    if poll is None:
        return
    # Updates run concurrently: the update_id keeps an older one from overwriting a newer one.
    await context.services.polls.record_counts(
        poll.id,
        [option.voter_count for option in poll.options],
        poll.total_voter_count,
        update.update_id,
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("results", results_command), group=0)
    app.add_handler(CommandHandler("closepoll", closepoll_command), group=0)
    app.add_handler(
        CallbackQueryHandler(results_callback, pattern=callbacks.pattern(ACTION)), group=0
    )
    app.add_handler(PollAnswerHandler(poll_answer), group=0)
    app.add_handler(PollHandler(poll_update), group=0)
