"""Questions: /ask, "🙋 Me too" votes and the post's refresh, /questions, /agenda.

Facilitators' /answer, /approve and /close are in ``answering.py``; the archive in ``faq.py``.
"""

from __future__ import annotations

import logging

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n, keyboards
from bot.buttons import button_label
from bot.context import AWAITING, BotContext
from bot.db.questions import QuestionRow, QuestionStatus
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    facilitated_hub,
    hub_from_callback,
    reply,
    shorten,
    stale_button,
)
from bot.handlers.settings import INPUT_GROUP
from bot.i18n import _
from bot.pacing import retry_seconds
from bot.services.questions import (
    MAX_QUESTION,
    QuestionError,
)

log = logging.getLogger(__name__)
AWAIT_QUESTION = "question"
ASK_DRAFT = "ask-draft"  # user_data: the text typed with /ask while the hub is being picked


def problem(reason: str) -> str:
    return {
        "empty": _("Write the question after the command, e.g. /ask How do you give feedback?"),
        "too-long": _(
            "That is too long: questions have at most {limit} characters.", limit=MAX_QUESTION
        ),
        "not-member": _("You are not a member of that hub (any more)."),
        "handled": _("This question was already sent."),
        "closed": _("This question is closed."),
        "not-open": _("This question is closed."),
        "own": _("You can't add 🙋 Me too to your own question."),
    }.get(reason, _("This button is no longer valid."))


# -- asking


async def ask_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        link = f"https://t.me/{context.bot.username}"
        await reply(update, _("Ask your question in a private chat with me:") + "\n" + link)
        return
    memberships = await context.services.hubs.memberships(context.viewer.id)
    if not memberships:
        await reply(update, _("You are not in a hub yet. Ask your facilitator for an invite link."))
        return
    text = args_text(update)
    if len(memberships) > 1:
        if context.user_data is not None:
            context.user_data[ASK_DRAFT] = text
        await reply(
            update,
            _("Which hub is your question for?"),
            keyboards.hubs("qh", [m.hub for m in memberships]),
        )
        return
    await _with_hub(update, context, memberships[0].hub.id, text)


async def pick_hub_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "qh", int)
    if parsed is None or context.user_data is None or ASK_DRAFT not in context.user_data:
        await stale_button(update)
        return
    await query.answer()
    await _with_hub(update, context, parsed[0], context.user_data.pop(ASK_DRAFT))


async def _with_hub(update: Update, context: BotContext, hub_id: int, text: str) -> None:
    if not text.strip():
        hub = await context.services.hubs.get(hub_id)
        if hub is None:
            await stale_button(update)
            return
        if context.user_data is not None:
            context.user_data[AWAITING] = (AWAIT_QUESTION, hub_id)
        await edit_or_reply(update, _("Type your question for <b>{hub}</b>:", hub=hub.name))
        return
    try:
        question = await context.services.questions.draft(hub_id, context.viewer.id, text)
    except QuestionError as exc:
        await reply(update, problem(exc.reason))
        return
    # The question is complete: similar answered ones first, if any ("already answered?").
    from bot.handlers.already_answered import offer  # it imports this module

    if await offer(update, context, question):
        return
    await show_draft(update, context, question, chosen=False)


async def question_text_input(update: Update, context: BotContext) -> None:
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and awaiting[0] == AWAIT_QUESTION):
        return
    assert context.user_data is not None
    context.user_data.pop(AWAITING, None)
    message = update.effective_message
    assert message is not None and message.text is not None
    await _with_hub(update, context, awaiting[1], message.text)
    raise ApplicationHandlerStop


