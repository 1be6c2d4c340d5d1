"""A member's quiet hours and pauses: /quiet, /pause, their buttons (``qt``) and typed input."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import AWAITING, BotContext
from bot.handlers.common import args_text, edit_or_reply, stale_button
from bot.i18n import _
from bot.services.quiet import (
    PAUSE_PRESETS,
    PRESETS,
    QuietError,
    is_off,
    looks_like_pause,
    looks_like_range,
    parse_range,
)

AWAIT_QUIET = "quiet"
AWAIT_PAUSE = "pause"
INPUT_GROUP = 17
_PAUSE_LABELS = {
    3: lambda: button_label("3 days"),
    7: lambda: button_label("1 week"),
    14: lambda: button_label("2 weeks"),
}


def _packed(start: str, end: str) -> str:
    return f"{start.replace(':', '')}-{end.replace(':', '')}"


def _unpacked(arg: str) -> tuple[str, str] | None:
    parts = arg.split("-")
    if len(parts) != 2 or not all(len(p) == 4 and p.isdigit() for p in parts):
        return None
    return f"{parts[0][:2]}:{parts[0][2:]}", f"{parts[1][:2]}:{parts[1][2:]}"


def _await(update: Update, context: BotContext, what: str | None) -> None:
    chat = update.effective_chat
    if context.user_data is None:
        return
    if what is not None and chat is not None and chat.type == Chat.PRIVATE:
        context.user_data[AWAITING] = what
    elif context.user_data.get(AWAITING) in (AWAIT_QUIET, AWAIT_PAUSE):
        context.user_data.pop(AWAITING, None)


def _until_text(until: datetime, zone: str) -> str:
    """'12 Dec 2026, 18:00', or for a pause to the end of a day, that day."""
    local = until.astimezone(ZoneInfo(zone))
    if local.time() == time(0, 0):
        return _(
            "the end of {date}", date=i18n.format_date(until - timedelta(seconds=1), zone, "long")
        )
    # Babel's "medium" date-time has seconds; a pause ends on a minute.
    return _(
        "{date} at {time}",
        date=i18n.format_date(until, zone, "medium"),
        time=i18n.format_time(until, zone),
    )


# -- quiet hours


async def _quiet_screen(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    settings = await context.services.quiet.settings(viewer.id)
    if settings is not None and settings.quiet_start and settings.quiet_end:
        state = _(
            "Your quiet hours: {start}–{end}, your time ({timezone}).",
            start=settings.quiet_start,
            end=settings.quiet_end,
            timezone=viewer.timezone,
        )
    else:
        state = _("You have no quiet hours: messages arrive at any time.")
    lines = [
        _("<b>Quiet hours</b>"),
        state,
        "",
        _(
            "During quiet hours, prompts, nudges and announcements wait, and arrive when they "
            "end. Urgent announcements still come through."
        ),
        _("Choose below, or send a range like 21:00-08:00."),
    ]
    presets = [
        InlineKeyboardButton(
            button_label("{start}–{end}", start=start, end=end),
            callback_data=callbacks.pack("qt", "q", _packed(start, end)),
        )
        for start, end in PRESETS
    ]
    rows = [presets[:2], presets[2:]]
    rows[1].append(
        InlineKeyboardButton(button_label("🔔 Off"), callback_data=callbacks.pack("qt", "q", "off"))
    )
    _await(update, context, AWAIT_QUIET)
    await edit_or_reply(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _set_quiet(update: Update, context: BotContext, text: str) -> None:
    viewer, quiet = context.viewer, context.services.quiet
    if is_off(text):
        await quiet.quiet_off(viewer.id)
        _await(update, context, None)
        await edit_or_reply(update, _("Quiet hours are off. Messages arrive at any time."))
        return
    try:
        start, end = parse_range(text)
    except QuietError as exc:
        await edit_or_reply(update, exc.message)
        return
    await _quiet_set(update, context, start, end)


async def _quiet_set(update: Update, context: BotContext, start: str, end: str) -> None:
    viewer = context.viewer
    await context.services.quiet.set_quiet(viewer.id, start, end)
    _await(update, context, None)
    await edit_or_reply(
        update,
        _(
            "Quiet hours set: {start}–{end}, your time ({timezone}). Messages that aren't urgent "
            "will wait until they end.",
            start=start,
            end=end,
            timezone=viewer.timezone,
        ),
    )


async def quiet_command(update: Update, context: BotContext) -> None:
    text = args_text(update)
    if not text:
        await _quiet_screen(update, context)
        return
    await _set_quiet(update, context, text)


# -- pauses


async def _pause_screen(update: Update, context: BotContext) -> None:
    viewer, quiet = context.viewer, context.services.quiet
    until = quiet.paused_until(await quiet.settings(viewer.id))
    if until is not None:
        state = _(
            "Prompts and nudges are paused until {when}.",
            when=_until_text(until, viewer.timezone),
        )
    else:
        state = _("Prompts and nudges are not paused.")
    lines = [
        _("<b>Pause</b>"),
        state,
        "",
        _(
            "A pause holds back prompts and nudges; they arrive when it ends. Announcements "
            "still come (outside your quiet hours)."
        ),
        _(
            "Choose below, or send 7d, 2w or until {example}.",
            example=quiet.example(viewer.timezone),
        ),
    ]
    buttons = [
        InlineKeyboardButton(_PAUSE_LABELS[days](), callback_data=callbacks.pack("qt", "p", days))
        for days in PAUSE_PRESETS
    ]
    rows = [buttons]
    if until is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    button_label("⏯ Resume now"), callback_data=callbacks.pack("qt", "p", "off")
                )
            ]
        )
    _await(update, context, AWAIT_PAUSE)
    await edit_or_reply(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _set_pause(update: Update, context: BotContext, text: str) -> None:
    viewer, quiet = context.viewer, context.services.quiet
    if is_off(text):
        await quiet.resume(viewer.id)
        _await(update, context, None)
        await edit_or_reply(update, _("Your pause is over: prompts and nudges arrive again."))
        return
    try:
        until = await quiet.pause(viewer.id, text, viewer.timezone)
    except QuietError as exc:
        await edit_or_reply(update, exc.message)
        return
    _await(update, context, None)
    await edit_or_reply(
        update,
        _(
            "Prompts and nudges are paused until {when}. Send /pause off to resume earlier.",
            when=_until_text(until, viewer.timezone),
        ),
    )


async def pause_command(update: Update, context: BotContext) -> None:
    text = args_text(update)
    if not text:
        await _pause_screen(update, context)
        return
    await _set_pause(update, context, text)


# -- buttons and typed input


async def quiet_callback(update: Update, context: BotContext) -> None:
    """``qt:q:<HHMM-HHMM|off>``, ``qt:p:<days|off>``, ``qt:s:<q|p>`` (from /settings)."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "qt", str, str)
    if parsed is None:
        await stale_button(update)
        return
    action, arg = parsed
    if action == "s" and arg in ("q", "p"):
        await query.answer()
        await (_quiet_screen if arg == "q" else _pause_screen)(update, context)
        return
    if action == "q" and arg == "off":
        await query.answer()
        await _set_quiet(update, context, "off")
        return
    if action == "q" and (pair := _unpacked(arg)) is not None:
        try:
            parse_range(f"{pair[0]}-{pair[1]}")  # forged data: 2500-0800, 0800-0800
        except QuietError:
            await stale_button(update)
            return
        await query.answer()
        await _quiet_set(update, context, *pair)
        return
    if action == "p" and arg == "off":
        await query.answer()
        await _set_pause(update, context, "off")
        return
    if action == "p" and arg.isdigit() and int(arg) in PAUSE_PRESETS:
        await query.answer()
        await _set_pause(update, context, f"{int(arg)}d")
        return
    await stale_button(update)


async def quiet_input(update: Update, context: BotContext) -> None:
    """Take the next private text as quiet hours or a pause when /quiet or /pause asked."""
    if context.user_data is None:
        return
    awaiting = context.user_data.get(AWAITING)
    if awaiting not in (AWAIT_QUIET, AWAIT_PAUSE):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    meant = looks_like_range if awaiting == AWAIT_QUIET else looks_like_pause
    if not meant(message.text):
        # Not an answer to /quiet or /pause (a reflection, a question ...): stop waiting and
        # leave the message to the handlers after this one.
        _await(update, context, None)
        return
    if awaiting == AWAIT_QUIET:
        await _set_quiet(update, context, message.text)
    else:
        await _set_pause(update, context, message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CommandHandler("quiet", quiet_command))
    app.add_handler(CommandHandler("pause", pause_command))
    app.add_handler(CallbackQueryHandler(quiet_callback, pattern=callbacks.pattern("qt")))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, quiet_input),
        group=INPUT_GROUP,
    )
