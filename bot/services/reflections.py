"""Reflections: a member's answers to prompts, kept in a private journal, shared only by choice.

One reflection per prompt sent (a ``prompt_sends`` row): a reply to the prompt or its nudge, or
what the member types after pressing Answer, starts it or adds to it. Messages that follow within
``window`` of the reflection's last part, without quoting anything, join it too: people write in
several short messages. Voice notes and photos are kept as Telegram's file ids.

Sharing posts the text to the hub's group through the outbox, once. Anonymity holds as for
questions: an anonymous post carries no name, username or id (nor does its outbox row), and
callback data carries reflection and send ids only, which are shown to their owner alone.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import aiosqlite

from bot import i18n
from bot.clock import Clock
from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import MembershipRepository
from bot.db.outbox import NewMessage, OutboxRepository
from bot.db.reflections import PartKind, PartRow, ReflectionRepository, ReflectionRow
from bot.i18n import _
from bot.services.prompt_types import SendContext
from bot.services.users import UserService

KIND = "reflection"  # outbox kind of a shared reflection's group post
MAX_TEXT = 4000  # characters of text (messages and captions) in one reflection
JOURNAL_PAGE = 3
MESSAGE_LIMIT = 4096  # UTF-16 code units in one Telegram message


class PromptSends(Protocol):
    """The part of the prompt service (``Services.prompts``) reflections rely on."""

    async def send_for_reply(self, user_id: int, message_id: int) -> SendContext | None: ...

    async def send_context(self, send_id: int) -> SendContext | None: ...

    async def mark_answered(self, send_id: int) -> bool: ...

    async def mark_skipped(self, send_id: int) -> bool: ...


class ReflectionError(Exception):
    """A reflection request that cannot be carried out; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class NewPart:
    """One message of a reflection: a text, a voice note, or a photo with its caption."""

    kind: PartKind
    text: str
    message_id: int
    file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Saved:
    """A part kept: the reflection it went into, and whether it can be shared (else why not)."""

    reflection: ReflectionRow
    created: bool
    share_problem: str | None  # None: shareable; 'left', 'withdrawn', 'no-group', 'shared'


@dataclass(frozen=True, slots=True)
class Entry:
    """A reflection with its parts, for the journal."""

    reflection: ReflectionRow
    parts: list[PartRow]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts if p.text)


@dataclass(frozen=True, slots=True)
class JournalPage:
    entries: list[Entry]
    page: int
    pages: int
    total: int


