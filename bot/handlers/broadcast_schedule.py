"""The Schedule… picker on a broadcast preview: a day of the coming week, then a time.

Days and times are offered in the hub's zone (the network's announcements use the sender's).
Callback data is ``bcd:<id>:<YYYYMMDD>`` for a day and ``bct:<id>:<YYYYMMDD>:<HHMM>`` for a time;
each press re-checks the role and that the broadcast is still a draft.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import BotContext
from bot.db.broadcasts import BroadcastRow, BroadcastStatus
from bot.db.hubs import HubRow
from bot.handlers.broadcast_preview import may_manage, problem, show_preview
from bot.handlers.common import edit_or_reply, refuse, stale_button
from bot.i18n import _
from bot.services.broadcasts import BroadcastError

_SLOTS = (8, 12, 16, 18, 20)  # hours offered by the Schedule… buttons, in the hub's zone


def _hub_zone(hub: HubRow | None, context: BotContext) -> ZoneInfo:
    return ZoneInfo(hub.timezone if hub else context.viewer.timezone)


def _back_row(broadcast: BroadcastRow) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            button_label("◀ Back to preview"),
            callback_data=callbacks.pack("bc", broadcast.id, "pv"),
        )
    ]


async def pick_day(
    update: Update, context: BotContext, broadcast: BroadcastRow, hub: HubRow | None
) -> None:
    """Day buttons for the next week, in the hub's zone (today only while a slot is left)."""
    tz = _hub_zone(hub, context)
    now = context.services.broadcasts.now().astimezone(tz)
    days = [now.date() + timedelta(days=n) for n in range(8)]
    if now.hour * 60 + now.minute >= max(_SLOTS) * 60:
        days = days[1:]
    days = days[:7]
    buttons = [
        InlineKeyboardButton(
            _babel_day(day),
            callback_data=callbacks.pack("bcd", broadcast.id, day.strftime("%Y%m%d")),
        )
        for day in days
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)] + [_back_row(broadcast)]
    await edit_or_reply(
        update,
        _("When should the announcement go out? Choose a day ({timezone}):", timezone=tz.key),
        InlineKeyboardMarkup(rows),
    )


def _babel_day(day: date) -> str:
    """A short day label in the reader's language, e.g. "Thu 24 Dec"."""
    return format_date(day, "EEE d MMM", locale=i18n.current_locale())


async def _schedule_target(
    update: Update, context: BotContext, action: str, *types: type
) -> tuple[BroadcastRow, HubRow | None, tuple] | None:
    """Unpack a day or time button and re-check the role and the draft: buttons can be old."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, action, int, *types)
    broadcast = await context.services.broadcasts.get(parsed[0]) if parsed else None
    if parsed is None or broadcast is None:
        await stale_button(update)
        return None
    if not await may_manage(context, broadcast):
        await refuse(update, context, "broadcast", broadcast.hub_id)
        return None
    if broadcast.status is not BroadcastStatus.DRAFT:
        await query.answer(
            _("This announcement has already been sent or cancelled."), show_alert=True
        )
        return None
    hub = await context.services.hubs.get(broadcast.hub_id) if broadcast.hub_id else None
    return broadcast, hub, parsed[1:]


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


async def day_callback(update: Update, context: BotContext) -> None:
    """``bcd:<id>:<YYYYMMDD>``: offer the times of that day still in the future."""
    target = await _schedule_target(update, context, "bcd", str)
    if target is None:
        return
    broadcast, hub, (day_text,) = target
    day = _day(day_text)
    query = update.callback_query
    assert query is not None
    if day is None:
        await stale_button(update)
        return
    zone = _hub_zone(hub, context)
    now = context.services.broadcasts.now()
    slots = [h for h in _SLOTS if datetime.combine(day, time(h), zone) > now]
    await query.answer()
    buttons = [
        InlineKeyboardButton(
            f"{h:02d}:00", callback_data=callbacks.pack("bct", broadcast.id, day_text, f"{h:02d}00")
        )
        for h in slots
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)] + [_back_row(broadcast)]
    await edit_or_reply(
        update,
        _(
            "{day}: choose a time ({timezone}):",
            day=format_date(day, "full", locale=i18n.current_locale()),
            timezone=zone.key,
        ),
        InlineKeyboardMarkup(rows),
    )


async def time_callback(update: Update, context: BotContext) -> None:
    """``bct:<id>:<YYYYMMDD>:<HHMM>``: set the draft's time and show the preview again."""
    target = await _schedule_target(update, context, "bct", str, str)
    if target is None:
        return
    broadcast, hub, (day_text, clock) = target
    day = _day(day_text)
    query = update.callback_query
    assert query is not None
    if day is None or not re.fullmatch(r"\d{4}", clock) or int(clock[:2]) not in _SLOTS:
        await stale_button(update)
        return
    send_at = datetime.combine(day, time(int(clock[:2])), _hub_zone(hub, context))
    try:
        updated = await context.services.broadcasts.set_send_at(broadcast, send_at)
    except BroadcastError as exc:
        await query.answer(
            problem(exc.reason, broadcast.text, _hub_zone(hub, context).key, send_at),
            show_alert=True,
        )
        return
    await query.answer()
    await show_preview(update, context, updated, hub)
