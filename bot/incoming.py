"""Incoming text cleaned before routing: a command copied from right-to-left text still routes.

Bot messages in Hebrew and Arabic put an LRM before each command's slash so that it reads ``/ask``.
A person who copies such an example sends that mark (or an RLM, or an isolate) in front of the
command; Telegram then marks the ``bot_command`` at offset 1, and PTB's ``CommandHandler`` (which
wants it at offset 0) would ignore the message. The marks are dropped, entities shifted, and a
missing ``bot_command`` entity is added, once, before any handler sees the update.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import Application

from bot.i18n import BIDI_MARKS

# Telegram's bot command: '/', 1-64 of [A-Za-z0-9_], optionally '@' and a bot's username.
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")


def without_leading_marks(update: object) -> object:
    """The update without bidi marks in front of a command message; any other update as it is."""
    if not isinstance(update, Update):
        return update
    key = "message" if update.message is not None else "edited_message"
    message = update.message or update.edited_message
    text = message.text if message is not None else None
    if not text or text[0] not in BIDI_MARKS:
        return update
    stripped = text.lstrip(BIDI_MARKS)
    command = _COMMAND.match(stripped)
    if command is None:
        return update
    shift = len(text) - len(stripped)  # every mark is one UTF-16 code unit
    data = update.to_dict()
    entities: list[dict[str, Any]] = []
    for entity in data[key].get("entities", []):
        start = max(entity["offset"] - shift, 0)
        end = entity["offset"] + entity["length"] - shift
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    if not any(e["offset"] == 0 and e["type"] == MessageEntity.BOT_COMMAND for e in entities):
        entities.insert(
            0, {"type": MessageEntity.BOT_COMMAND, "offset": 0, "length": command.end()}
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    data[key]["text"] = stripped
    data[key]["entities"] = entities
    try:
        bot = update.get_bot()
    except RuntimeError:
        bot = None
    return Update.de_json(data, bot)


class CleanInputApplication(Application):
    """PTB's Application, with incoming text cleaned (see above) before the handlers run."""

    async def process_update(self, update: object) -> None:
        await super().process_update(without_leading_marks(update))
