"""/broadcast and /broadcasts: preview, confirm, schedule, cancel, and read delivery reports."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
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
from bot.db.broadcasts import BroadcastRow, BroadcastStatus
from bot.db.hubs import HubRow
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
from bot.services.broadcasts import MAX_TEXT, BroadcastError, render, report_text
from bot.services.scheduling import local_moment

AWAIT_TEXT = "broadcast-text"
_SLOTS = (8, 12, 16, 18, 20)  # hours offered by the Schedule… buttons, in the hub's zone
DRAFT = "broadcast-draft"  # user_data: (text, local time text or None) until a hub is picked
# "at" is the schedule keyword only when a date follows: "At Thursday's meeting …" is text.
_AT = re.compile(r"^at\s+(\d{4}-\d{1,2}-\d{1,2})(?:\s+(\S+))?\s*(.*)$", re.IGNORECASE | re.DOTALL)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}$"), re.compile(r"^\d{1,2}:\d{2}$")


def _usage() -> str:
    return _(
        "Write the announcement after the command: /broadcast Our next meeting moves to "
        "Thursday. To send it later: /broadcast at 2026-12-01 18:00 your text."
    )


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
            await reply(update, _("Send the text of the announcement.") + "\n\n" + _usage())
        else:
            await reply(update, _usage())
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
        await reply(update, _usage())
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
        await reply(update, _problem(exc.reason, text, tz, send_at))
        return
    await _preview(update, context, broadcast, hub)


def _problem(reason: str, text: str, tz: str, send_at: datetime | None) -> str:
    if reason == "too-long":
        return _(
            "The announcement has {length} characters; the limit is {limit}. Shorten it or "
            "send it in parts.",
            length=len(text),
            limit=MAX_TEXT,
        )
    if reason == "past" and send_at is not None:
        return _(
            "{when} ({timezone}) has already passed. Choose a time in the future.",
            when=i18n.format_datetime(send_at, tz, "short"),
            timezone=tz,
        )
    if reason == "unknown-hub":
        return _("That hub no longer exists.")
    return _usage()


def _preview_markup(broadcast: BroadcastRow, hub: HubRow | None) -> InlineKeyboardMarkup:
    go = button_label("✅ Confirm")  # sends now, or schedules: the preview says which
    rows = [
        [
            InlineKeyboardButton(go, callback_data=callbacks.pack("bc", broadcast.id, "go")),
            InlineKeyboardButton(
                button_label("✖ Cancel"), callback_data=callbacks.pack("bc", broadcast.id, "no")
            ),
        ]
    ]
    if hub is None or hub.attached:
        label = (
            button_label("☑ Also post in group")
            if broadcast.post_in_group
            else button_label("☐ Also post in group")
        )
        rows.append(
            [InlineKeyboardButton(label, callback_data=callbacks.pack("bc", broadcast.id, "grp"))]
        )
    urgent = button_label("☑ Urgent") if broadcast.urgent else button_label("☐ Urgent")
    rows.append(  # urgent ones pass members' quiet hours
        [InlineKeyboardButton(urgent, callback_data=callbacks.pack("bc", broadcast.id, "urg"))]
    )
    rows.append(
        [
            InlineKeyboardButton(
                button_label("🗓 Schedule…"), callback_data=callbacks.pack("bc", broadcast.id, "sch")
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _preview(
    update: Update, context: BotContext, broadcast: BroadcastRow, hub: HubRow | None
) -> None:
    services, viewer = context.services, context.viewer
    count = await services.broadcasts.recipient_count(broadcast.hub_id)
    if hub is None:
        head = i18n.ngettext(
            "<b>Preview</b>: to {count} member of all hubs",
            "<b>Preview</b>: to {count} members of all hubs",
            count,
        )
    else:
        head = i18n.ngettext(
            "<b>Preview</b>: to {count} member of <b>{hub}</b>",
            "<b>Preview</b>: to {count} members of <b>{hub}</b>",
            count,
            hub=hub.name,
        )
    lines = [head]
    if broadcast.send_at is not None:
        tz = viewer.timezone  # the reader's zone; the schedule itself is kept in the hub's
        lines.append(
            _(
                "Scheduled for {when} ({timezone}).",
                when=i18n.format_datetime(broadcast.send_at, tz, "short"),
                timezone=tz,
            )
        )
    if broadcast.urgent:
        lines.append(_("Urgent: it reaches members even during their quiet hours."))
    lines += ["", render(broadcast.text, hub.name if hub else None)]
    await edit_or_reply(update, "\n".join(lines), _preview_markup(broadcast, hub))


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
    if not await _may_manage(context, broadcast):
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
        await _pick_day(update, context, broadcast, hub)
        return
    if action == "pv":
        await query.answer()
        await _preview(update, context, broadcast, hub)
        return
    if action == "grp":
        await query.answer()
        await _preview(update, context, await services.broadcasts.toggle_group_post(broadcast), hub)
        return
    if action == "urg":
        await query.answer()
        await _preview(update, context, await services.broadcasts.toggle_urgent(broadcast), hub)
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


def _hub_zone(hub: HubRow | None, context: BotContext) -> ZoneInfo:
    return ZoneInfo(hub.timezone if hub else context.viewer.timezone)


def _back_row(broadcast: BroadcastRow) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            button_label("◀ Back to preview"),
            callback_data=callbacks.pack("bc", broadcast.id, "pv"),
        )
    ]


async def _pick_day(
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
    if not await _may_manage(context, broadcast):
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
            _problem(exc.reason, broadcast.text, _hub_zone(hub, context).key, send_at),
            show_alert=True,
        )
        return
    await query.answer()
    await _preview(update, context, updated, hub)


async def _may_manage(context: BotContext, broadcast: BroadcastRow) -> bool:
    """A facilitator of the broadcast's hub (the sender or another), or a network admin."""
    viewer, access = context.viewer, context.services.access
    if viewer.is_admin:
        return True
    if broadcast.hub_id is None:
        return False
    return await access.can_facilitate(broadcast.hub_id, viewer.id)


