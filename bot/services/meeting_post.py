"""The group post's live counts: edits coalesced per post and paced.

A burst of RSVP presses marks the post dirty many times; one task per post edits it at most once
every ``interval`` seconds, with the counts of the moment, and never with the text it already shows
("message is not modified" is a 400): the last text set is kept, and an edit that would not change
it is skipped.

Telegram allows a group about 20 messages a minute, edits included, and a group may hold several
posts: before each edit the task takes the group's slot from the bot's ``TelegramPacer`` (the
same slot clock replies and the delivery worker use), waiting in its own task for it, and after a
429 it waits ``retry_after`` (the pacer holds the group back that long) and edits again.

``monotonic`` and ``sleep`` time the per-post ``interval``; tests replace them to drive the editor
without waiting. Waits for the pacer are on its own clock, ``time.monotonic``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.pacing import Slot, TelegramPacer, retry_seconds

log = logging.getLogger(__name__)
_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """What an HTML message reads as, the way Telegram stores it (as bot.handlers.common does)."""
    return html.unescape(_TAG.sub("", text)).strip()


# (occurrence id) -> (chat id, message id, the post's text now, its keyboard) or None
Render = Callable[[int], Awaitable[tuple[int, int, str, InlineKeyboardMarkup | None] | None]]
# (occurrence id) -> the text the post shows (as last edited, else as sent), or None
SentText = Callable[[int], Awaitable[str | None]]
# (occurrence id, text) -> None: keep the text the post shows now (it outlives a restart)
Remember = Callable[[int, str], Awaitable[None]]


class PostEditor:
    def __init__(
        self,
        bot: Bot,
        render: Render,
        sent_text: SentText,
        *,
        remember: Remember | None = None,
        interval: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._render = render
        self._sent_text = sent_text
        self.interval = interval
        self._remember = remember
        self.monotonic = monotonic
        self.sleep = sleep
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
        try:
            tries = 0
            while occurrence_id in self._dirty:
                wait = self._last_edit.get(occurrence_id, -1e9) + self.interval - self.monotonic()
                if wait > 0:
                    await self.sleep(wait)
                self._dirty.discard(occurrence_id)
                done = await self._edit(occurrence_id)
                if not done and tries < 5:  # the post is not sent yet: try again later
                    tries += 1
                    self._dirty.add(occurrence_id)
                    self._last_edit[occurrence_id] = self.monotonic()
        finally:
            self._tasks.pop(occurrence_id, None)

    def _pacer(self) -> TelegramPacer | None:
        pacer = self._bot.rate_limiter if isinstance(self._bot, ExtBot) else None
        return pacer if isinstance(pacer, TelegramPacer) else None

    @staticmethod
    async def _take_slot(pacer: TelegramPacer, chat_id: int) -> bool:
        """Wait for the group's slot and take it; whether it had to wait."""
        waited = False
        while not pacer.claim(chat_id):
            waited = True
            await asyncio.sleep(max(pacer.ready_in(chat_id), 0.01))
        return waited

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
        pacer = self._pacer()
        if pacer is not None and await self._take_slot(pacer, chat_id):
            # Presses went on while it waited: show the counts of now.
            self._dirty.discard(occurrence_id)
            found = await self._render(occurrence_id)
            if found is None:
                return False
            chat_id, message_id, text, markup = found
            if self._last_text.get(occurrence_id) == plain_text(text):
                return True
        self._last_edit[occurrence_id] = self.monotonic()
        try:
            # ``rate_limit_args`` exists on ExtBot only (where the pacer is).
            paced = {"rate_limit_args": Slot.CHAT} if pacer is not None else {}
            await self._bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup, **paced
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                log.warning("meeting post %s: %s", occurrence_id, exc.message)
        except RetryAfter as exc:
            log.info("meeting post %s: 429, editing again later", occurrence_id)
            self._dirty.add(occurrence_id)
            if pacer is None:
                await self.sleep(retry_seconds(exc))
            # else the pacer holds the group back ``retry_after``: the next slot comes after it.
            return True
        except TelegramError as exc:
            log.warning("meeting post %s not edited: %s", occurrence_id, exc)
            self._dirty.add(occurrence_id)
            return True
        self._last_text[occurrence_id] = plain_text(text)
        if self._remember is not None:
            await self._remember(occurrence_id, text)
        self.edits += 1
        return True
