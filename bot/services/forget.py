"""/forgetme: erase a member in one transaction, and say exactly what was done.

Questions the member asked stay only if they were answered, as anonymous text (others' answers
would otherwise lose their question); their group posts are rewritten in the database, and their
edits in Telegram (``PostEdit``) are queued in the outbox in the same transaction, so that a 429,
a network error or a restart cannot leave the member's name in a group. A facilitator who is
the last of a hub's facilitators is told to hand over first, and nothing is erased.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import i18n
from bot.db.database import Database
from bot.db.hubs import HubRepository
from bot.db.mydata import MyDataRepository
from bot.db.outbox import EDIT_KIND, OutboxRepository
from bot.db.questions import QuestionRepository
from bot.i18n import _
from bot.services.question_posts import Asker, post_text

log = logging.getLogger(__name__)

RECENT = 1000  # erasures remembered, to tell a second press of Confirm from a first

# Called after the erasure for each hub the member left: (hub id, user id, joined=False).
MembershipHook = Callable[[int, int, bool], Awaitable[None]]


class LastFacilitatorError(Exception):
    """The member is the last facilitator of these hubs: (id, name)."""

    def __init__(self, hubs: list[tuple[int, str]]) -> None:
        super().__init__(", ".join(name for _id, name in hubs))
        self.hubs = hubs


class ForgetBusyError(Exception):
    """The database was busy (a backup, another process): nothing was erased."""


@dataclass(frozen=True, slots=True)
class PostEdit:
    """A group post to edit in Telegram now that it no longer names the member."""

    chat_id: int
    message_id: int
    text: str


@dataclass(frozen=True, slots=True)
class ForgetOutcome:
    counts: dict[str, int]
    edits: list[PostEdit]  # group posts edited (queued in the outbox): name gone, or say so
    refresh: list[int]  # questions whose posts show the member (name, a 🙋 Me too): redraw
    meetings: list[int]  # meeting occurrences whose group posts counted the member's answer

    already: bool = False  # erased a moment ago: this press only recorded the bare profile


def withdrawn_text(question_id: int) -> str:
    """What an unanswered question's group post says once its asker erased their data."""
    return i18n.finish(
        _("❓ Question #{id} was withdrawn by the person who asked it.", id=question_id)
    )


def removed_reflection_text() -> str:
    """What a shared reflection's group post says once its author erased their data."""
    return i18n.finish(_("💭 A reflection shared here was removed by its author."))


class ForgetService:
    def __init__(
        self,
        db: Database,
        repo: MyDataRepository,
        hubs: HubRepository,
        on_left: MembershipHook | None = None,
    ) -> None:
        self._db = db
        self._repo = repo
        self._hubs = hubs
        self._on_left = on_left
        # Who was erased lately (in memory only): a second press of Confirm records the person
        # again at the gate, and erasing that bare profile is "already done", not news.
        self._recent: dict[int, None] = {}

    async def last_facilitated(self, user_id: int) -> list[tuple[int, str]]:
        return await self._repo.last_facilitated(user_id)

    async def erase(self, user_id: int) -> ForgetOutcome:
        """Erase ``user_id``; raise ``LastFacilitatorError`` or ``ForgetBusyError``."""
        last = await self._repo.last_facilitated(user_id)
        if last:
            raise LastFacilitatorError(last)
        try:
            async with self._db.transaction() as conn:
                if await MyDataRepository.last_facilitated_in(conn, user_id):
                    raise LastFacilitatorError(await self._repo.last_facilitated(user_id))
                hub_ids = await MyDataRepository.hubs_in(conn, user_id)
                edits: list[PostEdit] = []
                refresh = await MyDataRepository.voted_in(conn, user_id)
                meetings = await MyDataRepository.rsvped_in(conn, user_id)
                for post in await MyDataRepository.question_posts_in(conn, user_id):
                    hub = await self._hubs.get(post.hub_id)
                    with i18n.use_locale(hub.locale if hub is not None else i18n.current_locale()):
                        if post.answered:  # the post stays, without the name: edited below
                            question = await QuestionRepository.get_in(conn, post.question_id)
                            anonymous = dataclasses.replace(question, anonymous=True)
                            text = post_text(anonymous, Asker(None))
                            await MyDataRepository.rewrite_post_in(conn, post.question_id, text)
                            if post.question_id in refresh:  # the queued edit redraws it
                                refresh.remove(post.question_id)
                            if post.message_id is not None:
                                edits.append(PostEdit(post.chat_id, post.message_id, text))
                            continue
                        text = withdrawn_text(post.question_id)
                    await MyDataRepository.drop_post_in(conn, post.question_id)
                    if post.message_id is not None:
                        edits.append(PostEdit(post.chat_id, post.message_id, text))
                for chat_id, message_id, locale in await MyDataRepository.shared_posts_in(
                    conn, user_id
                ):
                    with i18n.use_locale(locale or i18n.current_locale()):
                        edits.append(PostEdit(chat_id, message_id, removed_reflection_text()))
                for edit in edits:  # durable: retried by the delivery worker, even after a restart
                    await OutboxRepository.add_edit_in(
                        conn,
                        f"{EDIT_KIND}:{edit.chat_id}:{edit.message_id}:{uuid.uuid4().hex}",
                        edit.chat_id,
                        edit.message_id,
                        edit.text,
                    )
                counts = await MyDataRepository.erase_in(conn, user_id)
                await MyDataRepository.purge_search_in(conn)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ForgetBusyError from exc
            raise
        log.info("erased user %s: %s", user_id, counts)
        bare = not any(n for key, n in counts.items() if key != "profile")
        already = bare and user_id in self._recent
        self._recent.pop(user_id, None)
        self._recent[user_id] = None
        while len(self._recent) > RECENT:
            del self._recent[next(iter(self._recent))]
        if self._on_left is not None:
            for hub_id in hub_ids:
                try:
                    await self._on_left(hub_id, user_id, False)
                except Exception:
                    log.exception("a membership hook failed after an erasure in hub %s", hub_id)
        return ForgetOutcome(counts, edits, refresh, meetings, already)
