"""``/stats``: a hub's figures as text, then one chart (a PNG sent with sendPhoto).

Facilitators read their hubs (a picker when they run several); network admins read every hub and
the network totals. In a group: the group's hub, for its facilitators. Buttons under ``st``:
``st:h:<hub>`` one hub, ``st:n`` the whole network. The role is checked on the command and on
every press (a button may be old or forged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.buttons import button_label, hub_in_label
from bot.context import BotContext
from bot.db.hubs import HubRow
from bot.handlers.common import edit_or_reply, group_hub, refuse, reply, stale_button
from bot.i18n import _
from bot.logs import describe_exception
from bot.services.stats import Figures
from bot.services.stats_chart import preload, render_chart
from bot.services.stats_report import caption, chart_text, render_text

log = logging.getLogger(__name__)

ACTION = "st"


def _picker(hubs: list[HubRow], *, network: bool) -> InlineKeyboardMarkup:
    rows = []
    if network:
        rows.append(
            [
                InlineKeyboardButton(
                    button_label("🌐 Whole network"), callback_data=callbacks.pack(ACTION, "n")
                )
            ]
        )
    rows.extend(
        [
            InlineKeyboardButton(
                hub_in_label(h.name), callback_data=callbacks.pack(ACTION, "h", h.id)
            )
        ]
        for h in hubs
    )
    return InlineKeyboardMarkup(rows)


async def _send(update: Update, context: BotContext, reading: Awaitable[Figures]) -> None:
    """The text (editing the picker after a press), then the chart drawn in a thread.

    matplotlib loads in a thread while the figures are read (it is imported on first use only).
    """
    loading = asyncio.ensure_future(asyncio.to_thread(preload))
    figures = await reading
    await edit_or_reply(update, render_text(figures))
    chat = update.effective_chat
    assert chat is not None
    words = chart_text(figures)
    await loading
    png = await asyncio.to_thread(
        render_chart, words, [w.members for w in figures.weeks], [w.active for w in figures.weeks]
    )
    photo = InputFile(png, filename="stats.png")
    try:
        await context.bot.send_photo(chat.id, photo=photo, caption=caption(figures))
    except TelegramError as error:
        log.warning("stats chart not sent: %s", describe_exception(error))
        await reply(update, _("Sorry, I couldn't send the chart. Please try again later."))


async def stats_command(update: Update, context: BotContext) -> None:
    services = context.services
    chat = update.effective_chat
    assert chat is not None
    if chat.type != Chat.PRIVATE:
        hub = await group_hub(update, context, "stats")
        if hub is not None:
            await _send(update, context, services.stats.hub_figures(hub))
        return
    viewer = context.viewer.id
    hubs = await services.stats.hubs_for(viewer)
    admin = services.stats.is_admin(viewer)
    if not hubs and not admin:
        await refuse(update, context, "stats", None)
        return
    if admin or len(hubs) > 1:
        await reply(update, _("Which figures would you like to see?"), _picker(hubs, network=admin))
        return
    await _send(update, context, services.stats.hub_figures(hubs[0]))


async def stats_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    services = context.services
    viewer = context.viewer.id
    if callbacks.unpack(query.data, ACTION, str) == ("n",):
        if not services.stats.is_admin(viewer):
            await refuse(update, context, "stats", None)
            return
        await query.answer()
        await _send(update, context, services.stats.network_figures())
        return
    parsed = callbacks.unpack(query.data, ACTION, str, int)
    if parsed is None or parsed[0] != "h":
        await stale_button(update)
        return
    hub = await services.hubs.get(parsed[1])
    if hub is None:
        await stale_button(update)
        return
    if not await services.stats.may_read(hub.id, viewer):
        await refuse(update, context, "stats", hub.id)
        return
    await query.answer()
    await _send(update, context, services.stats.hub_figures(hub))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("stats", stats_command))
    app.add_handler(CallbackQueryHandler(stats_callback, pattern=callbacks.pattern(ACTION)))
