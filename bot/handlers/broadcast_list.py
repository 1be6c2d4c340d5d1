"""/broadcasts: recent and scheduled announcements with their delivery reports, and cancelling."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import BotContext
from bot.db.broadcasts import BroadcastStatus
from bot.db.hubs import HubRow
from bot.handlers.broadcast_preview import may_manage
from bot.handlers.common import edit_or_reply, refuse, stale_button
from bot.i18n import _
from bot.services.broadcasts import report_text


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
    if not await may_manage(context, broadcast):
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
