"""/broadcast: compose an announcement, pick its hub, and act on the preview's buttons.

The preview itself is ``broadcast_preview``; its Schedule… picker is ``broadcast_schedule``;
/broadcasts, the list with delivery reports and cancelling, is ``broadcast_list``. ``register``
wires all four, in one order.
"""

from __future__ import annotations

import re
from datetime import datetime
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
from bot.buttons import button_label, hub_in_label
from bot.context import AWAITING, BotContext
from bot.db.broadcasts import BroadcastStatus
from bot.db.hubs import HubRow
from bot.handlers.broadcast_list import broadcasts_command, cancel_callback
from bot.handlers.broadcast_preview import may_manage, problem, show_preview, usage
from bot.handlers.broadcast_schedule import day_callback, pick_day, time_callback
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    group_hub,
    refuse,
    reply,
    stale_button,
)
from bot.handlers.settings import INPUT_GROUP
from bot.i18n import _
from bot.services.broadcasts import BroadcastError
from bot.services.scheduling import local_moment

AWAIT_TEXT = "broadcast-text"
DRAFT = "broadcast-draft"  # user_data: (text, local time text or None) until a hub is picked
# "at" is the schedule keyword only when a date follows: "At Thursday's meeting …" is text.
_AT = re.compile(r"^at\s+(\d{4}-\d{1,2}-\d{1,2})(?:\s+(\S+))?\s*(.*)$", re.IGNORECASE | re.DOTALL)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}$"), re.compile(r"^\d{1,2}:\d{2}$")


def _parse(text: str) -> tuple[str, str | None] | None:
    """Split ``[at YYYY-MM-DD HH:MM] text``; None when an 'at' time is malformed."""
    match = _AT.match(text)
    if match is None:
        return text, None
    day, clock, rest = match.groups()
    if clock is None or not (_DATE_TIME[0].match(day) and _DATE_TIME[1].match(clock)):
        return None
    try:
        moment = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return rest, moment.strftime("%Y-%m-%d %H:%M")


async def broadcast_command(update: Update, context: BotContext) -> None:
    text = args_text(update)
    chat = update.effective_chat
    assert chat is not None
    if not text:
        if chat.type == Chat.PRIVATE and context.user_data is not None:
            context.user_data[AWAITING] = AWAIT_TEXT
            await reply(update, _("Send the text of the announcement.") + "\n\n" + usage())
        else:
            await reply(update, usage())
        return
    await _start(update, context, text)


async def broadcast_text_input(update: Update, context: BotContext) -> None:
    """The announcement text, typed after /broadcast asked for it."""
    if context.user_data is None or context.user_data.get(AWAITING) != AWAIT_TEXT:
        return
    context.user_data.pop(AWAITING, None)
    message = update.effective_message
    assert message is not None and message.text is not None
    await _start(update, context, message.text)
    raise ApplicationHandlerStop


async def _start(update: Update, context: BotContext, text: str) -> None:
    parsed = _parse(text.strip())
    if parsed is None:
        await reply(
            update,
            _(
                "I couldn't read that date and time. Write year-month-day and a 24-hour time, "
                "e.g. /broadcast at 2026-12-01 18:00 Your text. Or send the text alone and "
                "choose Schedule… on the preview."
            ),
        )
        return
    body, at_local = parsed
    if not body.strip():
        await reply(update, usage())
        return
    services, viewer = context.services, context.viewer
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        hub = await group_hub(update, context, "broadcast")
        if hub is not None:
            await _draft(update, context, hub, body, at_local)
        return
    hubs = await services.access.facilitated_hubs(viewer.id)
    if not hubs:
        await refuse(update, context, "broadcast", None)
        return
    if len(hubs) == 1 and not viewer.is_admin:
        await _draft(update, context, hubs[0], body, at_local)
        return
    if context.user_data is not None:
        context.user_data[DRAFT] = (body, at_local)
    rows = [
        [InlineKeyboardButton(hub_in_label(h.name), callback_data=callbacks.pack("bcp", h.id))]
        for h in hubs
    ]
    if viewer.is_admin:
        rows.append(
            [InlineKeyboardButton(button_label("All hubs"), callback_data=callbacks.pack("bcp", 0))]
        )
    await reply(update, _("Which hub is the announcement for?"), InlineKeyboardMarkup(rows))