async def show_draft(
    update: Update, context: BotContext, question: QuestionRow, *, chosen: bool
) -> None:
    hub = await context.services.hubs.get(question.hub_id)
    assert hub is not None
    lines = [_("Your question for <b>{hub}</b>:", hub=hub.name), "", i18n.show(question.text), ""]
    if not chosen:
        lines.append(_("Ask it with your name, or anonymously?"))
        rows = [
            [
                InlineKeyboardButton(
                    button_label("👤 With my name"),
                    callback_data=callbacks.pack("q", question.id, "named"),
                ),
                InlineKeyboardButton(
                    button_label("🕶 Anonymously"),
                    callback_data=callbacks.pack("q", question.id, "anon"),
                ),
            ],
            [
                InlineKeyboardButton(
                    _("✖ Cancel"), callback_data=callbacks.pack("q", question.id, "no")
                )
            ],
        ]
    else:
        lines.append(
            _("Nobody will see who asked it.")
            if question.anonymous
            else _("Your name will be shown with it.")
        )
        rows = [
            [
                InlineKeyboardButton(
                    button_label("✅ Confirm"), callback_data=callbacks.pack("q", question.id, "go")
                ),
                InlineKeyboardButton(
                    _("✖ Cancel"), callback_data=callbacks.pack("q", question.id, "no")
                ),
            ]
        ]
    await edit_or_reply(update, i18n.paragraphs(lines), InlineKeyboardMarkup(rows))


async def draft_callback(update: Update, context: BotContext) -> None:
    """``q:<id>:named|anon|go|no`` on the asker's own draft."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "q", int, str)
    services = context.services
    question = await services.questions.get(parsed[0]) if parsed else None
    if parsed is None or question is None or question.asker_id != context.viewer.id:
        await stale_button(update)
        return
    if question.status is not QuestionStatus.DRAFT:
        await query.answer(problem("handled"), show_alert=True)
        return
    action = parsed[1]
    if action in ("named", "anon"):
        await query.answer()
        question = await services.questions.set_anonymous(question, action == "anon")
        await show_draft(update, context, question, chosen=True)
    elif action == "no":
        await services.questions.discard(question)
        await query.answer()
        await edit_or_reply(update, _("Cancelled. Your question was not sent."))
    elif action == "go":
        try:
            submitted = await services.questions.submit(question)
        except QuestionError as exc:
            await query.answer(problem(exc.reason), show_alert=True)
            return
        await query.answer()
        services.delivery.wake()
        hub = await services.hubs.get(submitted.hub_id)
        assert hub is not None
        if submitted.status is QuestionStatus.PENDING:
            text = _(
                "Question #{id} is waiting for a facilitator of {hub} to approve it.",
                id=submitted.id,
                hub=hub.name,
            )
        else:
            text = _(
                "Question #{id} is posted in {hub}. You will get the answer here.",
                id=submitted.id,
                hub=hub.name,
            )
        await edit_or_reply(update, text)
    else:
        await stale_button(update)


# -- votes


async def vote_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "qv", int)
    question = await context.services.questions.get(parsed[0]) if parsed else None
    if question is None or question.status is QuestionStatus.DRAFT:
        await stale_button(update)
        return
    try:
        voted, question = await context.services.questions.vote(question, context.viewer.id)
    except QuestionError as exc:
        await query.answer(problem(exc.reason), show_alert=True)
        return
    await query.answer(
        _("🙋 Me too added ({count} so far).", count=question.votes)
        if voted
        else _("Your 🙋 Me too was removed.")
    )
    await refresh_post(context, question)


async def refresh_post(context: BotContext, question: QuestionRow) -> None:
    """Bring the group post up to date (votes, answer, closing); best effort."""

    async def edit(chat_id: int, message_id: int, text: str, markup: dict | None) -> None:
        keyboard = InlineKeyboardMarkup.de_json(markup, context.bot) if markup else None
        try:
            await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=keyboard)
        except BadRequest as exc:
            # Only after a restart, when the last edit sent is forgotten: the post is current.
            if "not modified" not in exc.message:
                raise

    try:
        await context.services.questions.refresh_post(question.id, edit)
    except RetryAfter as exc:
        # The group is out of budget: bring the post up to date when Telegram allows, once.
        assert context.job_queue is not None
        name = f"refresh-post:{question.id}"
        for job in context.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        context.job_queue.run_once(
            refresh_post_job, retry_seconds(exc), data=question.id, name=name
        )
    except TelegramError as exc:
        log.warning("could not update the post of question %s: %s", question.id, exc)


async def refresh_post_job(context: BotContext) -> None:
    """A post refresh that Telegram put off (429)."""
    assert context.job is not None
    question = await context.services.questions.get(int(context.job.data))  # type: ignore[arg-type]
    if question is not None:
        await refresh_post(context, question)


# -- lists


async def questions_command(update: Update, context: BotContext) -> None:
    """Open questions of the member's hubs, most-voted first; facilitators also see waiting ones."""
    services, viewer = context.services, context.viewer
    hubs = [m.hub for m in await services.hubs.memberships(viewer.id)]
    if not hubs:
        await reply(update, _("You are not in a hub yet. Ask your facilitator for an invite link."))
        return
    names = {h.id: h.name for h in hubs}
    open_ = await services.questions.open_questions(list(names))
    lines, rows = [_("<b>Open questions</b>")], []
    if not open_:
        lines.append(_("No open questions. Ask one with /ask."))
    for q in open_[:10]:
        lines += ["", _("#{id} · {hub} · 🙋 {votes}", id=q.id, hub=names[q.hub_id], votes=q.votes)]
        lines.append(i18n.show(shorten(q.text, 300)))
        rows.append(
            [
                InlineKeyboardButton(
                    button_label("🙋 Me too: #{id}", id=q.id),
                    callback_data=callbacks.pack("qv", q.id),
                )
            ]
        )
    run = [h.id for h in await services.access.facilitated_hubs(viewer.id)]
    waiting = await services.questions.waiting_questions(run)
    if waiting:
        lines += ["", _("<b>Waiting for approval</b>")]
        for q in waiting[:10]:
            lines += ["", f"{i18n.ref(q.id)} · {i18n.show(shorten(q.text, 300))}"]
            rows.append(
                [
                    InlineKeyboardButton(
                        button_label("✅ Approve #{id}", id=q.id),
                        callback_data=callbacks.pack("qm", q.id, "ok"),
                    ),
                    InlineKeyboardButton(
                        button_label("✖ Reject #{id}", id=q.id),
                        callback_data=callbacks.pack("qm", q.id, "no"),
                    ),
                ]
            )
    await reply(update, i18n.paragraphs(lines), InlineKeyboardMarkup(rows) if rows else None)


