"""Helpers every handler module uses: replying safely, and finding the hub a command is about."""

from __future__ import annotations

import html
import json
import re

from telegram import Bot, Chat, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ExtBot

from bot import keyboards
from bot.context import BotContext
from bot.db.hubs import HubRow
from bot.db.users import UserRow
from bot.i18n import _
from bot.pacing import Slot, TelegramPacer

MESSAGE_LIMIT = 4096


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|.", re.DOTALL)  # a tag, an entity, or one character
_TAG_NAME = re.compile(r"</?([A-Za-z][\w-]*)")


def _cut(line: str, limit: int) -> list[str]:
    """Cut one over-long line, never inside a tag or an entity such as ``&amp;``, and where it
    can outside any element (``<b>…</b>``); an element longer than the limit is closed at the
    cut and opened again in the next piece, so each piece is valid HTML on its own."""
    if utf16_len(line) <= limit:
        return [line]
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # the open elements: (opening tag, name)
    current: list[str] = []
    size = 0
    opened = 0  # tokens at the start of ``current`` that reopen elements
    safe: int | None = None  # tokens of ``current`` that end outside any element

    def closers() -> str:
        return "".join(f"</{name}>" for _, name in reversed(stack))

    for token in _TOKEN.findall(line):
        name_match = _TAG_NAME.match(token) if token.startswith("<") else None
        closing = name_match is not None and token.startswith("</")
        extra = len(name_match.group(1)) + 3 if name_match is not None and not closing else 0
        width = utf16_len(token)
        while size + width + utf16_len(closers()) + extra > limit and len(current) > opened:
            if safe is not None and safe > opened:
                pieces.append("".join(current[:safe]))
                current = current[safe:]
                opened = 0
            else:
                pieces.append("".join(current) + closers())
                current = [tag for tag, _ in stack]
                opened = len(current)
            size = sum(utf16_len(t) for t in current)
            safe = None
        current.append(token)
        size += width
        if name_match is not None:
            if closing:
                for at in range(len(stack) - 1, -1, -1):
                    if stack[at][1] == name_match.group(1):
                        del stack[at:]
                        break
            else:
                stack.append((token, name_match.group(1)))
        if not stack:
            safe = len(current)
    return [*pieces, "".join(current)]


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split text into messages at line breaks so that each fits Telegram's limit.

    Our messages keep HTML tags within one line, so a split between lines never breaks markup.
    """
    if len(text) <= limit // 2 or utf16_len(text) <= limit:
        return [text]  # nearly every message: no need to measure line by line
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _cut(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if utf16_len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current or not chunks:
        chunks.append(current)
    return chunks


def _pacer(bot: Bot) -> TelegramPacer:
    pacer = bot.rate_limiter if isinstance(bot, ExtBot) else None
    if not isinstance(pacer, TelegramPacer):
        raise RuntimeError("the bot was built without the TelegramPacer")
    return pacer


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    quote: ReplyParameters | None = None,
) -> Message | None:
    """Send now if the chat has budget; otherwise queue it in the outbox and return None.

    An update handler never waits for Telegram's per-chat limits: a chat that is out of budget
    (a flooded group, a 429) gets its reply from the delivery worker when its slot comes, while
    the handler returns and every other chat is served at once.
    """
    pacer = _pacer(bot)
    markup = json.dumps(reply_markup.to_dict()) if reply_markup is not None else None
    reply_to = quote.message_id if quote is not None else None
    if pacer.has_backlog(chat_id) or not pacer.claim_reply(chat_id):
        await pacer.defer(chat_id, text, markup, reply_to)
        return None
    try:
        return await bot.send_message(
            chat_id,
            text,
            reply_markup=reply_markup,
            reply_parameters=quote,
            rate_limit_args=Slot.CHAT,
        )
    except RetryAfter:
        await pacer.defer(chat_id, text, markup, reply_to)
        return None


async def reply(
    update: Update, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat the update came from; long text goes out as several messages.

    In groups the answer quotes the command so that people see whom it is for.
    """
    chat = update.effective_chat
    if chat is None:
        return None
    message = update.effective_message
    quote = (
        ReplyParameters(message.message_id, allow_sending_without_reply=True)
        if message is not None and chat.type != Chat.PRIVATE and update.callback_query is None
        else None
    )
    chunks = split_message(text)
    sent = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent = await send_text(
            chat.get_bot(),
            chat.id,
            chunk,
            reply_markup if last else None,
            quote if index == 0 else None,
        )
    return sent


