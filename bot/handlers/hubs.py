"""Hubs and their groups: /newhub, /invite, /hubs, /leave, and the group's life cycle."""

from __future__ import annotations

import html
import json
import logging

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, i18n, keyboards, menus
from bot.buttons import button_label, hub_in_label
from bot.context import BotContext
from bot.db.hubs import HubRow
from bot.db.memberships import Role
from bot.db.outbox import NewMessage
from bot.handlers.common import (
    args_text,
    edit_or_reply,
    facilitated_hub,
    hub_from_callback,
    reply,
    send_text,
    stale_button,
)
from bot.i18n import _
from bot.services.hubs import HUB_NAME_MAX, HubError, HubProblem

log = logging.getLogger(__name__)
# Telegram's stand-in sender for group admins who post anonymously.
ANONYMOUS_ADMIN_ID = 1087968824


def deep_link(bot_username: str, hub: HubRow) -> str:
    return f"https://t.me/{bot_username}?start={hub.code}"


def _group_greeting(context: BotContext) -> str:
    if context.services.config.access.group_admins_can_create_hubs:
        return _(
            "Hello! I am Mentor Hub. To make this group a mentoring hub, a group admin sends "
            "/newhub followed by the hub's name."
        )
    return _(
        "Hello! I am Mentor Hub. To make this group a mentoring hub, a network admin sends "
        "/newhub followed by the hub's name."
    )


async def _may_create_hub(update: Update, context: BotContext) -> bool:
    viewer, config = context.viewer, context.services.config
    if viewer.is_admin:
        return True
    if not config.access.group_admins_can_create_hubs:
        return False
    chat = update.effective_chat
    assert chat is not None
    try:
        member = await context.bot.get_chat_member(chat.id, viewer.id)
    except TelegramError as exc:
        # Without an answer we cannot tell an admin from a member: refuse, and say so in the log.
        log.warning("could not check the role of user %s in chat %s: %s", viewer.id, chat.id, exc)
        return False
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)


async def newhub_command(update: Update, context: BotContext) -> None:
    """Tie this group to a new hub; whoever creates it becomes its first facilitator."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if chat.type == Chat.PRIVATE:
        await reply(
            update,
            _(
                "Use /newhub in the group that should become the hub: add me to the group, "
                "then send /newhub followed by the hub's name there."
            ),
        )
        return
    if message.sender_chat is not None or context.viewer.id == ANONYMOUS_ADMIN_ID:
        await reply(
            update,
            _(
                "I can't tell who you are while you post anonymously. Turn off "
                '"Remain anonymous" in your admin rights and try again.'
            ),
        )
        return
    services, viewer = context.services, context.viewer
    if not await _may_create_hub(update, context):
        services.access.refused("newhub", viewer.id, None)
        if services.config.access.group_admins_can_create_hubs:
            await reply(update, _("Only group admins and network admins can create a hub."))
        else:
            await reply(update, _("Only network admins can create a hub."))
        return
    try:
        hub = await services.hubs.create(
            chat_id=chat.id,
            name=args_text(update),
            creator_id=viewer.id,
            locale=viewer.locale,
            timezone=viewer.user.timezone or services.config.defaults.timezone,
        )
    except HubError as exc:
        await reply(update, _newhub_problem(exc.reason, await services.hubs.for_chat(chat.id)))
        return
    log.info("hub %s created in chat %s by user %s", hub.id, chat.id, viewer.id)
    await reply(
        update,
        "\n\n".join(
            [
                _(
                    "This group is now the hub <b>{hub}</b>, and you are its facilitator.",
                    hub=hub.name,
                ),
                _(
                    "Invite people with /invite. To change the hub's time zone ({timezone}), "
                    "language ({language}) or question approval, send /hubsettings.",
                    timezone=hub.timezone,
                    language=i18n.language_name(hub.locale),
                ),
            ]
        ),
    )
    await menus.refresh_user_menu(context.bot, services, viewer.id)


def _newhub_problem(problem: HubProblem, existing: HubRow | None) -> str:
    if problem is HubProblem.NAME_EMPTY:
        return _("Add the hub's name after the command, e.g. /newhub Riverside mentors")
    if problem is HubProblem.NAME_TOO_LONG:
        return i18n.ngettext(
            "That name is too long: use at most {count} character.",
            "That name is too long: use at most {count} characters.",
            HUB_NAME_MAX,
        )
    assert problem is HubProblem.CHAT_ALREADY_HUB and existing is not None
    return _("This group is already the hub <b>{hub}</b>.", hub=existing.name)


async def invite_command(update: Update, context: BotContext) -> None:
    hub = await facilitated_hub(update, context, "inv")
    if hub is not None:
        await _send_invite(update, context, hub)


async def invite_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "inv", int)
    if parsed is None:
        await stale_button(update)
        return
    hub = await hub_from_callback(update, context, "invite", parsed[0])
    if hub is not None:
        await query.answer()
        await _send_invite(update, context, hub)


async def _send_invite(update: Update, context: BotContext, hub: HubRow) -> None:
    """Give the facilitator the link, and put a Join button in the hub's group."""
    link = deep_link(context.bot.username, hub)
    chat = update.effective_chat
    assert chat is not None
    in_group = chat.id == hub.chat_id
    text = "\n\n".join(
        [
            # The link stands alone on its line, unisolated: an isolate mark would be copied
            # into the link (and the join code) by some clients.
            _("Invite link for <b>{hub}</b>:", hub=hub.name) + "\n" + html.escape(link),
            _(
                "Share this link: one tap opens a private chat with me and adds the person to "
                "the hub."
            ),
        ]
    )
    with_button = keyboards.link(button_label("Join {hub}", hub=hub_in_label(hub.name)), link)
    await edit_or_reply(update, text, with_button if in_group else None)
    if in_group or not hub.attached:
        return
    assert hub.chat_id is not None
    # Not a reply to anyone in the group: it goes through the outbox like every such message.
    with i18n.use_locale(hub.locale):
        group_text = _(
            "Join <b>{hub}</b>: tap the button to open a private chat with me.", hub=hub.name
        )
        button = keyboards.link(button_label("Join {hub}", hub=hub_in_label(hub.name)), link)
    await context.services.outbox.add(
        [
            NewMessage(
                key=f"invite:{hub.id}:{update.update_id}",
                chat_id=hub.chat_id,
                kind="invite",
                ref_id=hub.id,
                text=group_text,
                reply_markup=json.dumps(button.to_dict()),
            )
        ]
    )
    context.services.delivery.wake()