async def broadcasts_command(update: Update, context: BotContext) -> None:
    """Recent and scheduled broadcasts of the hubs this person runs, with delivery reports."""
    services, viewer = context.services, context.viewer
    hubs = await services.access.facilitated_hubs(viewer.id)
    if not hubs and not viewer.is_admin:
        await refuse(update, context, "broadcasts", None)
        return
    await _list(update, context, hubs)


async def _list(update: Update, context: BotContext, hubs: list[HubRow]) -> None:
    """List the broadcasts of ``hubs`` (of every hub, for a network admin)."""
    services, viewer = context.services, context.viewer
    broadcasts = await services.broadcasts.recent(None if viewer.is_admin else hubs)
    if not broadcasts:
        await edit_or_reply(update, _("No announcements yet. Send one with /broadcast."))
        return
    names = {h.id: h.name for h in hubs}
    blocks, buttons = [_("<b>Announcements</b>")], []
    for b in broadcasts:
        where = names.get(b.hub_id, "") if b.hub_id else _("all hubs")
        preview = b.text if len(b.text) <= 60 else b.text[:59] + "…"
        blocks.append("")
        blocks.append(_("#{id} · {hub}: {text}", id=b.id, hub=where, text=preview))
        if b.status is BroadcastStatus.SCHEDULED and b.send_at is not None:
            blocks.append(
                _(
                    "Scheduled for {when}",
                    when=i18n.format_datetime(b.send_at, viewer.timezone, "short"),
                )
            )
            buttons.append(
                [
                    InlineKeyboardButton(
                        button_label("✖ Cancel #{id}", id=b.id),
                        callback_data=callbacks.pack("bcx", b.id),
                    )
                ]
            )
        elif b.status is BroadcastStatus.CANCELLED:
            blocks.append(_("Cancelled"))
        else:
            blocks += report_text(await services.broadcasts.report(b)).split("\n")[1:]
    await edit_or_reply(
        update, "\n".join(blocks), InlineKeyboardMarkup(buttons) if buttons else None
    )


async def cancel_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "bcx", int)
    broadcast = await context.services.broadcasts.get(parsed[0]) if parsed else None
    if broadcast is None:
        await stale_button(update)
        return
    if not await _may_manage(context, broadcast):
        await refuse(update, context, "cancel broadcast", broadcast.hub_id)
        return
    if await context.services.broadcasts.cancel(broadcast):
        await query.answer(_("Announcement cancelled. Nothing was sent."))
    else:
        await query.answer(
            _("This announcement has already been sent or cancelled."), show_alert=True
        )
    viewer = context.viewer
    await _list(update, context, await context.services.access.facilitated_hubs(viewer.id))


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