_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """What an HTML message reads as, the way Telegram stores it (tags gone, ends trimmed)."""
    return html.unescape(_TAG.sub("", text)).strip()


def edit_changes(
    message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Whether editing ``message`` to this text and keyboard would change it.

    Telegram refuses an edit that changes nothing ("message is not modified"), so the bot
    compares with the message the button press carries instead of asking and being refused.
    Only the text and the keyboard are compared: no button of ours changes formatting alone.
    """
    current = message.reply_markup if message.reply_markup else None
    return plain_text(text) != (message.text or "").strip() or (reply_markup or None) != current


async def edit_or_reply(
    update: Update, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """After a button press, replace the message it sat on; otherwise reply.

    A press that would change nothing (the language already chosen) edits nothing.
    """
    query = update.callback_query
    if (
        query is not None
        and isinstance(query.message, Message)
        and utf16_len(text) <= MESSAGE_LIMIT
    ):
        if not edit_changes(query.message, text, reply_markup):
            return
        try:
            await query.edit_message_text(text, reply_markup=reply_markup)
        except BadRequest as exc:
            # Only if Telegram stored the text in a form the comparison above did not foresee:
            # harmless here, and the end-to-end tests fail on any such 400, so it shows there.
            if "not modified" not in exc.message:
                raise
        except RetryAfter:
            # Telegram holds this chat back: the answer comes as a message when it may.
            await send_text(query.get_bot(), query.message.chat_id, text, reply_markup)
        return
    await reply(update, text, reply_markup)


def display_name(user: UserRow) -> str:
    """A person as others see them: their name, and @username when they have one."""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def refusal_text(hub_id: int | None = 0) -> str:
    """Why a person may not act: about a hub when one is involved, in general otherwise."""
    if hub_id is None:
        return _("Only facilitators can do that.")
    return _("Only this hub's facilitators can do that.")


async def refuse(update: Update, context: BotContext, action: str, hub_id: int | None) -> None:
    """Log and tell: the person lacks the role for ``action``."""
    context.services.access.refused(action, context.viewer.id, hub_id)
    if update.callback_query is not None:
        await update.callback_query.answer(refusal_text(hub_id), show_alert=True)
    else:
        await reply(update, refusal_text(hub_id))


async def stale_button(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(_("This button is no longer valid."), show_alert=True)


async def group_hub(update: Update, context: BotContext, action: str) -> HubRow | None:
    """In a group: its hub, if this person may run it; otherwise None, after saying why."""
    chat = update.effective_chat
    assert chat is not None
    hub = await context.services.hubs.for_chat(chat.id)
    if hub is None:
        await reply(
            update,
            _(
                "This group isn't a hub yet. An admin can set it up: send /newhub and the hub's "
                "name."
            ),
        )
        return None
    if not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        await refuse(update, context, action, hub.id)
        return None
    return hub


async def facilitated_hub(
    update: Update, context: BotContext, action: str, *suffix: int | str
) -> HubRow | None:
    """The hub a facilitator command is about, or None after telling the person why not.

    In a group: the group's hub. In private: the hub they run, or buttons to choose one
    (callback ``action:<hub id>:<suffix…>``, whose handler checks the role again).
    """
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        return await group_hub(update, context, action)
    hubs = await context.services.access.facilitated_hubs(context.viewer.id)
    if not hubs:
        await refuse(update, context, action, None)
        return None
    if len(hubs) == 1:
        return hubs[0]
    await reply(update, _("Which hub?"), keyboards.hubs(action, hubs, *suffix))
    return None


async def hub_from_callback(
    update: Update, context: BotContext, action: str, hub_id: int
) -> HubRow | None:
    """Re-check the role on a button press: the button may be old or forged."""
    hub = await context.services.hubs.get(hub_id)
    if hub is None:
        await stale_button(update)
        return None
    if not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        await refuse(update, context, action, hub.id)
        return None
    return hub


def args_text(update: Update) -> str:
    """Everything after the command, with line breaks kept (context.args splits on them)."""
    message = update.effective_message
    text = message.text if message is not None and message.text else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
