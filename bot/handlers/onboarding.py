"""First contact: /start (and joining by deep link), /help by role, and the language picker."""

from __future__ import annotations

from functools import cache

from telegram import Chat, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks, i18n, keyboards, menus
from bot.commands import Audience, commands_for
from bot.context import BotContext
from bot.handlers.common import edit_or_reply, reply, shorten, stale_button
from bot.i18n import _
from bot.services.hubs import HubError


async def start_command(update: Update, context: BotContext) -> None:
    """Welcome; with a join code (the deep link's payload), join that hub."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        await help_command(update, context)
        return
    if context.args:
        await _join(update, context, context.args[0])
        return
    viewer = context.viewer
    memberships = await context.services.hubs.memberships(viewer.id, cached=True)
    lines = [
        _("Welcome to Mentor Hub, {name}!", name=viewer.user.first_name),
        "",
        _(
            "Teachers, kindergarten teachers, mentors and school leaders use their hubs here to "
            "ask questions and share answers."
        ),
        "",
    ]
    if memberships:
        lines.append(_("Your hubs:"))
        lines += [f"• <b>{i18n.show(m.hub.name)}</b>" for m in memberships]
    else:
        lines.append(_("You are not in a hub yet. Ask your facilitator for an invite link."))
    lines += ["", _("Choose your language:")]
    await reply(
        update, i18n.paragraphs(lines), _language_keyboard(viewer.locale, i18n.current_locale())
    )


@cache
def _language_keyboard(current: str, locale: str) -> InlineKeyboardMarkup:
    """The picker /start shows, built once per choice and language (the markup is immutable)."""
    with i18n.use_locale(locale):
        return keyboards.languages("lang", current=current)


async def _join(update: Update, context: BotContext, code: str) -> None:
    services, viewer = context.services, context.viewer
    try:
        result = await services.hubs.join(code, viewer.id)
    except HubError:
        await reply(
            update,
            _(
                "This invite link doesn't work (code {code}). Ask your facilitator for a new one.",
                code=shorten(code, 32),
            ),
        )
        return
    if not result.joined:
        await reply(update, _("You are already a member of <b>{hub}</b>.", hub=result.hub.name))
        return
    await reply(
        update,
        "\n\n".join(
            [
                _("Welcome to <b>{hub}</b>! You are now a member.", hub=result.hub.name),
                _("Send /help to see what you can do, and /language to change the language."),
            ]
        ),
    )


async def help_command(update: Update, context: BotContext) -> None:
    """List what this person may do here: members, facilitators and admins see different lists."""
    services, viewer = context.services, context.viewer
    chat = update.effective_chat
    private = chat is not None and chat.type == Chat.PRIVATE
    audience = Audience.MEMBER
    if viewer.is_admin:
        audience = Audience.ADMIN
    elif viewer.facilitates:
        audience = Audience.FACILITATOR
    group_admins_create = services.config.access.group_admins_can_create_hubs
    text = _help_text(i18n.current_locale(), audience, private, group_admins_create)
    await reply(update, text)


@cache
def _help_text(locale: str, audience: Audience, private: bool, group_admins_create: bool) -> str:
    """/help depends on nothing else, so each of its few variants is rendered once."""
    with i18n.use_locale(locale):
        return _render_help(audience, private=private, group_admins_create=group_admins_create)


def _render_help(audience: Audience, *, private: bool, group_admins_create: bool) -> str:
    titles = {
        Audience.MEMBER: _("<b>For everyone</b>"),
        Audience.FACILITATOR: _("<b>For facilitators</b>"),
        Audience.ADMIN: _("<b>For network admins</b>"),
    }
    lines = [
        _(
            "<b>Mentor Hub</b>: ask your hub questions, add your 🙋 Me too, and get your hub's "
            "announcements."
        ),
        "",
    ]
    # In private, list everything the person can do, marking what works only in the hub's group.
    commands = commands_for(audience, private=None if private else False)
    for level in Audience:
        block = [c for c in commands if c.audience is level]
        if block:
            lines.append(titles[level])
            for c in block:
                where = " " + _("(in the group only)") if private and not c.in_private else ""
                lines.append(f"/{c.name} — {c.description}{where}")
            lines.append("")
    if not private and audience < Audience.ADMIN and group_admins_create:
        lines.append(
            _("Group admins can turn a group into a hub: send /newhub and the hub's name.")
        )
    if private and audience is Audience.MEMBER:
        lines.append(_("To join a hub, open the invite link your facilitator shares."))
    return i18n.paragraphs(lines).strip()


async def language_command(update: Update, context: BotContext) -> None:
    await reply(
        update,
        _("Choose your language:"),
        keyboards.languages("lang", current=context.viewer.locale),
    )


async def language_callback(update: Update, context: BotContext) -> None:
    """Store the chosen language and answer in it at once."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, "lang", str)
    if parsed is None or parsed[0] not in i18n.SUPPORTED_LOCALES:
        await stale_button(update)
        return
    (locale,) = parsed
    viewer = context.viewer
    await context.services.users.set_locale(viewer.id, locale)
    i18n.set_locale(locale)
    await query.answer()
    await edit_or_reply(
        update,
        _("Language set to {language}.", language=i18n.language_name(locale)),
        keyboards.languages("lang", current=locale),
    )
    await menus.refresh_user_menu(context.bot, context.services, viewer.id)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start_command))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", language_command))
    app.add_handler(CallbackQueryHandler(language_callback, pattern=callbacks.pattern("lang")))
