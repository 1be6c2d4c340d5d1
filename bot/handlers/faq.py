"""The archive: /faq searches the answered questions of a member's hubs, paged with buttons."""

from __future__ import annotations

import unicodedata

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, keyboards
from bot import search_terms as stemming
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
from bot.services import search
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


_RTL_CLASSES = frozenset({"R", "AL", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"})


def _shown(value: str) -> str:
    """Highlighted (already escaped) HTML, isolated line by line where ``show()`` would."""
    rtl = i18n.is_rtl(i18n.current_locale())
    if not value or not (
        rtl or any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in value if ord(c) > 127)
    ):
        return value
    return "\n".join(
        f"{i18n.FIRST_STRONG_ISOLATE}{line}{i18n.POP_DIRECTIONAL_ISOLATE}"
        for line in value.split("\n")
    )


async def _faq(update: Update, context: BotContext, words: str, page: int) -> None:
    services = context.services
    memberships = await services.hubs.memberships(context.viewer.id)
    hubs = {m.hub.id: m.hub.name for m in memberships}
    locales = [context.viewer.locale, *(m.hub.locale for m in memberships)]
    if not search.searchable(words, locales):
        await edit_or_reply(
            update,
            _(
                "{words} has only very common words. Try a more telling one, e.g. /faq feedback",
                words=shorten(words, 60),
            )
            if stemming.words(words)
            else _("Type a word or two after /faq, e.g. /faq feedback"),
        )
        return
    found, total, capped = await services.search.faq(
        words, hub_ids=list(hubs), locales=locales, limit=FAQ_PAGE, offset=page * FAQ_PAGE
    )
    if not found:
        await edit_or_reply(update, _("Nothing found for {words}.", words=shorten(words, 60)))
        return
    if capped:
        header = i18n.ngettext(
            "<b>{count}+ answer</b> for {words}; the best of the newest are shown:",
            "<b>{count}+ answers</b> for {words}; the best of the newest are shown:",
            total,
            words=shorten(words, 60),
        )
    else:
        header = i18n.ngettext(
            "<b>{count} answer</b> for {words}:",
            "<b>{count} answers</b> for {words}:",
            total,
            words=shorten(words, 60),
        )
    lines = [header]
    for hit in found:
        lines += [
            "",
            f"<b>{i18n.ref(hit.question_id)}</b> · {i18n.show(hubs.get(hit.hub_id, ''))}",
            "❓ " + _shown(hit.question_html),
            "✅ " + _shown(hit.answer_snippet_html),
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
