"""A survey's results and CSV: ``/results s<id> [csv]`` and the buttons under ``sr``.

``sr:v:<survey>`` shows the results (the "📊 Results" button of /surveys), ``sr:c:<survey>``
sends the CSV privately. ``/results`` itself lives in bot/handlers/polls.py and hands an ``s…``
argument here. Facilitators of the survey's hub and network admins only, checked on every command
and every press (buttons may be old or forged). Names go with answers only in a private chat.
"""

from __future__ import annotations

import logging
import re

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import callbacks
from bot.buttons import button_label
from bot.context import BotContext
from bot.db.survey_results import ResultSurvey
from bot.handlers.common import refuse, reply, stale_button
from bot.i18n import _, ngettext
from bot.logs import describe_exception
from bot.parsing import parse_int
from bot.services.survey_csv import MEDIA_TYPE, build_csv
from bot.services.survey_report import render_results, survey_ref
from bot.services.survey_results import MIN_ANONYMOUS_RESPONSES

log = logging.getLogger(__name__)

ACTION = "sr"
_REF = re.compile(r"[sS]#?(\d{1,19})")


def is_survey_ref(args: list[str] | None) -> bool:
    """Whether /results is about a survey: its argument starts with ``s`` (``s3``, ``S3``)."""
    return bool(args) and args[0][:1] in ("s", "S")  # type: ignore[index]


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == Chat.PRIVATE


def _keyboard(survey: ResultSurvey) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button_label("📄 CSV"), callback_data=callbacks.pack(ACTION, "c", survey.id)
                )
            ]
        ]
    )


async def _survey_for(update: Update, context: BotContext, survey_id: int) -> ResultSurvey | None:
    """The survey, if it exists and this person may read its results; otherwise say why not."""
    services = context.services
    survey = await services.survey_results.survey(survey_id)
    if survey is None:
        if update.callback_query is not None:
            await stale_button(update)
        else:
            await reply(update, _("There is no survey with that number."))
        return None
    if await services.survey_results.may_read(survey, context.viewer.id):
        return survey
    if survey.hub_id is not None:
        await refuse(update, context, "survey results", survey.hub_id)
        return None
    services.access.refused("survey results", context.viewer.id, None)
    text = _("Only network admins can see the results of a survey sent to every hub.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)
    return None


async def _shown_here(update: Update, context: BotContext, survey: ResultSurvey) -> bool:
    """Results go to a private chat or to the survey's own hub group, nowhere else (another
    hub's group must not read them); otherwise say to ask privately."""
    chat = update.effective_chat
    if chat is None or chat.type == Chat.PRIVATE:
        return True
    ref = survey_ref(survey.id)
    if survey.hub_id is None:
        text = _(
            "The results of a survey sent to every hub are shown only in private. "
            "Send /results {ref} to me privately.",
            ref=ref,
        )
    else:
        hub = await context.services.hubs.for_chat(chat.id)
        if hub is not None and hub.id == survey.hub_id:
            return True
        text = _(
            "This survey's results are shown only in its own hub's group. "
            "Send /results {ref} to me privately.",
            ref=ref,
        )
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)
    return False


async def _held_back(update: Update, context: BotContext, survey: ResultSurvey) -> bool:
    """An open anonymous survey with too few responses: say why nothing is shown yet."""
    sent = await context.services.survey_results.held_back(survey)
    if sent is None:
        return False
    text = _(
        "The results of an anonymous survey are shown once {minimum} members have sent their "
        "answers, so that nobody's answers can be read off the results. So far: {sent}.",
        minimum=MIN_ANONYMOUS_RESPONSES,
        sent=sent,
    )
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await reply(update, text)
    return True


async def _show(update: Update, context: BotContext, survey: ResultSurvey) -> None:
    # Who answered what (a named survey) is for the facilitator's eyes: never in a group.
    results = await context.services.survey_results.results(survey.id, names=_private(update))
    if results is None:
        await reply(update, _("There is no survey with that number."))
        return
    await reply(update, render_results(results, context.viewer.timezone), _keyboard(survey))


async def _send_csv(update: Update, context: BotContext, survey: ResultSurvey) -> str | None:
    """Send the CSV privately; return what to tell the person if it could not go."""
    made = build_csv(survey, await context.services.survey_results.responses(survey))
    caption = ngettext(
        "Survey {ref}: <b>{title}</b>, {count} response.",
        "Survey {ref}: <b>{title}</b>, {count} responses.",
        made.rows,
        ref=survey_ref(survey.id),
        title=survey.title,
    )
    document = InputFile(made.data, filename=made.name)
    document.mimetype = MEDIA_TYPE
    try:
        await context.bot.send_document(context.viewer.id, document=document, caption=caption)
    except Forbidden:
        return _(
            "I can't write to you privately. Open our private chat, press Start, then try again."
        )
    except TelegramError as error:
        log.warning("survey CSV not sent: %s", describe_exception(error))
        return _(
            "Sorry, something went wrong. Please try again; "
            "if it happens again, tell your facilitator."
        )
    return None


async def results_command(update: Update, context: BotContext) -> None:
    """``/results s3`` shows a survey's results; ``/results s3 csv`` sends its CSV."""
    args = context.args or []
    match = _REF.fullmatch(args[0]) if args else None
    survey_id = parse_int(match[1], minimum=1) if match else None
    csv_wanted = len(args) == 2 and args[1].casefold() == "csv"
    if survey_id is None or len(args) > 2 or (len(args) == 2 and not csv_wanted):
        await reply(
            update,
            _(
                "Which survey? Send /results and the survey's number after an s, e.g. "
                "/results s3; add csv for a spreadsheet: /results s3 csv."
            ),
        )
        return
    survey = await _survey_for(update, context, survey_id)
    if survey is None:
        return
    if not csv_wanted:
        if await _shown_here(update, context, survey) and not await _held_back(
            update, context, survey
        ):
            await _show(update, context, survey)
        return
    if await _held_back(update, context, survey):
        return
    problem = await _send_csv(update, context, survey)
    if problem is not None:
        await reply(update, problem)
    elif not _private(update):
        await reply(update, _("I've sent you the CSV file in our private chat."))


async def results_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, ACTION, str, int)
    if parsed is None or parsed[0] not in ("v", "c"):
        await stale_button(update)
        return
    survey = await _survey_for(update, context, parsed[1])
    if survey is None:
        return
    if parsed[0] == "v":
        if await _shown_here(update, context, survey) and not await _held_back(
            update, context, survey
        ):
            await query.answer()
            await _show(update, context, survey)
        return
    if await _held_back(update, context, survey):
        return
    problem = await _send_csv(update, context, survey)
    if problem is not None:
        await query.answer(problem, show_alert=True)
    elif not _private(update):
        await query.answer(_("I've sent you the CSV file in our private chat."))
    else:
        await query.answer()


def register(app: Application) -> None:
    app.add_handler(
        CallbackQueryHandler(results_callback, pattern=callbacks.pattern(ACTION)), group=0
    )
