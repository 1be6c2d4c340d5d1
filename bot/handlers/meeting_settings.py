"""A hub's meeting settings, under /hubsettings: reminder offsets and feedback after meetings.

Callbacks ``ms:<hub>:<what>[:<value>]``; offsets typed after ``✏️ Type my own`` come in group 16.
Every press and every typed answer re-checks that the person runs the hub.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.handlers.common import edit_or_reply, hub_from_callback, refuse, reply, stale_button
from bot.handlers.meeting_words import offset_words
from bot.i18n import _
from bot.services.meeting_settings import MAX_OFFSET, MAX_OFFSETS, MIN_OFFSET, OFFSET_CHOICES

ACTION = "ms"
AWAIT = "meeting-settings"  # AWAITING = (AWAIT, hub id)
INPUT_GROUP = 16
_UNITS = {"w": 10080, "d": 1440, "h": 60, "m": 1}
_PART = re.compile(r"(\d{1,5})\s*(w|d|h|m|min)")
_SEPARATORS = re.compile(r"[,;]\s*|\s+(?=\d)")


def _button(label: str, hub: HubRow, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.pack(ACTION, hub.id, *args))


def _offset_label(minutes: int) -> str:
    """A toggle's label: 1 week, 1 day, 3 h, 1 h, 15 min (or a typed offset)."""
    if minutes % 10080 == 0:
        return button_label("{number} wk", number=minutes // 10080)
    if minutes % 1440 == 0:
        return button_label("{number} d", number=minutes // 1440)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return button_label("{hours} h {minutes} min", hours=hours, minutes=rest)
    if hours:
        return button_label("{hours} h", hours=hours)
    return button_label("{minutes} min", minutes=rest)


def reminders_line(offsets: list[int]) -> str:
    if not offsets:
        return _("Reminders: none. Members get the announcement only.")
    return _(
        "Reminders go to members who have not declined: {reminders} before the start.",
        reminders=", ".join(offset_words(m) for m in offsets),
    )


async def _main(context: BotContext, hub: HubRow) -> tuple[str, InlineKeyboardMarkup]:
    settings = await context.services.meeting_settings.settings(hub.id)
    feedback = (
        _("Feedback after meetings: on. Attendees are asked for a 1–5 rating and a sentence.")
        if settings.feedback
        else _("Feedback after meetings: off.")
    )
    lines = [
        _("<b>Meetings in {hub}</b>", hub=hub.name),
        reminders_line(settings.offsets),
        _("Tap the reminders to turn them on or off."),
        feedback,
    ]
    choices = sorted(set(OFFSET_CHOICES) | set(settings.offsets), reverse=True)
    toggles = [
        _button(("✓ " if m in settings.offsets else "") + _offset_label(m), hub, "o", m)
        for m in choices
    ]
    rows = [toggles[i : i + 3] for i in range(0, len(toggles), 3)]
    if i18n.is_rtl(i18n.current_locale()):
        rows = [row[::-1] for row in rows]
    rows.append(
        [
            _button(button_label("🔕 No reminders"), hub, "none"),
            _button(button_label("✏️ Type my own"), hub, "type"),
        ]
    )
    rows.append(
        [
            _button(
                button_label("☑ Feedback") if settings.feedback else button_label("☐ Feedback"),
                hub,
                "fb",
                int(not settings.feedback),
            )
        ]
    )
    rows.append(
        [
            InlineKeyboardButton(
                button_label("◀ Back"), callback_data=callbacks.pack("hs", hub.id, "show")
            )
        ]
    )
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def _typing_prompt() -> str:
    return _(
        "Type when reminders go out, before the start, separated by commas, e.g. 2d, 3h, 30m "
        "(w weeks, d days, h hours, m minutes). Up to {count} reminders, from 5 minutes to "
        "2 weeks before.",
        count=MAX_OFFSETS,
    )


def _await(context: BotContext, hub: HubRow | None) -> None:
    if context.user_data is None:
        return
    awaiting = context.user_data.get(AWAITING)
    if hub is not None:
        context.user_data[AWAITING] = (AWAIT, hub.id)
    elif isinstance(awaiting, tuple) and awaiting and awaiting[0] == AWAIT:
        context.user_data.pop(AWAITING, None)


async def _show(update: Update, context: BotContext, hub: HubRow, note: str | None = None) -> None:
    text, markup = await _main(context, hub)
    if note:
        text = f"{note}\n\n{text}"
    if update.callback_query is not None:
        await edit_or_reply(update, text, markup)
    else:
        await reply(update, text, markup)


async def settings_callback(update: Update, context: BotContext) -> None:
    """``ms:<hub>:show|none|type``, ``ms:<hub>:o:<minutes>``, ``ms:<hub>:fb:<0|1>``."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, ACTION, int, str) or callbacks.unpack(
        query.data, ACTION, int, str, int
    )
    if parsed is None:
        await stale_button(update)
        return
    hub = await hub_from_callback(update, context, "meeting settings", parsed[0])
    if hub is None:
        return
    what, value = parsed[1], parsed[2] if len(parsed) == 3 else None
    service = context.services.meeting_settings
    offsets = await service.reminder_offsets(hub.id)
    if what == "show" and value is None:
        _await(context, None)
        await query.answer()
        await _show(update, context, hub)
    elif what == "type" and value is None:
        _await(context, hub)
        await query.answer()
        back = InlineKeyboardMarkup([[_button(button_label("◀ Back"), hub, "show")]])
        await edit_or_reply(update, _typing_prompt(), back)
    elif what == "none" and value is None:
        await service.set_offsets(hub.id, [])
        await query.answer(_("Saved."))
        await _show(update, context, hub)
    elif what == "o" and value is not None and (value in OFFSET_CHOICES or value in offsets):
        if offsets == [value]:
            await query.answer(
                _("Keep at least one reminder, or choose “No reminders”."), show_alert=True
            )
            return
        chosen = [m for m in offsets if m != value] if value in offsets else [*offsets, value]
        if len(chosen) > MAX_OFFSETS:
            await query.answer(_typing_prompt(), show_alert=True)
            return
        await service.set_offsets(hub.id, chosen)
        await query.answer(_("Saved."))
        await _show(update, context, hub)
    elif what == "fb" and value in (0, 1):
        await service.set_feedback(hub.id, value == 1)
        await query.answer(_("Saved."))
        await _show(update, context, hub)
    else:
        await stale_button(update)


def parse_offsets(text: str) -> list[int] | None:
    """'2d, 3h, 30m' or '1h30m' → minutes, largest first; None if unreadable or out of range."""
    words = text.strip().lower()
    if words in ("0", "none", "off", "-"):
        return []
    minutes: set[int] = set()
    for part in (p for p in _SEPARATORS.split(words) if p.strip()):
        compact = part.replace(" ", "")
        pieces = _PART.findall(compact)
        if not pieces or "".join(n + u for n, u in pieces) != compact:
            return None
        total = sum(int(number) * _UNITS[unit[0]] for number, unit in pieces)
        if not MIN_OFFSET <= total <= MAX_OFFSET:
            return None
        minutes.add(total)
    if not minutes or len(minutes) > MAX_OFFSETS:
        return None
    return sorted(minutes, reverse=True)


async def settings_input(update: Update, context: BotContext) -> None:
    """Reminder offsets typed after ``✏️ Type my own``."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and len(awaiting) == 2 and awaiting[0] == AWAIT):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    hub = await context.services.hubs.get(awaiting[1])
    # The role may have changed since the screen was shown: check it again.
    if hub is None or not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        _await(context, None)
        await refuse(update, context, "meeting settings", awaiting[1])
        raise ApplicationHandlerStop
    offsets = parse_offsets(message.text)
    if offsets is None:
        back = InlineKeyboardMarkup([[_button(button_label("◀ Back"), hub, "show")]])
        problem = _("I couldn't read those reminders.")
        await reply(update, f"{problem}\n\n{_typing_prompt()}", back)
        raise ApplicationHandlerStop
    await context.services.meeting_settings.set_offsets(hub.id, offsets)
    _await(context, None)
    await _show(update, context, hub, _("Saved."))
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(settings_callback, pattern=callbacks.pattern(ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, settings_input),
        group=INPUT_GROUP,
    )
