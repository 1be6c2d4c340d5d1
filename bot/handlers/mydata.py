"""A member's own data: /mydata (a JSON file of everything kept) and /forgetme (erase it).

Callbacks ``fm:y`` (erase) and ``fm:n`` (cancel), on the confirmation in the private chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import BotCommandScopeChat, Chat, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, keyboards
from bot.buttons import button_label
from bot.context import BotContext
from bot.handlers.common import edit_or_reply, reply, stale_button
from bot.handlers.questions import refresh_post
from bot.i18n import _, ngettext
from bot.services.forget import ForgetBusyError, ForgetOutcome, LastFacilitatorError
from bot.services.mydata import FILE_NAME

log = logging.getLogger(__name__)

ACTION = "fm"


async def _private_only(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    if chat is not None and chat.type == Chat.PRIVATE:
        return True
    link = f"https://t.me/{context.bot.username}"
    await reply(update, _("Your data is private: ask me in our private chat.") + "\n" + link)
    return False


async def mydata_command(update: Update, context: BotContext) -> None:
    if not await _private_only(update, context):
        return
    viewer = context.viewer
    data = await context.services.mydata.export(viewer.id)
    if data is None:  # the gate records everyone who writes: only a race gets here
        await reply(update, _("I keep nothing about you."))
        return
    await context.bot.send_document(
        viewer.id,
        document=data,
        filename=FILE_NAME,
        caption=_(
            "Everything I keep about you, in one file (JSON, times in UTC). "
            "To erase it all, send /forgetme."
        ),
    )


def handover_text(hubs: list[tuple[int, str]]) -> str:
    names = ", ".join(i18n.show(name) for _id, name in hubs)
    return ngettext(
        "You are the only facilitator of {hubs}. Make another member a facilitator there first "
        "(/promote), then send /forgetme again. Nothing was erased.",
        "You are the only facilitator of these hubs: {hubs}. Make another member a facilitator "
        "in each first (/promote), then send /forgetme again. Nothing was erased.",
        len(hubs),
        hubs=i18n.Html(names),
    )


async def forgetme_command(update: Update, context: BotContext) -> None:
    if not await _private_only(update, context):
        return
    viewer = context.viewer
    last = await context.services.forget.last_facilitated(viewer.id)
    if last:
        await reply(update, handover_text(last))
        return
    text = i18n.paragraphs(
        [
            _("<b>Erase everything I keep about you?</b>"),
            "",
            _(
                "This deletes your profile and settings, your hub memberships, your reflections, "
                "your votes, meeting answers and survey answers, and the messages I keep for you."
            ),
            _(
                "Questions you asked are deleted, except answered ones: they stay as anonymous "
                "text, so that their answers keep their question."
            ),
            _("This cannot be undone. Send /mydata first if you want a copy."),
        ]
    )
    markup = keyboards.confirm(
        button_label("🗑 Erase everything"),
        callbacks.pack(ACTION, "y"),
        button_label("✖ Cancel"),
        callbacks.pack(ACTION, "n"),
    )
    await reply(update, text, markup)


# The report's lines, in order: each counts one heading of ``bot.db.mydata.ERASURE``.
REPORT: list[tuple[str, Callable[[int], str]]] = [
    (
        "memberships",
        lambda n: ngettext("You left {count} hub.", "You left {count} hubs.", n, count=n),
    ),
    (
        "reflections",
        lambda n: ngettext(
            "{count} reflection deleted.", "{count} reflections deleted.", n, count=n
        ),
    ),
    (
        "questions_deleted",
        lambda n: ngettext(
            "{count} unanswered question deleted.",
            "{count} unanswered questions deleted.",
            n,
            count=n,
        ),
    ),
    (
        "questions_kept",
        lambda n: ngettext(
            "{count} answered question kept as anonymous text.",
            "{count} answered questions kept as anonymous text.",
            n,
            count=n,
        ),
    ),
    (
        "question_votes",
        lambda n: ngettext(
            "{count} 🙋 Me too taken back.", "{count} 🙋 Me too taken back.", n, count=n
        ),
    ),
    (
        "poll_votes",
        lambda n: ngettext("{count} poll vote deleted.", "{count} poll votes deleted.", n, count=n),
    ),
    (
        "rsvps",
        lambda n: ngettext(
            "{count} meeting answer deleted.", "{count} meeting answers deleted.", n, count=n
        ),
    ),
    (
        "attendance",
        lambda n: ngettext(
            "{count} attendance mark deleted.", "{count} attendance marks deleted.", n, count=n
        ),
    ),
    (
        "feedback",
        lambda n: ngettext(
            "{count} signed meeting feedback deleted.",
            "{count} signed meeting feedbacks deleted.",
            n,
            count=n,
        ),
    ),
    (
        "survey_responses",
        lambda n: ngettext(
            "{count} named survey response deleted.",
            "{count} named survey responses deleted.",
            n,
            count=n,
        ),
    ),
    (
        "survey_drafts",
        lambda n: ngettext(
            "{count} unfinished survey answer deleted.",
            "{count} unfinished survey answers deleted.",
            n,
            count=n,
        ),
    ),
    (
        "announcements",
        lambda n: ngettext(
            "{count} announcement you wrote deleted.",
            "{count} announcements you wrote deleted.",
            n,
            count=n,
        ),
    ),
    (
        "messages",
        lambda n: ngettext(
            "{count} message to you deleted from my records.",
            "{count} messages to you deleted from my records.",
            n,
            count=n,
        ),
    ),
]


def report_text(outcome: ForgetOutcome) -> str:
    lines = [_("🗑 <b>Done: I have forgotten you.</b>"), ""]
    lines += [
        f"• {render(outcome.counts[key])}" for key, render in REPORT if outcome.counts.get(key)
    ]
    lines.append(
        "• "
        + _("Your profile and settings deleted (name, username, language, time zone, quiet hours).")
    )
    lines += [
        "",
        _(
            "Anonymous survey answers carry no name and stay in their results. If you write to "
            "me again, I will know only what you send from then on."
        ),
    ]
    return i18n.paragraphs(lines)


async def forget_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, ACTION, str)
    chat = update.effective_chat
    if parsed is None or parsed[0] not in ("y", "n") or chat is None or chat.type != Chat.PRIVATE:
        await stale_button(update)
        return
    if parsed[0] == "n":
        await query.answer()
        await edit_or_reply(update, _("Cancelled: nothing was erased."))
        return
    viewer = context.viewer
    try:
        outcome = await context.services.forget.erase(viewer.id)
    except LastFacilitatorError as exc:
        await query.answer()
        await edit_or_reply(update, handover_text(exc.hubs))
        return
    except ForgetBusyError:
        await query.answer(_("I'm busy for a moment: please press again."), show_alert=True)
        return
    await query.answer()
    for memory in (context.user_data, context.chat_data):  # what the bot held in memory
        if memory is not None:
            memory.clear()
    if outcome.already:  # pressed again: this press's own record was all there was
        await edit_or_reply(update, _("Already done: I keep nothing about you."))
        return
    await edit_or_reply(update, report_text(outcome))
    if viewer.user.menu is not None:  # their own command menu goes too
        try:
            await context.bot.delete_my_commands(scope=BotCommandScopeChat(viewer.id))
        except TelegramError as exc:
            log.warning("could not reset commands for an erased user: %s", exc)
    context.services.delivery.wake()  # the group posts' edits, queued by the erasure
    for occurrence_id in outcome.meetings:
        context.services.meetings.posts.touch(occurrence_id)  # the counts, without her answer
    for question_id in outcome.refresh:
        question = await context.services.questions.get(question_id)
        if question is not None:
            await refresh_post(context, question)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("mydata", mydata_command))
    app.add_handler(CommandHandler("forgetme", forgetme_command))
    app.add_handler(CallbackQueryHandler(forget_callback, pattern=callbacks.pattern(ACTION)))
