"""Small inline-keyboard builders shared by the handlers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n
from bot.buttons import hub_in_label
from bot.config import SUPPORTED_LOCALES
from bot.db.hubs import HubRow


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def languages(action: str, *prefix: int | str, current: str | None = None) -> InlineKeyboardMarkup:
    """One button per language, each named in its own language."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if code == current else "") + i18n.language_name(code),
            callback_data=callbacks.pack(action, *prefix, code),
        )
        for code in SUPPORTED_LOCALES
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def hubs(action: str, hubs: Iterable[HubRow], *suffix: int | str) -> InlineKeyboardMarkup:
    """Let the person pick which of their hubs a command is about."""
    buttons = [
        InlineKeyboardButton(
            hub_in_label(hub.name), callback_data=callbacks.pack(action, hub.id, *suffix)
        )
        for hub in hubs
    ]
    return InlineKeyboardMarkup(_rows(buttons, 1))


def zones(action: str, names: Iterable[str], *prefix: int | str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            name.replace("_", " "), callback_data=callbacks.pack(action, *prefix, name)
        )
        for name in names
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def pager(
    back: InlineKeyboardButton | None, more: InlineKeyboardButton | None
) -> list[InlineKeyboardButton]:
    """A paging row in reading order: [◀ Back] [More ▶], mirrored in right-to-left locales.

    Telegram lays inline-keyboard rows out left to right in every language, so a right-to-left
    reader's "back" (its arrow turned by ``i18n.gettext``) must be the right-hand button.
    """
    row = [button for button in (back, more) if button is not None]
    return row[::-1] if i18n.is_rtl(i18n.current_locale()) else row


def single(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


def link(text: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, url=url)]])


def confirm(yes_text: str, yes_data: str, no_text: str, no_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(yes_text, callback_data=yes_data),
                InlineKeyboardButton(no_text, callback_data=no_data),
            ]
        ]
    )
