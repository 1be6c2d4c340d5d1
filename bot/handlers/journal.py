"""/journal: the member's own reflections, newest first, paged; ``/journal export`` as a file.

Only the reader's own reflections are ever read here: callback data carries a page number and
nothing else, so a forged press can at most turn the reader's own pages.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, keyboards
from bot.buttons import button_label
from bot.context import BotContext
from bot.db.reflections import PartKind
from bot.handlers.common import args_text, edit_or_reply, plain_text, reply, stale_button
from bot.i18n import _
from bot.services.reflections import MESSAGE_LIMIT, Entry, JournalPage, cut, utf16_len

PROMPT_IN_PAGE = 200  # characters of the prompt shown on a page (the export has all of it)
TEXT_IN_PAGE = 800  # characters of each reflection on a page: three fit one message


def when(moment: datetime, timezone: str) -> str:
    """The moment a reflection was begun, in the reader's language and zone."""
    return _(
        "{date} at {time}",
        date=i18n.format_date(moment, timezone, "long"),
        time=i18n.format_time(moment, timezone),
    )


def empty_text() -> str:
    return _(
        "Your journal is empty for now. When a prompt arrives, reply to it or press ✍️ Answer: "
        "what you write is kept here, private to you."
    )


def _media(entry: Entry) -> list[str]:
    voices = sum(p.kind is PartKind.VOICE for p in entry.parts)
    photos = sum(p.kind is PartKind.PHOTO for p in entry.parts)
    lines = []
    if voices:
        lines.append(i18n.ngettext("🎤 {count} voice note", "🎤 {count} voice notes", voices))
    if photos:
        lines.append(i18n.ngettext("🖼 {count} photo", "🖼 {count} photos", photos))
    return lines


def page_text(page: JournalPage, timezone: str) -> str:
    """The page within one message: each reflection's text is cut shorter until it fits."""
    budget = TEXT_IN_PAGE
    while True:
        text = _page_text(page, timezone, budget)
        if utf16_len(text) <= MESSAGE_LIMIT or budget <= 100:
            return text
        budget //= 2


def _page_text(page: JournalPage, timezone: str, budget: int) -> str:
    lines = [
        _("📓 <b>Your journal</b>"),
        i18n.ngettext(
            "{count} reflection · page {page} of {pages}",
            "{count} reflections · page {page} of {pages}",
            page.total,
            page=page.page + 1,
            pages=page.pages,
        ),
    ]
    for number, entry in enumerate(page.entries, 1):
        reflection = entry.reflection
        head = f"{number}. <b>{when(reflection.created_at, timezone)}</b>"
        if reflection.hub_name:
            head += f" · {i18n.show(reflection.hub_name)}"
        lines += [
            "",
            head,
            f"💭 <i>{i18n.show(cut(reflection.prompt_text, PROMPT_IN_PAGE))}</i>",
        ]
        if entry.text:
            lines.append(i18n.show(cut(entry.text, budget)))
        lines += _media(entry)
        if reflection.shared_at is not None:
            lines.append(
                _("📣 Shared anonymously")
                if reflection.shared_anonymously
                else _("📣 Shared with your name")
            )
    return i18n.paragraphs(lines)


def page_keyboard(page: JournalPage, shareable: Collection[int] = ()) -> InlineKeyboardMarkup:
    """Paging, a share button for each reflection on the page that can still be shared, export."""
    share = [
        InlineKeyboardButton(
            button_label("📣 Share {number}", number=number),
            callback_data=callbacks.pack("rf", "sh", entry.reflection.id),
        )
        for number, entry in enumerate(page.entries, 1)
        if entry.reflection.id in shareable
    ]
    back = (
        InlineKeyboardButton(
            button_label("◀ Back"), callback_data=callbacks.pack("jr", page.page - 1)
        )
        if page.page > 0
        else None
    )
    more = (
        InlineKeyboardButton(
            button_label("More ▶"), callback_data=callbacks.pack("jr", page.page + 1)
        )
        if page.page + 1 < page.pages
        else None
    )
    rows = [share] if share else []
    if back or more:
        rows.append(keyboards.pager(back, more))
    rows.append(
        [
            InlineKeyboardButton(
                button_label("📄 Export as a file"), callback_data=callbacks.pack("jr", "x")
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def export_text(entries: list[Entry], timezone: str) -> str:
    """The whole journal as plain UTF-8 text (no HTML: values go in as they were written)."""
    out = [plain_text(_("Mentor Hub: your reflection journal")), ""]
    for entry in entries:
        reflection = entry.reflection
        head = plain_text(when(reflection.created_at, timezone))
        if reflection.hub_name:
            head += f" · {reflection.hub_name}"
        out += ["=" * 40, head, "", plain_text(_("Prompt:")) + " " + reflection.prompt_text, ""]
        for part in entry.parts:
            if part.kind is PartKind.VOICE:
                out.append(plain_text(_("[voice note]")) + (f" {part.text}" if part.text else ""))
            elif part.kind is PartKind.PHOTO:
                out.append(plain_text(_("[photo]")) + (f" {part.text}" if part.text else ""))
            else:
                out.append(part.text)
            out.append("")
        if reflection.shared_at is not None:
            shared = (
                _("Shared anonymously")
                if reflection.shared_anonymously
                else _("Shared with your name")
            )
            out += [plain_text(shared), ""]
    return "\n".join(out).rstrip() + "\n"


async def _show(update: Update, context: BotContext, page_number: int) -> None:
    viewer = context.viewer
    page = await context.services.reflections.journal(viewer.id, page_number)
    if not page.total:
        await edit_or_reply(update, empty_text())
        return
    service = context.services.reflections
    shareable = {
        entry.reflection.id
        for entry in page.entries
        if entry.text and await service.share_problem(entry.reflection) is None
    }
    await edit_or_reply(update, page_text(page, viewer.timezone), page_keyboard(page, shareable))


async def _export(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    entries = await context.services.reflections.everything(viewer.id)
    if not entries:
        await reply(update, empty_text())
        return
    chat = update.effective_chat
    assert chat is not None
    data = export_text(entries, viewer.timezone).encode("utf-8")
    await context.bot.send_document(
        chat.id,
        document=data,
        filename="journal.txt",
        caption=i18n.ngettext(
            "Your journal: {count} reflection, newest first.",
            "Your journal: {count} reflections, newest first.",
            len(entries),
        ),
    )


async def journal_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        link = f"https://t.me/{context.bot.username}"
        await reply(
            update, _("Your journal is private: open it in our private chat.") + "\n" + link
        )
        return
    argument = args_text(update).lower()
    if argument == "export":
        await _export(update, context)
    elif argument:
        await reply(
            update, _("Send /journal to read your reflections, or /journal export for a file.")
        )
    else:
        await _show(update, context, 0)


async def journal_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == callbacks.pack("jr", "x"):
        await query.answer()
        await _export(update, context)
        return
    parsed = callbacks.unpack(query.data, "jr", int)
    if parsed is None:
        await stale_button(update)
        return
    await query.answer()
    await _show(update, context, parsed[0])


def register(app: Application) -> None:
    app.add_handler(CommandHandler("journal", journal_command))
    app.add_handler(CallbackQueryHandler(journal_callback, pattern=callbacks.pattern("jr")))
