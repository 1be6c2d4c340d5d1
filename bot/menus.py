"""Command menus per language and scope, so the "/" menu shows what each person can do."""

from __future__ import annotations

import hashlib
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from bot.commands import Audience, commands_for
from bot.config import SUPPORTED_LOCALES
from bot.context import Services
from bot.i18n import use_locale

log = logging.getLogger(__name__)


def _menu(audience: Audience, *, private: bool) -> list[BotCommand]:
    return [BotCommand(c.name, str(c.description)) for c in commands_for(audience, private=private)]


def _digest(commands: list[BotCommand]) -> str:
    """What identifies a menu: its commands and their descriptions, in order."""
    text = "\n".join(f"{c.command} {c.description}" for c in commands)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def _set(
    bot: Bot, commands: list[BotCommand], scope: BotCommandScope, lang: str | None
) -> bool:
    try:
        await bot.set_my_commands(commands, scope=scope, language_code=lang)
    except TelegramError as exc:
        # A menu is a convenience: failing to set one must not stop the bot.
        log.warning("could not set commands for %s/%s: %s", scope.type, lang, exc)
        return False
    return True


async def set_default_menus(bot: Bot, services: Services) -> None:
    """Menus for everyone, in each language (and the default language for the rest)."""
    group_admin = (
        Audience.ADMIN
        if services.config.access.group_admins_can_create_hubs
        else (Audience.FACILITATOR)
    )
    default = services.config.i18n.default_locale
    for lang in (None, *SUPPORTED_LOCALES):
        with use_locale(lang or default):
            await _set(
                bot, _menu(Audience.MEMBER, private=True), BotCommandScopeAllPrivateChats(), lang
            )
            await _set(
                bot, _menu(Audience.MEMBER, private=False), BotCommandScopeAllGroupChats(), lang
            )
            await _set(
                bot, _menu(group_admin, private=False), BotCommandScopeAllChatAdministrators(), lang
            )
    for admin in services.access.admins:
        await refresh_user_menu(bot, services, admin)


async def refresh_user_menu(bot: Bot, services: Services, user_id: int) -> None:
    """Give a facilitator or admin their fuller menu, and anyone who chose a language theirs.

    Telegram is asked only when the person's menu differs from the one last set for them (kept
    in the database, so a restart sends nothing again): a time-zone change, the same language
    chosen twice, or a role that does not change the menu cost no request.
    """
    viewer = await services.users.viewer(user_id)
    if viewer is None:
        return  # never wrote to the bot: Telegram would answer "chat not found"
    if viewer.is_admin:
        audience = Audience.ADMIN
    elif viewer.facilitates:
        audience = Audience.FACILITATOR
    else:
        audience = Audience.MEMBER
    scope = BotCommandScopeChat(user_id)
    if audience is Audience.MEMBER and viewer.user.locale is None:
        if viewer.user.menu is None:
            return  # they already see the default menus
        try:
            await bot.delete_my_commands(scope=scope)
        except TelegramError as exc:
            log.warning("could not reset commands for user %s: %s", user_id, exc)
            return
        await services.users.set_menu(user_id, None)
        return
    with use_locale(viewer.locale):
        commands = _menu(audience, private=True)
    digest = _digest(commands)
    if digest != viewer.user.menu and await _set(bot, commands, scope, None):
        await services.users.set_menu(user_id, digest)
