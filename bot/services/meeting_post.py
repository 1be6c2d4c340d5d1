"""The group post's live counts: edits coalesced per post and paced.

A burst of RSVP presses marks the post dirty many times; one task per post edits it at most once
every ``interval`` seconds (Telegram allows a group about 20 messages a minute, edits included),
with the counts of the moment, and never with the text it already shows ("message is not
modified" is a 400): the last text set is kept, and an edit that would not change it is skipped.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """What an HTML message reads as, the way Telegram stores it (as bot.handlers.common does)."""
    return html.unescape(_TAG.sub("", text)).strip()


# (occurrence id) -> (chat id, message id, the post's text now, its keyboard) or None
Render = Callable[[int], Awaitable[tuple[int, int, str, InlineKeyboardMarkup | None] | None]]
# (occurrence id) -> the text the post was sent with (the outbox row), or None
SentText = Callable[[int], Awaitable[str | None]]


class PostEditor:
    def __init__(
        self, bot: Bot, render: Render, sent_text: SentText, *, interval: float = 3.0
    ) -> None:
        self._bot = bot
        self._render = render
        self._sent_text = sent_text
        self.interval = interval
        self._dirty: set[int] = set()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._last_text: dict[int, str] = {}
        self._last_edit: dict[int, float] = {}
        self.edits = 0  # edits made (the bench reports it)

    def touch(self, occurrence_id: int) -> None:
        """The post's counts (or text) changed: edit it soon, once for many changes."""
        self._dirty.add(occurrence_id)
        if occurrence_id not in self._tasks:
            self._tasks[occurrence_id] = asyncio.create_task(self._run(occurrence_id))

    def forget(self, occurrence_id: int, text: str) -> None:
        """The post was just sent or edited elsewhere with ``text``."""
        self._last_text[occurrence_id] = plain_text(text)

    async def idle(self) -> None:
        """Wait until every pending edit is done (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def _run(self, occurrence_id: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            tries = 0
            while occurrence_id in self._dirty:
                wait = self._last_edit.get(occurrence_id, -1e9) + self.interval - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._dirty.discard(occurrence_id)
                done = await self._edit(occurrence_id)
                if not done and tries < 5:  # the post is not sent yet: try again later
                    tries += 1
                    self._dirty.add(occurrence_id)
                    self._last_edit[occurrence_id] = loop.time()
        finally:
            self._tasks.pop(occurrence_id, None)

    async def _edit(self, occurrence_id: int) -> bool:
        found = await self._render(occurrence_id)
        if found is None:
            return False
        chat_id, message_id, text, markup = found
        if occurrence_id not in self._last_text:
            sent = await self._sent_text(occurrence_id)
            if sent is not None:
                self._last_text[occurrence_id] = plain_text(sent)
        if self._last_text.get(occurrence_id) == plain_text(text):
            return True  # Telegram would say "message is not modified"
        self._last_edit[occurrence_id] = asyncio.get_running_loop().time()
        try:
            await self._bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                log.warning("meeting post %s: %s", occurrence_id, exc.message)
        except TelegramError as exc:
            log.warning("meeting post %s not edited: %s", occurrence_id, exc)
            self._dirty.add(occurrence_id)
            return True
        self._last_text[occurrence_id] = plain_text(text)
        self.edits += 1
        return True
