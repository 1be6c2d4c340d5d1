"""A question's post in its hub's group: what it shows, queueing it, and keeping it current.

The post goes out through the outbox (kind ``question-post``, keyed by the question), which is
also where the message id Telegram gave it is found again. Votes, answers and closing change what
the post should show; ``refresh`` edits it, one edit in flight per post. An anonymous question's
post never names its asker.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosqlite

from bot import i18n
from bot.buttons import button_label
from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.outbox import NewMessage, OutboxRepository
from bot.db.questions import QuestionRepository, QuestionRow, QuestionStatus
from bot.i18n import _

POST_KIND = "question-post"
# Posts whose last edit is remembered (to skip identical ones); older ones are forgotten first.
REMEMBERED_POSTS = 2000

# Edits a group post: (chat id, message id, text, reply markup as Bot API JSON or None).
EditPost = Callable[[int, int, str, dict | None], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Asker:
    """How a question's asker is shown: a name, or nothing at all when anonymous."""

    name: str | None


def vote_button(question: QuestionRow) -> dict:
    """The "me too" button as Bot API JSON (the outbox stores markup as JSON)."""
    label = (
        button_label("🙋 Me too ({count})", count=question.votes)
        if question.votes
        else button_label("🙋 Me too")
    )
    return {"text": label, "callback_data": f"qv:{question.id}"}


def post_text(question: QuestionRow, asker: Asker) -> str:
    """The question as posted in the group, in the current locale."""
    if question.anonymous or asker.name is None:
        head = _("❓ <b>Question #{id}</b> (anonymous)", id=question.id)
    else:
        head = _("❓ <b>Question #{id}</b> from {name}", id=question.id, name=asker.name)
    parts = [head, i18n.show(question.text)]
    if question.status is QuestionStatus.ANSWERED and question.answer:
        parts.append(_("✅ <b>Answer</b>:") + "\n" + i18n.show(question.answer))
    elif question.status is QuestionStatus.CLOSED:
        parts.append(_("🔒 Closed."))
    return i18n.finish("\n\n".join(parts))


@dataclass(slots=True)
class _PostState:
    """One group post's refreshes: whether one runs, whether it is stale, what was last sent."""

    running: bool = False
    stale: bool = False
    last: tuple[str, str | None] | None = None


class QuestionPosts:
    """The group posts of questions; what each last showed is remembered in memory."""

    def __init__(
        self,
        db: Database,
        questions: QuestionRepository,
        hubs: HubRepository,
        asker: Callable[[QuestionRow], Awaitable[Asker]],
    ) -> None:
        self._db = db
        self._questions = questions
        self._hubs = hubs
        self._asker = asker
        self._states: dict[int, _PostState] = {}

    async def add(self, conn: aiosqlite.Connection, hub: HubRow, question: QuestionRow) -> None:
        """Queue the question's post in its hub's group, in the hub's language."""
        if not hub.attached or hub.chat_id is None:
            return
        asker = await self._asker(question)
        with i18n.use_locale(hub.locale):
            text = post_text(question, asker)
            markup = {"inline_keyboard": [[vote_button(question)]]}
        await OutboxRepository.add_many(
            conn,
            [
                NewMessage(
                    key=f"{POST_KIND}:{question.id}",
                    chat_id=hub.chat_id,
                    kind=POST_KIND,
                    ref_id=question.id,
                    text=text,
                    reply_markup=json.dumps(markup),
                )
            ],
        )

    async def message_id(self, question_id: int) -> int | None:
        return await self._db.fetch_value(
            "SELECT message_id FROM outbox WHERE key = ?", (f"{POST_KIND}:{question_id}",)
        )

    async def refresh(self, question_id: int, edit: EditPost) -> None:
        """Bring a question's group post up to date: one edit in flight per post, latest wins.

        Forty "🙋 Me too" presses at once each ask for a refresh. While one edit is in flight the
        others only mark the post stale; when it returns, the running refresh renders the post
        again from the database and sends that. An edit identical to the last one sent is skipped:
        Telegram refuses it ("message is not modified").
        """
        state = self._states.pop(question_id, None) or _PostState()
        self._states[question_id] = state  # most recently used last
        state.stale = True
        if state.running:
            return
        state.running = True
        try:
            while state.stale:
                state.stale = False
                target = await self._render(question_id)
                if target is None:
                    break
                chat_id, message_id, text, markup = target
                content = (text, json.dumps(markup, sort_keys=True) if markup else None)
                if content == state.last:
                    continue
                await edit(chat_id, message_id, text, markup)
                state.last = content
        finally:
            state.running = False
            while len(self._states) > REMEMBERED_POSTS:
                oldest = next(iter(self._states))
                if self._states[oldest].running:
                    break
                del self._states[oldest]

    async def _render(self, question_id: int) -> tuple[int, int, str, dict | None] | None:
        """Where the post is and what it should show now, or None when there is no post."""
        question = await self._questions.get(question_id)
        if question is None:
            return None
        hub = await self._hubs.get(question.hub_id)
        message_id = await self.message_id(question.id)
        if hub is None or hub.chat_id is None or message_id is None or not hub.attached:
            return None
        asker = await self._asker(question)
        with i18n.use_locale(hub.locale):
            text = post_text(question, asker)
            markup = (
                {"inline_keyboard": [[vote_button(question)]]}
                if question.status is QuestionStatus.OPEN
                else None
            )
        return hub.chat_id, message_id, text, markup

    async def question_at(self, chat_id: int, message_id: int) -> QuestionRow | None:
        """The question a group post shows (for a facilitator's reply to it)."""
        question_id = await self._db.fetch_value(
            "SELECT ref_id FROM outbox WHERE kind = ? AND chat_id = ? AND message_id = ?",
            (POST_KIND, chat_id, message_id),
        )
        return None if question_id is None else await self._questions.get(question_id)