async def agenda_command(update: Update, context: BotContext) -> None:
    hub = await facilitated_hub(update, context, "agd")
    if hub is not None:
        await _agenda(update, context, hub.id, hub.name)


async def agenda_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "agd", int)
    hub = await hub_from_callback(update, context, "agenda", parsed[0]) if parsed else None
    if parsed is None:
        await stale_button(update)
    if hub is not None:
        await query.answer()
        await _agenda(update, context, hub.id, hub.name)


async def _agenda(update: Update, context: BotContext, hub_id: int, name: str) -> None:
    questions = await context.services.questions.open_questions([hub_id])
    lines = [_("<b>Agenda for {hub}</b>: open questions, most votes first", hub=name)]
    if not questions:
        lines.append(_("No open questions. Ask one with /ask."))
    for number, q in enumerate(questions, 1):
        votes = i18n.ngettext("{count} vote", "{count} votes", q.votes)
        lines.append(f"\n{number}. {i18n.ref(q.id)} ({votes})\n{i18n.show(q.text)}")
    suggested = await context.services.suggestions.counts(hub_id)
    if suggested.shown:  # "already answered?" (bot/handlers/already_answered.py)
        lines.append(
            "\n"
            + i18n.ngettext(
                "🔎 Already answered before asking: {answered} of {count} question "
                "that got suggestions.",
                "🔎 Already answered before asking: {answered} of {count} questions "
                "that got suggestions.",
                suggested.shown,
                answered=suggested.answered,
            )
        )
    await edit_or_reply(update, i18n.paragraphs(lines))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("ask", ask_command))
    app.add_handler(CommandHandler("questions", questions_command))
    app.add_handler(CommandHandler("agenda", agenda_command))
    app.add_handler(CallbackQueryHandler(pick_hub_callback, pattern=callbacks.pattern("qh")))
    app.add_handler(CallbackQueryHandler(draft_callback, pattern=callbacks.pattern("q")))
    app.add_handler(CallbackQueryHandler(vote_callback, pattern=callbacks.pattern("qv")))
    app.add_handler(CallbackQueryHandler(agenda_callback, pattern=callbacks.pattern("agd")))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, question_text_input
        ),
        group=INPUT_GROUP + 3,
    )