async def pick_hub_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "bcp", int)
    draft = context.user_data.get(DRAFT) if context.user_data is not None else None
    if parsed is None or draft is None:
        await stale_button(update)
        return
    services, viewer = context.services, context.viewer
    (hub_id,) = parsed
    hub = await services.hubs.get(hub_id) if hub_id else None
    allowed = (
        viewer.is_admin
        if hub_id == 0
        else hub is not None and await services.access.can_facilitate(hub.id, viewer.id)
    )
    if not allowed:
        await refuse(update, context, "broadcast", hub_id or None)
        return
    if hub_id and hub is None:
        await stale_button(update)
        return
    await query.answer()
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    await _draft(update, context, hub, *draft)


async def _draft(
    update: Update, context: BotContext, hub: HubRow | None, text: str, at_local: str | None
) -> None:
    """Store a draft and show the preview with Confirm and Cancel."""
    services, viewer = context.services, context.viewer
    tz = hub.timezone if hub else viewer.timezone
    send_at = local_moment(at_local, ZoneInfo(tz)) if at_local else None
    try:
        broadcast = await services.broadcasts.draft(
            hub_id=hub.id if hub else None, sender_id=viewer.id, text=text, send_at=send_at
        )
    except BroadcastError as exc:
        await reply(update, problem(exc.reason, text, tz, send_at))
        return
    await show_preview(update, context, broadcast, hub)


async def preview_callback(update: Update, context: BotContext) -> None:
    """``bc:<id>:go|no|grp|urg`` on a preview: only its sender, still a facilitator, may act."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "bc", int, str)
    if parsed is None or parsed[1] not in ("go", "no", "grp", "urg", "sch", "pv"):
        await stale_button(update)
        return
    services, viewer = context.services, context.viewer
    broadcast = await services.broadcasts.get(parsed[0])
    if broadcast is None:
        await stale_button(update)
        return
    if not await may_manage(context, broadcast):
        await refuse(update, context, "broadcast", broadcast.hub_id)
        return
    if broadcast.status is not BroadcastStatus.DRAFT:
        await query.answer(
            _("This announcement has already been sent or cancelled."), show_alert=True
        )
        return
    hub = await services.hubs.get(broadcast.hub_id) if broadcast.hub_id else None
    action = parsed[1]
    if action == "sch":
        await query.answer()
        await pick_day(update, context, broadcast, hub)
        return
    if action == "pv":
        await query.answer()
        await show_preview(update, context, broadcast, hub)
        return
    if action == "grp":
        await query.answer()
        await show_preview(
            update, context, await services.broadcasts.toggle_group_post(broadcast), hub
        )
        return
    if action == "urg":
        await query.answer()
        await show_preview(update, context, await services.broadcasts.toggle_urgent(broadcast), hub)
        return
    if action == "no":
        await services.broadcasts.cancel(broadcast)
        await query.answer()
        await edit_or_reply(update, _("Announcement cancelled. Nothing was sent."))
        return
    if not await services.broadcasts.confirm(broadcast):
        await query.answer(
            _("This announcement has already been sent or cancelled."), show_alert=True
        )
        return
    await query.answer()
    services.delivery.wake()
    if broadcast.send_at is None:
        count = await services.broadcasts.recipient_count(broadcast.hub_id)
        text = i18n.ngettext(
            "Sending to {count} member. You will get a delivery report.",
            "Sending to {count} members. You will get a delivery report.",
            count,
        )
    else:
        tz = viewer.timezone  # the reader's zone, as in the preview
        text = _(
            "Scheduled for {when} ({timezone}). To see or cancel it, send /broadcasts.",
            when=i18n.format_datetime(broadcast.send_at, tz, "short"),
            timezone=tz,
        )
    await edit_or_reply(update, text)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("broadcast", broadcast_command))
    app.add_handler(CommandHandler("broadcasts", broadcasts_command))
    app.add_handler(CallbackQueryHandler(pick_hub_callback, pattern=callbacks.pattern("bcp")))
    app.add_handler(CallbackQueryHandler(preview_callback, pattern=callbacks.pattern("bc")))
    app.add_handler(CallbackQueryHandler(cancel_callback, pattern=callbacks.pattern("bcx")))
    app.add_handler(CallbackQueryHandler(day_callback, pattern=callbacks.pattern("bcd")))
    app.add_handler(CallbackQueryHandler(time_callback, pattern=callbacks.pattern("bct")))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, broadcast_text_input
        ),
        group=INPUT_GROUP + 2,
    )
