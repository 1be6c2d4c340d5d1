"""/hubsettings: a facilitator sets the hub's time zone, language and question moderation."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
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
from bot.db.hubs import HubRow
from bot.handlers.common import (
    edit_or_reply,
    facilitated_hub,
    hub_from_callback,
    reply,
    shorten,
    stale_button,
)
from bot.handlers.settings import INPUT_GROUP
from bot.i18n import _
from bot.services import timezones
from bot.services.hubs import HubError

AWAIT_HUB_TIMEZONE = "hub-timezone"
_ON = ("on", "yes", "1", "true")
_OFF = ("off", "no", "0", "false")


def _summary(hub: HubRow) -> str:
    moderation = _("on") if hub.moderation else _("off")
    return "\n".join(
        [
            _("<b>Settings of {hub}</b>", hub=hub.name),
            _("Time zone: {timezone}", timezone=hub.timezone),
            _("Language: {language}", language=i18n.language_name(hub.locale)),
            _("Approve questions before posting: {state}", state=moderation),
        ]
    )


def _buttons(hub: HubRow) -> InlineKeyboardMarkup:
    toggle = (
        button_label("☑ Question approval")
        if hub.moderation
        else button_label("☐ Question approval")
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    button_label("Time zone"), callback_data=callbacks.pack("hs", hub.id, "tz")
                ),
                InlineKeyboardButton(
                    button_label("Language"), callback_data=callbacks.pack("hs", hub.id, "lang")
                ),
            ],
            [
                InlineKeyboardButton(
                    toggle,
                    callback_data=callbacks.pack("hs", hub.id, "mod", int(not hub.moderation)),
                )
            ],
            [  # the prompt settings live in handlers/prompt_settings.py
                InlineKeyboardButton(
                    button_label("💭 Prompts…"), callback_data=callbacks.pack("ps", hub.id, "show")
                )
            ],
            [  # the meeting settings live in handlers/meeting_settings.py
                InlineKeyboardButton(
                    button_label("📅 Meetings…"), callback_data=callbacks.pack("ms", hub.id, "show")
                )
            ],
        ]
    )


async def hubsettings_command(update: Update, context: BotContext) -> None:
    """Show the settings; ``/hubsettings timezone|language|moderation <value>`` sets one."""
    hub = await facilitated_hub(update, context, "hs", "show")
    if hub is None:
        return
    args = context.args or []
    if not args:
        await reply(update, _summary(hub), _buttons(hub))
        return
    key, value = args[0].lower(), " ".join(args[1:])
    services = context.services
    if key in ("timezone", "tz") and value:
        await _apply_timezone(update, context, hub, value)
    elif key in ("language", "lang") and value.lower() in i18n.SUPPORTED_LOCALES:
        await services.hubs.set_locale(hub.id, value.lower())
        await _show(update, context, hub.id, _("Saved."))
    elif key == "moderation" and value.lower() in _ON + _OFF:
        await services.hubs.set_moderation(hub.id, value.lower() in _ON)
        await _show(update, context, hub.id, _("Saved."))
    else:
        await reply(
            update,
            _(
                "Send /hubsettings on its own to change settings with buttons, or set one "
                "directly, e.g. /hubsettings timezone {example} or /hubsettings moderation on",
                example=timezones.example_zone(i18n.current_locale()),
            ),
        )


async def _show(update: Update, context: BotContext, hub_id: int, note: str | None = None) -> None:
    hub = await context.services.hubs.get(hub_id)
    assert hub is not None
    text = _summary(hub) if note is None else f"{note}\n\n{_summary(hub)}"
    await edit_or_reply(update, text, _buttons(hub))


async def _apply_timezone(update: Update, context: BotContext, hub: HubRow, text: str) -> None:
    try:
        await context.services.hubs.set_timezone(hub.id, text)
    except HubError:
        suggestions = timezones.suggest(text)
        markup = keyboards.zones("hs", suggestions, hub.id, "tz") if suggestions else None
        await reply(
            update,
            _(
                "I don't recognise the time zone {name}. Use Continent/City, e.g. {example}.",
                name=shorten(text),
                example=timezones.example_zone(i18n.current_locale()),
            ),
            markup,
        )
        return
    await context.services.prompts.hub_zone_changed(hub.id)  # prompts keep 18:00 local
    # Members without a zone of their own keep quiet hours in the hub's: decide again.
    await context.services.quiet.hub_zone_changed(hub.id)
    if context.user_data is not None:
        context.user_data.pop(AWAITING, None)
    await _show(update, context, hub.id, _("Saved."))


async def hubsettings_callback(update: Update, context: BotContext) -> None:
    """Handle ``hs:<hub>:show|tz|lang`` and ``hs:<hub>:tz|lang|mod:<value>``."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    parsed = (
        callbacks.unpack(query.data, "hs", int, str)
        or callbacks.unpack(query.data, "hs", int, str, str)
        if len(parts) in (3, 4)
        else None
    )
    if parsed is None:
        await stale_button(update)
        return
    hub = await hub_from_callback(update, context, "hubsettings", parsed[0])
    if hub is None:
        return
    what, value = parsed[1], parsed[2] if len(parsed) == 3 else None
    services = context.services
    if what == "show" and value is None:
        await query.answer()
        await _show(update, context, hub.id)
    elif what == "tz" and value is None:
        await query.answer()
        if context.user_data is not None:
            context.user_data[AWAITING] = (AWAIT_HUB_TIMEZONE, hub.id)
        zones = timezones.likely_zones(hub.locale, hub.timezone)
        await edit_or_reply(
            update,
            _(
                "The hub's time zone is {timezone}. To change it, choose one below or send a "
                "name like {example}:",
                timezone=hub.timezone,
                example=timezones.example_zone(i18n.current_locale()),
            ),
            keyboards.zones("hs", zones, hub.id, "tz"),
        )
    elif what == "tz" and value is not None and timezones.resolve(value):
        await query.answer()
        await _apply_timezone(update, context, hub, value)
    elif what == "lang" and value is None:
        await query.answer()
        await edit_or_reply(
            update,
            _("Choose the hub's language:"),
            keyboards.languages("hs", hub.id, "lang", current=hub.locale),
        )
    elif what == "lang" and value in i18n.SUPPORTED_LOCALES:
        await services.hubs.set_locale(hub.id, value)
        await query.answer(_("Saved."))
        await _show(update, context, hub.id)
    elif what == "mod" and value in ("0", "1"):
        await services.hubs.set_moderation(hub.id, value == "1")
        await query.answer(_("Saved."))
        await _show(update, context, hub.id)
    else:
        await stale_button(update)


async def hub_timezone_input(update: Update, context: BotContext) -> None:
    """The next private text after the Time zone button is the hub's new zone."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and awaiting[0] == AWAIT_HUB_TIMEZONE):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    hub = await context.services.hubs.get(awaiting[1])
    # The role may have changed since the button was pressed: check it again.
    if hub is None or not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        if context.user_data is not None:
            context.user_data.pop(AWAITING, None)
        return
    await _apply_timezone(update, context, hub, message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CommandHandler("hubsettings", hubsettings_command))
    app.add_handler(CallbackQueryHandler(hubsettings_callback, pattern=callbacks.pattern("hs")))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, hub_timezone_input
        ),
        group=INPUT_GROUP + 1,
    )