def visible(text: str) -> bool:
    """Whether ``text`` shows anything: not only spaces and invisible marks (ZWSP, LRM ...)."""
    return any(not char.isspace() and unicodedata.category(char) != "Cf" for char in text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-16 units, with an ellipsis when cut."""
    if utf16_len(text) <= limit:
        return text
    while utf16_len(text) > limit - 1:
        text = text[: max(0, len(text) - max(1, (utf16_len(text) - limit + 1) // 2))]
    return text + "…"


def post_text(prompt: str, text: str, name: str | None) -> str:
    """The group post of a shared reflection, in the current locale, within Telegram's limit.

    ``name`` None: anonymous, and then nothing in the post says who wrote it.
    """
    if name is None:
        head = _("💭 <b>A reflection</b>, shared anonymously")
    else:
        head = _("💭 <b>A reflection from {name}</b>", name=name)
    prompt_budget = 600
    while True:
        body = [head, "", f"<i>{i18n.show(cut(prompt, prompt_budget))}</i>", ""]
        fixed = utf16_len(i18n.finish("\n".join(body)))
        room = MESSAGE_LIMIT - fixed - 64  # isolates and marks around the text's lines
        post = i18n.finish("\n".join([*body, i18n.show(cut(text, max(room, 200)))]))
        if utf16_len(post) <= MESSAGE_LIMIT or prompt_budget <= 100:
            return post
        prompt_budget //= 2


class ReflectionService:
    def __init__(
        self,
        db: Database,
        reflections: ReflectionRepository,
        hubs: HubRepository,
        memberships: MembershipRepository,
        users: UserService,
        prompts: PromptSends,
        *,
        clock: Clock,
        window: timedelta,
    ) -> None:
        self._db = db
        self._reflections = reflections
        self._hubs = hubs
        self._memberships = memberships
        self._users = users
        self.prompts = prompts
        self._clock = clock
        self.window = window

    def _now(self) -> datetime:
        return self._clock.now().replace(microsecond=0)

    # -- the prompt a message or a button is about

    async def send_for_reply(self, user_id: int, message_id: int) -> SendContext | None:
        """The prompt sent to ``user_id`` that their message quotes (the prompt or its nudge)."""
        return await self.prompts.send_for_reply(user_id, message_id)

    async def own_send(self, user_id: int, send_id: int) -> SendContext:
        """The send ``send_id`` if it went to ``user_id``; forged or foreign ids are refused."""
        context = await self.prompts.send_context(send_id)
        if context is None or context.user_id != user_id:
            raise ReflectionError("not-found")
        return context

    # -- writing

    async def answer(self, user_id: int, send_id: int, part: NewPart) -> Saved:
        """Keep ``part`` in the reflection to this prompt, starting it if need be."""
        context = await self.own_send(user_id, send_id)
        self._check(part)
        now = self._now()
        async with self._db.transaction() as conn:
            reflection_id = await ReflectionRepository.for_send_in(conn, user_id, send_id)
            created = reflection_id is None
            if reflection_id is None:
                reflection_id = await ReflectionRepository.create(
                    conn,
                    user_id=user_id,
                    hub_id=context.hub_id,
                    send_id=send_id,
                    prompt_text=context.prompt_text,
                    at=now,
                )
            await self._append(conn, reflection_id, part, now)
        if context.status != "answered":  # writing after a skip counts as an answer
            await self.prompts.mark_answered(send_id)
        return await self._saved(reflection_id, created)

    async def follow_up(self, user_id: int, part: NewPart) -> Saved | None:
        """Add ``part`` to the member's reflection if its window is open; None if none is."""
        now = self._now()
        async with self._db.transaction() as conn:
            reflection_id = await ReflectionRepository.latest_since_in(
                conn, user_id, now - self.window
            )
            if reflection_id is None:
                return None  # not a reflection: checked as one only when a window is open
            self._check(part)
            await self._append(conn, reflection_id, part, now)
        return await self._saved(reflection_id, False)

    @staticmethod
    def _check(part: NewPart) -> None:
        if part.kind is PartKind.TEXT and not visible(part.text):
            raise ReflectionError("empty")
        if len(part.text) > MAX_TEXT:
            raise ReflectionError("too-long")

    @staticmethod
    async def _append(
        conn: aiosqlite.Connection, reflection_id: int, part: NewPart, now: datetime
    ) -> None:
        used = await ReflectionRepository.text_length_in(conn, reflection_id)
        if used + len(part.text) > MAX_TEXT:
            raise ReflectionError("full")
        await ReflectionRepository.add_part(
            conn,
            reflection_id,
            kind=part.kind,
            text=part.text.strip(),
            file_id=part.file_id,
            message_id=part.message_id,
            at=now,
        )

    async def _saved(self, reflection_id: int, created: bool) -> Saved:
        reflection = await self._reflections.get(reflection_id)
        assert reflection is not None
        return Saved(reflection, created, await self.share_problem(reflection))

    async def skip(self, user_id: int, send_id: int) -> str:
        """Skip a prompt: 'skipped', or 'already' (skipped before), or 'answered' (nothing done)."""
        context = await self.own_send(user_id, send_id)
        if context.status != "sent":
            return "already" if context.status == "skipped" else "answered"
        if await self.prompts.mark_skipped(send_id):
            return "skipped"
        context = await self.own_send(user_id, send_id)
        return "already" if context.status == "skipped" else "answered"

    async def for_send(self, user_id: int, send_id: int) -> ReflectionRow | None:
        """The member's reflection to this prompt, if they began one."""
        return await self._reflections.for_send(user_id, send_id)

    # -- sharing

    async def own(self, user_id: int, reflection_id: int) -> ReflectionRow:
        reflection = await self._reflections.get(reflection_id)
        if reflection is None or reflection.user_id != user_id:
            raise ReflectionError("not-found")
        return reflection

    async def share_problem(self, reflection: ReflectionRow) -> str | None:
        """Why this reflection can't go to its hub now, or None if it can."""
        if reflection.shared_at is not None:
            return "shared"
        hub = await self._hubs.get(reflection.hub_id) if reflection.hub_id is not None else None
        if hub is None or await self._memberships.role(hub.id, reflection.user_id) is None:
            return "left"
        if reflection.send_id is not None:
            context = await self.prompts.send_context(reflection.send_id)
            if context is not None and context.prompt_status == "deleted":
                return "withdrawn"
        if not hub.attached:
            return "no-group"
        return None

    async def share(self, user_id: int, reflection_id: int, *, anonymous: bool) -> HubRow:
        """Post the reflection's text to its hub's group, named or anonymous; once."""
        reflection = await self.own(user_id, reflection_id)
        problem = await self.share_problem(reflection)
        if problem is not None:
            raise ReflectionError(problem)
        entry = (await self._entries([reflection]))[0]
        if not entry.text:
            raise ReflectionError("no-text")
        hub = await self._hubs.get(reflection.hub_id) if reflection.hub_id is not None else None
        assert hub is not None and hub.chat_id is not None
        name = None
        if not anonymous:
            user = await self._users.get(user_id)
            name = user.full_name if user is not None else None
            anonymous = name is None
        with i18n.use_locale(hub.locale):
            # the post is in the hub's language: the prompt as the member saw it would tell
            # the group which language an anonymous author reads
            prompt = reflection.prompt_text
            if reflection.send_id is not None:
                context = await self.prompts.send_context(reflection.send_id)
                if context is not None:
                    prompt = context.text_in(hub.locale)
            text = post_text(prompt, entry.text, name)
        async with self._db.transaction() as conn:
            now = self._now()
            if not await ReflectionRepository.mark_shared(conn, reflection.id, anonymous, now):
                raise ReflectionError("shared")
            await OutboxRepository.add_many(
                conn,
                [
                    NewMessage(
                        key=f"{KIND}:{reflection.id}",
                        chat_id=hub.chat_id,
                        kind=KIND,
                        ref_id=reflection.id,
                        text=text,
                    )
                ],
            )
        return hub

    # -- the journal

    async def _entries(self, reflections: list[ReflectionRow]) -> list[Entry]:
        parts = await self._reflections.parts([r.id for r in reflections])
        return [Entry(r, parts[r.id]) for r in reflections]

    async def journal(self, user_id: int, page: int) -> JournalPage:
        """One page of the member's reflections, newest first (a page past the end: the last)."""
        total = await self._reflections.count(user_id)
        pages = max(1, -(-total // JOURNAL_PAGE))
        page = min(max(page, 0), pages - 1)
        rows = await self._reflections.page(user_id, page * JOURNAL_PAGE, JOURNAL_PAGE)
        return JournalPage(await self._entries(rows), page, pages, total)

    async def everything(self, user_id: int) -> list[Entry]:
        """All of the member's reflections, newest first, for the export."""
        total = await self._reflections.count(user_id)
        rows = await self._reflections.page(user_id, 0, max(total, 1))
        return await self._entries(rows)