async def hubs_command(update: Update, context: BotContext) -> None:
    viewer = context.viewer
    memberships = await context.services.hubs.memberships(viewer.id)
    if not memberships:
        await reply(update, _("You are not in a hub yet. Ask your facilitator for an invite link."))
        return
    lines = [_("<b>Your hubs</b>")]
    for m in memberships:
        since = i18n.format_date(m.joined_at, viewer.timezone)
        if m.role is Role.FACILITATOR:
            lines.append(_("• {hub}: facilitator since {date}", hub=m.hub.name, date=since))
        else:
            lines.append(_("• {hub}: member since {date}", hub=m.hub.name, date=since))
    await reply(update, "\n".join(lines))


async def leave_command(update: Update, context: BotContext) -> None:
    memberships = await context.services.hubs.memberships(context.viewer.id)
    if not memberships:
        await reply(update, _("You are not in a hub yet. Ask your facilitator for an invite link."))
        return
    if len(memberships) == 1:
        await _confirm_leave(update, memberships[0].hub)
        return
    await reply(
        update,
        _("Which hub do you want to leave?"),
        keyboards.hubs("lvq", [m.hub for m in memberships]),
    )


async def _confirm_leave(update: Update, hub: HubRow) -> None:
    await edit_or_reply(
        update,
        _(
            "Leave <b>{hub}</b>? You'll stop getting its announcements.",
            hub=hub.name,
        ),
        keyboards.confirm(
            button_label("Leave"),
            callbacks.pack("lv", hub.id),
            button_label("Stay"),
            callbacks.pack("lvno"),
        ),
    )


async def leave_callback(update: Update, context: BotContext) -> None:
    """``lvq:<hub>`` asks to confirm, ``lv:<hub>`` leaves, ``lvno`` keeps everything."""
    query = update.callback_query
    assert query is not None
    services, viewer = context.services, context.viewer
    if callbacks.unpack(query.data, "lvno") is not None:
        await query.answer()
        await edit_or_reply(update, _("OK, you're still in the hub."))
        return
    ask = callbacks.unpack(query.data, "lvq", int)
    go = callbacks.unpack(query.data, "lv", int)
    hub_id = (ask or go or (None,))[0]
    hub = await services.hubs.get(hub_id) if hub_id is not None else None
    if hub is None or await services.hubs.role(hub.id, viewer.id) is None:
        await stale_button(update)
        return
    await query.answer()
    if ask is not None:
        await _confirm_leave(update, hub)
        return
    try:
        await services.hubs.leave(hub.id, viewer.id)
    except HubError:
        await edit_or_reply(
            update,
            _(
                "You are the only facilitator of <b>{hub}</b>. Promote someone with /promote "
                "before you leave.",
                hub=hub.name,
            ),
        )
        return
    await edit_or_reply(update, _("You left <b>{hub}</b>.", hub=hub.name))
    await menus.refresh_user_menu(context.bot, services, viewer.id)


async def bot_membership_changed(update: Update, context: BotContext) -> None:
    """Follow the bot's own membership: groups it joins or leaves, people who block it."""
    change = update.my_chat_member
    assert change is not None
    was, now = _was_now(change)
    chat = change.chat
    services = context.services
    if chat.type == Chat.PRIVATE:
        await services.users.set_blocked(chat.id, blocked=not now)
        return
    if was == now:
        return
    if not now:
        hub = await services.hubs.group_lost(chat.id)
        if hub is not None:
            log.info("hub %s detached: the bot left chat %s", hub.id, chat.id)
        return
    hub = await services.hubs.group_regained(chat.id)
    if hub is None:
        await send_text(context.bot, chat.id, _group_greeting(context))
        return
    with i18n.use_locale(hub.locale):
        text = _("Hello again! This group is still linked to the hub <b>{hub}</b>.", hub=hub.name)
    await send_text(context.bot, chat.id, text)


def _was_now(change: ChatMemberUpdated) -> tuple[bool, bool]:
    present = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    old, new = change.old_chat_member, change.new_chat_member

    def inside(member: ChatMember) -> bool:
        return member.status in present or (
            member.status == ChatMember.RESTRICTED and getattr(member, "is_member", False)
        )

    return inside(old), inside(new)


async def group_migrated(update: Update, context: BotContext) -> None:
    """A group upgraded to a supergroup gets a new id; the hub moves with it."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if await context.services.hubs.group_migrated(old, new):
        log.info("hub moved from chat %s to supergroup %s", old, new)
    await context.services.outbox.move_chat(old, new)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("newhub", newhub_command))
    app.add_handler(CommandHandler("invite", invite_command))
    app.add_handler(CommandHandler("hubs", hubs_command))
    app.add_handler(CommandHandler("leave", leave_command))
    app.add_handler(CallbackQueryHandler(invite_callback, pattern=callbacks.pattern("inv")))
    app.add_handler(CallbackQueryHandler(leave_callback, pattern=r"^(lv|lvq|lvno)(:|$)"))
    app.add_handler(ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated))
