"""``/export``: a ZIP of CSV files about a hub, sent to a facilitator's private chat.

In a group: the group's hub, for its facilitators; the file goes privately and the group gets a
short note. In private: the hub the person runs, or buttons to choose one (``ex:<hub id>``). The
role is checked on the command and again on every press: a button may be old or forged.
Members are refused; network admins may export any hub.
"""

from __future__ import annotations

import logging

from babel.numbers import format_decimal
from telegram import Chat, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import BotContext
from bot.db.hubs import HubRow
from bot.handlers.common import facilitated_hub, hub_from_callback, reply, stale_button
from bot.i18n import _, current_locale, ngettext
from bot.logs import describe_exception
from bot.services.exports import MEDIA_TYPE, UPLOAD_LIMIT, ExportFile

log = logging.getLogger(__name__)

ACTION = "ex"
# Uploading a large file takes longer than a message.
UPLOAD_TIMEOUT = 120


def _caption(hub: HubRow, made: ExportFile) -> str:
    members = ngettext(
        "Export of <b>{hub}</b>: {count} member.",
        "Export of <b>{hub}</b>: {count} members.",
        made.members,
        hub=hub.name,
    )
    contents = _(
        "One CSV file each for members, questions, announcements, meetings, polls, prompts and "
        "surveys. Times are in the hub's time zone, {timezone}. Private reflections and the names "
        "of anonymous askers are never included.",
        timezone=hub.timezone,
    )
    return f"{members}\n{contents}"


def _megabytes(size: int) -> str:
    return format_decimal(round(size / 1024 / 1024, 1), locale=current_locale())


async def _deliver(update: Update, context: BotContext, hub: HubRow) -> str | None:
    """Build and send the export privately; return what to tell the person if it did not go."""
    services, viewer = context.services, context.viewer
    if not services.exports.begin(viewer.id, hub.id):
        return _("Your export of this hub is on its way; it takes a moment.")
    try:
        made = await services.exports.build(hub, services.scheduler.clock.now())
        if made.too_big:
            log.warning("export of hub %s too big: %s bytes", hub.id, len(made.data))
            return _(
                "The export of {hub} is {size} MB, more than the {limit} MB Telegram lets a bot "
                "send, so I can't send it. Please ask your network admin for a copy.",
                hub=hub.name,
                size=_megabytes(len(made.data)),
                limit=_megabytes(UPLOAD_LIMIT),
            )
        document = InputFile(made.data, filename=made.name)
        document.mimetype = MEDIA_TYPE
        await context.bot.send_document(
            viewer.id,
            document=document,
            caption=_caption(hub, made),
            write_timeout=UPLOAD_TIMEOUT,
            read_timeout=UPLOAD_TIMEOUT,
        )
    except Forbidden:
        return _(
            "I can't write to you privately. Open our private chat, press Start, then try again."
        )
    except TelegramError as error:
        log.warning("export of hub %s not sent: %s", hub.id, describe_exception(error))
        return _(
            "Sorry, something went wrong. Please try again; "
            "if it happens again, tell your facilitator."
        )
    finally:
        services.exports.end(viewer.id, hub.id)
    log.info("export of hub %s sent to %s: %s bytes", hub.id, viewer.id, len(made.data))
    return None


async def export_command(update: Update, context: BotContext) -> None:
    """``/export``: the hub's export, privately."""
    hub = await facilitated_hub(update, context, ACTION)
    if hub is None:
        return
    problem = await _deliver(update, context, hub)
    chat = update.effective_chat
    if problem is not None:
        await reply(update, problem)
    elif chat is not None and chat.type != Chat.PRIVATE:
        await reply(update, _("I've sent you the export in our private chat."))


async def export_callback(update: Update, context: BotContext) -> None:
    """A hub chosen from the picker: check the role again, then send."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.unpack(query.data, ACTION, int)
    if parsed is None:
        await stale_button(update)
        return
    hub = await hub_from_callback(update, context, ACTION, parsed[0])
    if hub is None:
        return
    await query.answer()
    problem = await _deliver(update, context, hub)
    if problem is not None:
        await reply(update, problem)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("export", export_command), group=0)
    app.add_handler(CallbackQueryHandler(export_callback, pattern=callbacks.pattern(ACTION)), 0)
