"""The archive: /faq searches the answered questions of a member's hubs, paged with buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, keyboards
from bot.buttons import button_label
from bot.context import BotContext
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    reply,
    shorten,
    stale_button,
)
from bot.i18n import _
from bot.services.questions import FAQ_PAGE

FAQ_WORDS = "faq-words"


# -- the archive


async def faq_command(update: Update, context: BotContext) -> None:
    words = args_text(update)
    if not words:
        await reply(update, _("Type a word or two after /faq, e.g. /faq feedback"))
        return
    if context.user_data is not None:
        context.user_data[FAQ_WORDS] = words
    await _faq(update, context, words, 0)


async def faq_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "faq", int)
    words = context.user_data.get(FAQ_WORDS) if context.user_data is not None else None
    if parsed is None or not words or parsed[0] < 0:
        await stale_button(update)
        return
    await query.answer()
    await _faq(update, context, words, parsed[0])


async def _faq(update: Update, context: BotContext, words: str, page: int) -> None:
    services = context.services
    hubs = {m.hub.id: m.hub.name for m in await services.hubs.memberships(context.viewer.id)}
    found, total = await services.questions.search(list(hubs), words, page)
    if not found:
        await edit_or_reply(update, _("Nothing found for {words}.", words=shorten(words, 60)))
        return
    lines = [
        i18n.ngettext(
            "<b>{count} answer</b> for {words}:",
            "<b>{count} answers</b> for {words}:",
            total,
            words=shorten(words, 60),
        )
    ]
    for q in found:
        lines += [
            "",
            f"<b>{i18n.ref(q.id)}</b> · {i18n.show(hubs.get(q.hub_id, ''))}",
            "❓ " + i18n.show(shorten(q.text, 400)),
            "✅ " + i18n.show(shorten(q.answer or "", 600)),
        ]
    back = more = None
    if page > 0:
        back = InlineKeyboardButton(
            button_label("◀ Back"), callback_data=callbacks.pack("faq", page - 1)
        )
    if (page + 1) * FAQ_PAGE < total:
        more = InlineKeyboardButton(
            button_label("More ▶"), callback_data=callbacks.pack("faq", page + 1)
        )
    buttons = keyboards.pager(back, more)
    await edit_or_reply(
        update, i18n.paragraphs(lines), InlineKeyboardMarkup([buttons]) if buttons else None
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("faq", faq_command))
    app.add_handler(CallbackQueryHandler(faq_callback, pattern=callbacks.pattern("faq")))
