"""The preview of a broadcast draft, and what every broadcast screen shares.

The preview shows the announcement as members will read it, with Confirm, Cancel and the
options; ``problem`` says why a draft was refused; ``may_manage`` is the role check each button
re-runs, since a button can outlive its presser's role.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.context import BotContext
from bot.db.broadcasts import BroadcastRow
from bot.db.hubs import HubRow
from bot.handlers.common import edit_or_reply
from bot.i18n import _
from bot.services.broadcasts import MAX_TEXT, render


def usage() -> str:
    """How to write /broadcast, with and without a time."""
    return _(
        "Write the announcement after the command: /broadcast Our next meeting moves to "
        "Thursday. To send it later: /broadcast at 2026-12-01 18:00 your text."
    )


def problem(reason: str, text: str, tz: str, send_at: datetime | None) -> str:
    """Say why a draft was refused (``BroadcastError.reason``) and what to do instead."""
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
    return usage()


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


async def show_preview(
    update: Update, context: BotContext, broadcast: BroadcastRow, hub: HubRow | None
) -> None:
    """Show the draft as members will read it, with Confirm, Cancel and the options."""
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


async def may_manage(context: BotContext, broadcast: BroadcastRow) -> bool:
    """A facilitator of the broadcast's hub (the sender or another), or a network admin."""
    viewer, access = context.viewer, context.services.access
    if viewer.is_admin:
        return True
    if broadcast.hub_id is None:
        return False
    return await access.can_facilitate(broadcast.hub_id, viewer.id)
