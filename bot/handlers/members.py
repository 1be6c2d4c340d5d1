"""Facilitators manage people: /members, /promote and /demote (by reply or by user id)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, menus
from bot.context import BotContext
from bot.db.hubs import HubRow
from bot.db.memberships import Role
from bot.handlers.common import (
    display_name,
    facilitated_hub,
    hub_from_callback,
    reply,
    stale_button,
)
from bot.i18n import _
from bot.parsing import single_id
from bot.services.hubs import HubError, HubProblem

log = logging.getLogger(__name__)


async def members_command(update: Update, context: BotContext) -> None:
    hub = await facilitated_hub(update, context, "mem")
    if hub is not None:
        await _list_members(update, context, hub)


async def members_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "mem", int)
    if parsed is None:
        await stale_button(update)
        return
    hub = await hub_from_callback(update, context, "members", parsed[0])
    if hub is not None:
        await query.answer()
        await _list_members(update, context, hub)


async def _list_members(update: Update, context: BotContext, hub: HubRow) -> None:
    """Facilitators first; each line has the user id that /promote and /demote accept."""
    members = await context.services.hubs.members(hub.id)
    tz = context.viewer.timezone
    lines = [
        i18n.ngettext(
            "<b>{hub}</b>: {count} member",
            "<b>{hub}</b>: {count} members",
            len(members),
            hub=hub.name,
        )
    ]
    for m in members:
        params = {
            "name": display_name(m.user),
            "id": m.user.id,
            "date": i18n.format_date(m.joined_at, tz, "short"),
        }
        if m.role is Role.FACILITATOR:
            lines.append(_("• {name}, facilitator (ID {id}, joined {date})", **params))
        else:
            lines.append(_("• {name} (ID {id}, joined {date})", **params))
    await reply(update, "\n".join(lines))


def _target_from(update: Update, context: BotContext) -> int | None:
    """The person a /promote or /demote is about: the replied-to sender, or a user id."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user.id
    return single_id(context.args)


async def _role_command(update: Update, context: BotContext, action: str) -> None:
    target = _target_from(update, context)
    if target is None:
        if action == "pro":
            text = _(
                "Reply to the member's message with /promote, or give their user id: "
                "/promote 123456789. /members lists the ids."
            )
        else:
            text = _(
                "Reply to the facilitator's message with /demote, or give their user id: "
                "/demote 123456789. /members lists the ids."
            )
        await reply(update, text)
        return
    hub = await facilitated_hub(update, context, action, target)
    if hub is not None:
        await _change_role(update, context, hub, target, promote=action == "pro")


async def promote_command(update: Update, context: BotContext) -> None:
    await _role_command(update, context, "pro")


async def demote_command(update: Update, context: BotContext) -> None:
    await _role_command(update, context, "dem")


async def role_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    action = (query.data or "").split(":", 1)[0]
    parsed = callbacks.unpack(query.data, action, int, int) if action in ("pro", "dem") else None
    if parsed is None:
        await stale_button(update)
        return
    hub_id, target = parsed
    hub = await hub_from_callback(
        update, context, "promote" if action == "pro" else "demote", hub_id
    )
    if hub is not None:
        await query.answer()
        await _change_role(update, context, hub, target, promote=action == "pro")


async def _change_role(
    update: Update, context: BotContext, hub: HubRow, target: int, *, promote: bool
) -> None:
    services = context.services
    user = await services.users.get(target)
    name = display_name(user) if user is not None else str(target)
    try:
        if promote:
            await services.hubs.promote(hub.id, target)
        else:
            await services.hubs.demote(hub.id, target)
    except HubError as exc:
        await reply(update, _role_problem(exc.reason, name, hub))
        return
    log.info(
        "user %s %s user %s in hub %s",
        context.viewer.id,
        "promoted" if promote else "demoted",
        target,
        hub.id,
    )
    if promote:
        await reply(
            update, _("{name} is now a facilitator of <b>{hub}</b>.", name=name, hub=hub.name)
        )
    else:
        await reply(
            update, _("{name} is no longer a facilitator of <b>{hub}</b>.", name=name, hub=hub.name)
        )
    await menus.refresh_user_menu(context.bot, services, target)


def _role_problem(problem: HubProblem, name: str, hub: HubRow) -> str:
    if problem is HubProblem.NOT_A_MEMBER:
        return _(
            "{name} is not a member of <b>{hub}</b> yet. Send them the link from /invite.",
            name=name,
            hub=hub.name,
        )
    if problem is HubProblem.ALREADY_FACILITATOR:
        return _("{name} is already a facilitator of <b>{hub}</b>.", name=name, hub=hub.name)
    if problem is HubProblem.NOT_A_FACILITATOR:
        return _("{name} is not a facilitator of <b>{hub}</b>.", name=name, hub=hub.name)
    assert problem is HubProblem.LAST_FACILITATOR
    return _(
        "{name} is the only facilitator of <b>{hub}</b>. Make someone else a facilitator "
        "first (/promote).",
        name=name,
        hub=hub.name,
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("members", members_command))
    app.add_handler(CommandHandler("promote", promote_command))
    app.add_handler(CommandHandler("demote", demote_command))
    app.add_handler(CallbackQueryHandler(members_callback, pattern=callbacks.pattern("mem")))
    app.add_handler(CallbackQueryHandler(role_callback, pattern=r"^(pro|dem):"))
