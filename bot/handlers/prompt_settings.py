"""A hub's prompt settings, under /hubsettings: timing, the nudge, and hub holidays.

Callbacks ``ps:<hub>:<what>[:<value>]``; typed hours and holiday dates come in group 15. Every
press and every typed answer re-checks that the person runs the hub.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
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
from bot.i18n import _
from bot.services.prompts import NUDGE_CHOICES, Holiday, PromptError

ACTION = "ps"
AWAIT = "prompt-settings"  # AWAITING = (AWAIT, hub id, "nudge" | "holiday")
INPUT_GROUP = 15
MAX_NUDGE_HOURS = 168
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DASHES = re.compile(r"\s*[–—]\s*|\s+-\s+|\s+")  # between two dates: a space or a dash


def _button(label: str, hub: HubRow, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.pack(ACTION, hub.id, *args))


def _back(hub: HubRow, to: str = "show") -> list[InlineKeyboardButton]:
    if to == "hs":  # back to /hubsettings' own screen
        return [
            InlineKeyboardButton(
                button_label("◀ Back"), callback_data=callbacks.pack("hs", hub.id, "show")
            )
        ]
    return [_button(button_label("◀ Back"), hub, to)]


def _days(holiday: Holiday) -> str:
    locale = i18n.current_locale()
    first = format_date(holiday.first_day, "medium", locale=locale)
    if holiday.first_day == holiday.last_day:
        return first
    return f"{first} – {format_date(holiday.last_day, 'medium', locale=locale)}"


def _timing_text(hub: HubRow, timing: str) -> str:
    if timing == "member":
        return _("Prompts go out at each member's own local time.")
    return _("Prompts go out at the hub's local time ({timezone}).", timezone=hub.timezone)


def _nudge_text(hours: int) -> str:
    if hours == 0:
        return _("Nudge: off. Unanswered prompts get no reminder.")
    return i18n.ngettext(
        "Nudge: one gentle reminder {count} hour after an unanswered prompt.",
        "Nudge: one gentle reminder {count} hours after an unanswered prompt.",
        hours,
    )


async def _main(context: BotContext, hub: HubRow) -> tuple[str, InlineKeyboardMarkup]:
    services = context.services
    settings = await services.prompts.settings(hub.id)
    holidays = await services.prompts.holidays(hub.id)
    lines = [
        _("<b>Prompts in {hub}</b>", hub=hub.name),
        _timing_text(hub, settings.timing),
        _nudge_text(settings.nudge_hours),
    ]
    if holidays:
        lines.append(_("Hub holidays (no prompts): {days}", days=", ".join(map(_days, holidays))))
    else:
        lines.append(_("No hub holidays."))
    mark = "✓ "
    hub_time = button_label("Hub's time")
    own_time = button_label("Members' own time")
    rows = [
        [
            _button((mark if settings.timing == "hub" else "") + hub_time, hub, "tm", "hub"),
            _button((mark if settings.timing == "member" else "") + own_time, hub, "tm", "member"),
        ],
        [
            _button(button_label("🔔 Nudge…"), hub, "ng"),
            _button(button_label("🏖 Holidays…"), hub, "hol"),
        ],
        _back(hub, "hs"),
    ]
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


async def _nudge(context: BotContext, hub: HubRow) -> tuple[str, InlineKeyboardMarkup]:
    hours = (await context.services.prompts.settings(hub.id)).nudge_hours
    text = "\n\n".join(
        [
            _nudge_text(hours),
            _(
                "A member who has not answered a prompt gets one gentle nudge. After how many "
                "hours? Choose below, or type a number from 1 to {limit}.",
                limit=MAX_NUDGE_HOURS,
            ),
        ]
    )

    def label(choice: int) -> str:
        name = button_label("Off") if choice == 0 else button_label("{hours} h", hours=choice)
        return ("✓ " if choice == hours else "") + name

    choices = [_button(label(choice), hub, "ng", choice) for choice in NUDGE_CHOICES]
    return text, InlineKeyboardMarkup([choices, _back(hub)])


async def _holidays(context: BotContext, hub: HubRow) -> tuple[str, InlineKeyboardMarkup]:
    holidays = await context.services.prompts.holidays(hub.id)
    lines = [
        _(
            "<b>Hub holidays</b>: no prompts go out on these days ({timezone}).",
            timezone=hub.timezone,
        )
    ]
    lines += [f"{number}. {i18n.show(_days(h))}" for number, h in enumerate(holidays, start=1)]
    if not holidays:
        lines.append(_("None yet."))
    lines.append(
        _(
            "To add one, type its first and last day, e.g. {example}, or a single date.",
            example=_example(context, hub),
        )
    )
    rows = [
        [_button(button_label("✖ Remove {id}", id=number), hub, "rm", holiday.id)]
        for number, holiday in enumerate(holidays, start=1)
    ]
    rows.append(_back(hub))
    return i18n.finish("\n".join(lines)), InlineKeyboardMarkup(rows)


def _today(context: BotContext, hub: HubRow) -> date:
    return context.services.prompts.now().astimezone(ZoneInfo(hub.timezone)).date()


def _example(context: BotContext, hub: HubRow) -> str:
    first = _today(context, hub) + timedelta(days=14)
    return f"{first.isoformat()} {(first + timedelta(days=7)).isoformat()}"


def _await(context: BotContext, hub: HubRow, what: str | None) -> None:
    if context.user_data is None:
        return
    awaiting = context.user_data.get(AWAITING)
    if what is not None:
        context.user_data[AWAITING] = (AWAIT, hub.id, what)
    elif isinstance(awaiting, tuple) and awaiting and awaiting[0] == AWAIT:
        context.user_data.pop(AWAITING, None)


async def _show(
    update: Update,
    context: BotContext,
    hub: HubRow,
    what: str,
    note: str | None = None,
) -> None:
    """Show one screen (``show``, ``ng``, ``hol``) and wait for what it asks to be typed."""
    build = {"show": _main, "ng": _nudge, "hol": _holidays}[what]
    _await(context, hub, {"ng": "nudge", "hol": "holiday"}.get(what))
    text, markup = await build(context, hub)
    if note:
        text = f"{note}\n\n{text}"
    if update.callback_query is not None:
        await edit_or_reply(update, text, markup)
    else:
        await reply(update, text, markup)


async def settings_callback(update: Update, context: BotContext) -> None:
    """``ps:<hub>:show|ng|hol``, ``ps:<hub>:tm:hub|member``, ``ps:<hub>:ng:<hours>``,
    ``ps:<hub>:rm:<holiday id>``."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, ACTION, int, str) or callbacks.unpack(
        query.data, ACTION, int, str, str
    )
    if parsed is None:
        await stale_button(update)
        return
    hub = await hub_from_callback(update, context, "prompt settings", parsed[0])
    if hub is None:
        return
    what, value = parsed[1], parsed[2] if len(parsed) == 3 else None
    prompts = context.services.prompts
    if value is None and what in ("show", "ng", "hol"):
        await query.answer()
        await _show(update, context, hub, what)
    elif what == "tm" and value in ("hub", "member"):
        await prompts.set_timing(hub.id, value)
        await query.answer(_("Saved."))
        await _show(update, context, hub, "show")
    elif what == "ng" and value is not None and value.isdigit() and int(value) in NUDGE_CHOICES:
        await prompts.set_nudge_hours(hub.id, int(value))
        await query.answer(_("Saved."))
        await _show(update, context, hub, "ng")
    elif what == "rm" and value is not None and value.isdigit():
        if not await prompts.remove_holiday(hub.id, int(value)):
            await stale_button(update)
            return
        await query.answer(_("Removed."))
        await _show(update, context, hub, "hol")
    else:
        await stale_button(update)


