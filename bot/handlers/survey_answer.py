"""Answering a survey one question at a time (callbacks ``sv``, typed text group 21); /surveys.

Every press names its survey and question; the service checks that the person was invited, has
not finished, that the survey is open and that the question is the survey's, so a forged or stale
press gets a clear answer and nothing is stored. A free-text question waits for the next private
message (``AWAITING``); the answer's screen follows as a new message.
"""

from __future__ import annotations

from telegram import Chat, InlineKeyboardMarkup, Update
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
from bot.handlers import survey_answer_screens as screens
from bot.handlers.common import edit_or_reply, reply, stale_button
from bot.i18n import _
from bot.services.survey_render import ACTION, when
from bot.services.survey_types import AnswerState, SurveyClosedError, SurveyError

INPUT_GROUP = 21
AWAIT = "survey-answer"  # AWAITING = (AWAIT, survey id, question id)
ARGS: dict[str, tuple[type, ...]] = {
    "s": (int,),
    "q": (int, int),
    "a": (int, int, int),
    "t": (int, int, int),
    "n": (int, int),
    "k": (int, int),
    "l": (int,),
    "f": (int,),
}


def _stop_awaiting(context: BotContext) -> None:
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if isinstance(awaiting, tuple) and awaiting and awaiting[0] == AWAIT:
        assert context.user_data is not None
        context.user_data.pop(AWAITING, None)


def _problem(context: BotContext, error: SurveyError) -> str:
    if isinstance(error, SurveyClosedError):
        return screens.closed_text(when(error.closed_on, context.viewer.timezone))
    return error.message


async def _show(
    update: Update, context: BotContext, state: AnswerState, position: int, *, new: bool = False
) -> None:
    """The question at ``position`` (past the last: the summary); a text question waits."""
    text, markup = screens.screen_at(state, position)
    _stop_awaiting(context)
    questions = state.survey.questions
    if 1 <= position <= len(questions) and questions[position - 1].kind == "text":
        assert context.user_data is not None
        context.user_data[AWAITING] = (AWAIT, state.survey.id, questions[position - 1].id)
    if new:
        await reply(update, text, markup)
    else:
        await edit_or_reply(update, text, markup)


def _next_position(state: AnswerState, question_id: int) -> int:
    """After answering a question: the next one, or the summary once all are answered."""
    position = next(q.position for q in state.survey.questions if q.id == question_id)
    if position < len(state.survey.questions):
        return position + 1
    return state.first_unanswered() or position + 1


def _parse(data: str | None) -> tuple[str, tuple] | None:
    parts = (data or "").split(":")
    if len(parts) < 2 or parts[1] not in ARGS:
        return None
    parsed = callbacks.unpack(data, ACTION, str, *ARGS[parts[1]])
    return None if parsed is None else (parsed[0], parsed[1:])


async def survey_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = _parse(query.data)
    chat = update.effective_chat
    if parsed is None or chat is None or chat.type != Chat.PRIVATE:
        await stale_button(update)
        return
    step, args = parsed
    surveys = context.services.surveys
    user_id = context.viewer.id
    survey_id = args[0]
    try:
        if step == "f":
            view = await surveys.submit(survey_id, user_id)
            _stop_awaiting(context)
            await query.answer()
            await edit_or_reply(update, screens.thanks_text(view))
            return
        if step == "l":
            state = await surveys.state(survey_id, user_id)
            _stop_awaiting(context)
            await query.answer()
            await edit_or_reply(
                update,
                screens.later_text(state.survey, context.viewer.timezone),
                screens.continue_keyboard(survey_id),
            )
            return
        if step == "s":
            state = await surveys.state(survey_id, user_id)
            position = state.first_unanswered() or len(state.survey.questions) + 1
        elif step == "q":
            state = await surveys.state(survey_id, user_id)
            position = args[1]
            if not 1 <= position <= len(state.survey.questions) + 1:
                raise SurveyError(_("This button does not belong to this survey."))
        elif step == "t":
            state = await surveys.toggle(survey_id, user_id, args[1], args[2])
            position = surveys.question(state.survey, args[1]).position
        elif step == "a":
            state = await surveys.answer(survey_id, user_id, args[1], args[2])
            position = _next_position(state, args[1])
        else:  # "k" skip, "n" next after ticking (nothing ticked: skipped)
            state = await surveys.state(survey_id, user_id)
            question = surveys.question(state.survey, args[1])
            if step == "n" and question.kind != "multiple":
                raise SurveyError(_("This button does not belong to this survey."))
            if step == "k" or question.id not in state.drafts:
                state = await surveys.answer(survey_id, user_id, question.id, None)
            position = _next_position(state, question.id)
    except SurveyError as error:
        await query.answer(_problem(context, error), show_alert=True)
        return
    await query.answer()
    # Start/Continue (the invitation, a reminder, /surveys) opens a new message and leaves the
    # invitation, which says what is kept, as it was; every other step edits its own screen.
    await _show(update, context, state, position, new=step == "s")


async def survey_text_input(update: Update, context: BotContext) -> None:
    """A free-text answer typed while a text question waits for it."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and len(awaiting) == 3 and awaiting[0] == AWAIT):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    _tag, survey_id, question_id = awaiting
    try:
        state = await context.services.surveys.answer(
            survey_id, context.viewer.id, question_id, message.text
        )
    except SurveyError as error:
        try:  # a bad answer (empty, too long) is asked again; otherwise stop waiting
            await context.services.surveys.state(survey_id, context.viewer.id)
        except SurveyError:
            _stop_awaiting(context)
        await reply(update, _problem(context, error))
        raise ApplicationHandlerStop from None
    await _show(update, context, state, _next_position(state, question_id), new=True)
    raise ApplicationHandlerStop


# -- /surveys


async def surveys_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await reply(update, _("Send /surveys to me privately to see your surveys."))
        return
    services = context.services
    viewer = context.viewer
    zone = viewer.timezone
    text, rows = screens.member_list(await services.surveys.open_for(viewer.id), zone)
    hubs = await services.access.facilitated_hubs(viewer.id)
    if hubs or viewer.is_admin:
        listed = await services.surveys.for_hubs([h.id for h in hubs], viewer.is_admin)
        if listed:
            pairs = [(v, await services.surveys.progress(v.id)) for v in listed[:10]]
            more_text, more_rows = screens.facilitator_list(pairs, zone)
            text = text + "\n\n" + more_text
            rows += more_rows
    await reply(update, text, InlineKeyboardMarkup(rows) if rows else None)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("surveys", surveys_command))
    app.add_handler(CallbackQueryHandler(survey_callback, pattern=callbacks.pattern(ACTION)))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, survey_text_input
        ),
        group=INPUT_GROUP,
    )
