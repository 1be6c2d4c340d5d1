"""Facilitators answer, approve and close questions: by command, by reply, by button."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import callbacks
from bot.context import BotContext
from bot.db.questions import QuestionRow, QuestionStatus
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    refuse,
    reply,
    stale_button,
)
from bot.handlers.questions import problem, refresh_post
from bot.i18n import _
from bot.parsing import id_and_rest
from bot.services.questions import MAX_ANSWER, QuestionError

# -- facilitators: answer, approve, close


async def _facilitated_question(
    update: Update, context: BotContext, question_id: int | None, action: str
) -> QuestionRow | None:
    """The question, if it exists and the person runs its hub; otherwise say so."""
    services = context.services
    question = await services.questions.get(question_id) if question_id is not None else None
    if question is None or question.status is QuestionStatus.DRAFT:
        await reply(update, _("There is no question #{id} in your hubs.", id=question_id or "?"))
        return None
    if not await services.access.can_facilitate(question.hub_id, context.viewer.id):
        if await services.hubs.role(question.hub_id, context.viewer.id) is None:
            await reply(update, _("There is no question #{id} in your hubs.", id=question.id))
        else:
            await refuse(update, context, action, question.hub_id)
        return None
    return question


def _id_and_rest(update: Update) -> tuple[int | None, str]:
    return id_and_rest(args_text(update))


async def answer_command(update: Update, context: BotContext) -> None:
    question_id, text = _id_and_rest(update)
    if question_id is None or not text.strip():
        await reply(
            update,
            _(
                "Give the question's number and your answer: /answer 12 your answer. "
                "In the group you can also reply to the question's post."
            ),
        )
        return
    question = await _facilitated_question(update, context, question_id, "answer")
    if question is not None:
        await _answer(update, context, question, text)


async def reply_answer(update: Update, context: BotContext) -> None:
    """A facilitator's reply to a question's post in the group answers it."""
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    replied = message.reply_to_message
    if replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    question = await context.services.questions.by_post(message.chat.id, replied.message_id)
    if question is None:
        return
    if not await context.services.access.can_facilitate(question.hub_id, context.viewer.id):
        return  # members talk about a question; only facilitators' replies are answers
    await _answer(update, context, question, message.text or "")


async def _answer(update: Update, context: BotContext, question: QuestionRow, text: str) -> None:
    services = context.services
    try:
        answered, corrected = await services.questions.answer(question, text, context.viewer.id)
    except QuestionError as exc:
        if exc.reason == "too-long":
            await reply(
                update, _("That answer is too long: at most {limit} characters.", limit=MAX_ANSWER)
            )
        else:
            await reply(update, problem(exc.reason))
        return
    services.delivery.wake()
    await refresh_post(context, answered)
    if corrected:
        await reply(
            update,
            _(
                "Answer to #{id} updated. The person who asked gets the new version.",
                id=question.id,
            ),
        )
    else:
        await reply(
            update,
            _("Answer to #{id} posted. The person who asked gets it privately.", id=question.id),
        )


async def approve_command(update: Update, context: BotContext) -> None:
    question_id, _rest = _id_and_rest(update)
    if question_id is None:
        await reply(update, _("Type the question number, e.g. /approve 12"))
        return
    question = await _facilitated_question(update, context, question_id, "approve")
    if question is not None:
        await _approve(update, context, question)


async def _approve(update: Update, context: BotContext, question: QuestionRow) -> None:
    if await context.services.questions.approve(question):
        context.services.delivery.wake()
        await edit_or_reply(update, _("Question #{id} approved and posted.", id=question.id))
    else:
        await edit_or_reply(update, _("Question #{id} was already handled.", id=question.id))


async def close_command(update: Update, context: BotContext) -> None:
    question_id, reason = _id_and_rest(update)
    if question_id is None:
        await reply(
            update,
            _("Type the question number and, if you like, a reason: /close 12 Already answered"),
        )
        return
    question = await _facilitated_question(update, context, question_id, "close")
    if question is not None:
        await _close(update, context, question, reason)


async def _close(update: Update, context: BotContext, question: QuestionRow, reason: str) -> None:
    try:
        closed = await context.services.questions.close(question, reason)
    except QuestionError:
        await edit_or_reply(update, _("Question #{id} was already handled.", id=question.id))
        return
    context.services.delivery.wake()
    await refresh_post(context, closed)
    await edit_or_reply(
        update, _("Question #{id} closed. The person who asked will be told.", id=question.id)
    )


async def moderation_callback(update: Update, context: BotContext) -> None:
    """``qm:<id>:ok|no``: Approve or Reject, re-checking the role on every press."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "qm", int, str)
    question = await context.services.questions.get(parsed[0]) if parsed else None
    if parsed is None or question is None or parsed[1] not in ("ok", "no"):
        await stale_button(update)
        return
    if not await context.services.access.can_facilitate(question.hub_id, context.viewer.id):
        await refuse(update, context, "moderate", question.hub_id)
        return
    await query.answer()
    if question.status is not QuestionStatus.PENDING:
        await edit_or_reply(update, _("Question #{id} was already handled.", id=question.id))
    elif parsed[1] == "ok":
        await _approve(update, context, question)
    else:
        await _close(update, context, question, "")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("answer", answer_command))
    app.add_handler(CommandHandler("approve", approve_command))
    app.add_handler(CommandHandler("close", close_command))
    app.add_handler(CallbackQueryHandler(moderation_callback, pattern=callbacks.pattern("qm")))
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.REPLY & filters.TEXT & ~filters.COMMAND, reply_answer
        )
    )