def parse_hours(text: str) -> int | None:
    word = text.strip().lower()
    if word in ("off", "0"):
        return 0
    word = word.removesuffix("h").strip()
    if not word.isdigit() or not 1 <= int(word) <= MAX_NUDGE_HOURS:
        return None
    return int(word)


def parse_holiday(text: str) -> tuple[date, date] | None:
    """'2026-12-24 2027-01-07' (a dash may stand between) or one date; None if unreadable."""
    parts = [part for part in _DASHES.split(text.strip()) if part]
    if not 1 <= len(parts) <= 2:
        return None
    days = []
    for part in parts:
        match = _DATE.fullmatch(part)
        if match is None:
            return None
        try:
            days.append(date(*(int(number) for number in match.groups())))
        except ValueError:
            return None
    return days[0], days[-1]


async def _typed_holiday(update: Update, context: BotContext, hub: HubRow, text: str) -> None:
    span = parse_holiday(text)
    if span is None:
        problem = _(
            "I couldn't read those dates. Type the first and last day as year-month-day, "
            "e.g. {example}, or a single date.",
            example=_example(context, hub),
        )
        await _show(update, context, hub, "hol", problem)
        return
    first, last = span
    if first < _today(context, hub):
        problem = _(
            "{date} has already passed. A holiday starts today or later.", date=first.isoformat()
        )
        await _show(update, context, hub, "hol", problem)
        return
    try:
        await context.services.prompts.add_holiday(hub.id, first, last)
    except PromptError as exc:
        await _show(update, context, hub, "hol", exc.message)
        return
    await _show(update, context, hub, "hol", _("Saved."))


async def settings_input(update: Update, context: BotContext) -> None:
    """Nudge hours or holiday dates, typed after the screen that asked for them."""
    awaiting = context.user_data.get(AWAITING) if context.user_data is not None else None
    if not (isinstance(awaiting, tuple) and len(awaiting) == 3 and awaiting[0] == AWAIT):
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    hub = await context.services.hubs.get(awaiting[1])
    # The role may have changed since the screen was shown: check it again.
    if hub is None or not await context.services.access.can_facilitate(hub.id, context.viewer.id):
        assert context.user_data is not None
        context.user_data.pop(AWAITING, None)
        await refuse(update, context, "prompt settings", awaiting[1])
        raise ApplicationHandlerStop
    if awaiting[2] == "nudge":
        hours = parse_hours(message.text)
        if hours is None:
            problem = _(
                "Type a whole number of hours from 1 to {limit}, or choose Off.",
                limit=MAX_NUDGE_HOURS,
            )
            await _show(update, context, hub, "ng", problem)
        else:
            await context.services.prompts.set_nudge_hours(hub.id, hours)
            await _show(update, context, hub, "show", _("Saved."))
    else:
        await _typed_holiday(update, context, hub, message.text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(settings_callback, pattern=callbacks.pattern(ACTION)))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, settings_input),
        group=INPUT_GROUP,
    )
