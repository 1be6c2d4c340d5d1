"""A member's own settings: /settings, and /timezone with suggestions for near misses."""

from __future__ import annotations

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n, keyboards, menus
from bot.buttons import button_label
from bot.context import AWAITING, BotContext
from bot.db.database import utcnow
from bot.handlers.common import args_text, edit_or_reply, reply, shorten, stale_button
from bot.i18n import _
from bot.services import timezones
from bot.services.users import UnknownTimezoneError

AWAIT_TIMEZONE = "timezone"
INPUT_GROUP = 10


async def settings_command(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    memberships = await context.services.hubs.memberships(viewer.id)
    now = utcnow()
    lines = [
        _("<b>Your settings</b>"),
        _("Language: {language}", language=i18n.language_name(viewer.locale)),
        _(
            "Time zone: {timezone} (it's {time} there now)",
            timezone=viewer.timezone,
            time=i18n.format_time(now, viewer.timezone),
        ),
    ]
    if memberships:
        # A label, not a count: Russian's "one" form also covers 21, 31 ...
        names = ", ".join(m.hub.name for m in memberships)
        lines.append(
            _("Hub: {hubs}", hubs=names) if len(memberships) == 1 else _("Hubs: {hubs}", hubs=names)
        )
    markup = keyboards.confirm(
        button_label("Language"),
        callbacks.pack("set", "lang"),
        button_label("Time zone"),
        callbacks.pack("set", "tz"),
    )
    markup = InlineKeyboardMarkup(
        [
            *markup.inline_keyboard,
            [  # quiet hours and pauses: bot/handlers/quiet.py
                InlineKeyboardButton(
                    button_label("🌙 Quiet hours"), callback_data=callbacks.pack("qt", "s", "q")
                ),
                InlineKeyboardButton(
                    button_label("⏸ Pause"), callback_data=callbacks.pack("qt", "s", "p")
                ),
            ],
        ]
    )
    await reply(update, "\n".join(lines), markup)


async def settings_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "set", str)
    if parsed is None or parsed[0] not in ("lang", "tz"):
        await stale_button(update)
        return
    await query.answer()
    if parsed[0] == "lang":
        await edit_or_reply(
            update,
            _("Choose your language:"),
            keyboards.languages("lang", current=context.viewer.locale),
        )
    else:
        await _ask_timezone(update, context)


async def timezone_command(update: Update, context: BotContext) -> None:
    """Set the member's time zone; without an argument, offer likely zones and wait for a name."""
    text = args_text(update)
    if not text:
        await _ask_timezone(update, context)
        return
    await _set_timezone(update, context, text)


async def _ask_timezone(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    chat = update.effective_chat
    if chat is not None and chat.type == Chat.PRIVATE and context.user_data is not None:
        context.user_data[AWAITING] = AWAIT_TIMEZONE
    zones = timezones.likely_zones(viewer.locale, viewer.user.timezone, viewer.timezone)
    await edit_or_reply(
        update,
        _(
            "Your time zone is {timezone}. To change it, choose one below or send a name like "
            "{example}:",
            timezone=viewer.timezone,
            example=timezones.example_zone(i18n.current_locale()),
        ),
        keyboards.zones("tz", zones),
    )


async def _set_timezone(update: Update, context: BotContext, text: str) -> None:
    viewer = context.viewer
    try:
        zone = await context.services.users.set_timezone(viewer.id, text)
    except UnknownTimezoneError as exc:
        if exc.suggestions:
            await reply(
                update,
                _(
                    "I don't know the time zone {name}. Did you mean one of these?",
                    name=shorten(text),
                ),
                keyboards.zones("tz", exc.suggestions),
            )
        else:
            await reply(
                update,
                _(
                    "I don't recognise the time zone {name}. Use Continent/City, e.g. {example}.",
                    name=shorten(text),
                    example=timezones.example_zone(i18n.current_locale()),
                ),
            )
        return
    if context.user_data is not None:
        context.user_data.pop(AWAITING, None)
    await context.services.prompts.member_zone_changed(viewer.id)  # per-member prompt times
    await context.services.quiet.settings_changed(viewer.id)  # quiet hours are local time
    await edit_or_reply(
        update,
        _(
            "Your time zone is now {timezone}. Your local time: {time}.",
            timezone=zone,
            time=i18n.format_time(utcnow(), zone),
        ),
    )
    await menus.refresh_user_menu(context.bot, context.services, viewer.id)


async def timezone_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "tz", str)
    if parsed is None or timezones.resolve(parsed[0]) is None:
        await stale_button(update)
        return
    await query.answer()
    await _set_timezone(update, context, parsed[0])


async def timezone_input(update: Update, context: BotContext) -> None:
    """Take the next private text as the time zone when /timezone asked for one."""
    if context.user_data is None or context.user_data.get(AWAITING) != AWAIT_TIMEZONE:
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    await _set_timezone(update, context, message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CommandHandler("settings", settings_command))
    app.add_handler(CommandHandler("timezone", timezone_command))
    app.add_handler(CallbackQueryHandler(settings_callback, pattern=callbacks.pattern("set")))
    app.add_handler(CallbackQueryHandler(timezone_callback, pattern=callbacks.pattern("tz")))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, timezone_input),
        group=INPUT_GROUP,
    )
