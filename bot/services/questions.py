"""Questions: asked in private, posted in the hub's group (after approval when moderated),
supported with "me too" votes, answered privately to the asker, kept as a searchable archive.

Anonymity: an anonymous question's asker is stored only to deliver the answer (and for that
member's own data). Nothing rendered here for anyone else names them, and callback data carries
question ids only.

The group post itself, and keeping it current as votes and answers come in, is
``bot.services.question_posts``.
"""

from __future__ import annotations

import json

import aiosqlite

from bot import i18n
from bot.buttons import button_label
from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import MembershipRepository, Role
from bot.db.outbox import NewMessage, OutboxRepository
from bot.db.questions import QuestionRepository, QuestionRow, QuestionStatus
from bot.i18n import _
from bot.services.question_posts import Asker, EditPost, QuestionPosts
from bot.services.users import UserService

NOTICE_KIND = "question"
# A group post holds a header, the question and the answer within Telegram's 4096 characters.
MAX_QUESTION = 1500
MAX_ANSWER = 2000
MAX_REASON = 200
FAQ_PAGE = 5


class QuestionError(Exception):
    """A question request that cannot be carried out; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class QuestionService:
    def __init__(
        self,
        db: Database,
        questions: QuestionRepository,
        hubs: HubRepository,
        memberships: MembershipRepository,
        users: UserService,
    ) -> None:
        self._db = db
        self._questions = questions
        self._hubs = hubs
        self._memberships = memberships
        self._users = users
        # The posts ask ``asker`` whom to name: that needs the users, which stay here.
        self._posts = QuestionPosts(db, questions, hubs, self.asker)

    async def asker(self, question: QuestionRow) -> Asker:
        if question.anonymous or question.asker_id is None:
            return Asker(None)
        user = await self._users.get(question.asker_id)
        return Asker(user.full_name if user else None)

    # -- asking

    async def draft(self, hub_id: int, asker_id: int, text: str) -> QuestionRow:
        text = text.strip()
        if not text:
            raise QuestionError("empty")
        if len(text) > MAX_QUESTION:
            raise QuestionError("too-long")
        if await self._memberships.role(hub_id, asker_id) is None:
            raise QuestionError("not-member")
        question = await self._questions.get(
            await self._questions.create_draft(hub_id, asker_id, text)
        )
        assert question is not None
        return question

    async def get(self, question_id: int) -> QuestionRow | None:
        return await self._questions.get(question_id)

    async def set_anonymous(self, question: QuestionRow, anonymous: bool) -> QuestionRow:
        await self._questions.set_anonymous(question.id, anonymous)
        updated = await self._questions.get(question.id)
        assert updated is not None
        return updated

    async def discard(self, question: QuestionRow) -> None:
        """The asker cancelled the draft: it can never be sent."""
        async with self._db.transaction() as conn:
            await QuestionRepository.set_status(
                conn, question.id, QuestionStatus.CLOSED, expect=(QuestionStatus.DRAFT,)
            )

    async def submit(self, question: QuestionRow) -> QuestionRow:
        """Confirm a draft: post it, or hand it to the facilitators when the hub moderates."""
        hub = await self._hubs.get(question.hub_id)
        assert question.asker_id is not None
        if hub is None or await self._memberships.role(hub.id, question.asker_id) is None:
            raise QuestionError("not-member")  # they left the hub since drafting
        async with self._db.transaction() as conn:
            target = QuestionStatus.PENDING if hub.moderation else QuestionStatus.OPEN
            if not await QuestionRepository.set_status(
                conn, question.id, target, expect=(QuestionStatus.DRAFT,)
            ):
                raise QuestionError("handled")
            submitted = await QuestionRepository.get_in(conn, question.id)
            if hub.moderation:
                await self._ask_facilitators(conn, hub, submitted)
            else:
                await self._posts.add(conn, hub, submitted)
        return submitted

    async def _ask_facilitators(
        self, conn: aiosqlite.Connection, hub: HubRow, question: QuestionRow
    ) -> None:
        asker = await self.asker(question)
        rows = []
        for member in await self._memberships.members_of(hub.id):
            if member.role is not Role.FACILITATOR:
                continue
            with i18n.use_locale(await self._users.locale_of(member.user.id)):
                who = asker.name if asker.name else _("anonymous")
                text = i18n.paragraphs(
                    [
                        _(
                            "🆕 <b>New question #{id}</b> for {hub} needs your approval ({who}):",
                            id=question.id,
                            hub=hub.name,
                            who=who,
                        ),
                        "",
                        i18n.show(question.text),
                    ]
                )
                markup = {
                    "inline_keyboard": [
                        [
                            {
                                "text": button_label("✅ Approve"),
                                "callback_data": f"qm:{question.id}:ok",
                            },
                            {
                                "text": button_label("✖ Reject"),
                                "callback_data": f"qm:{question.id}:no",
                            },
                        ]
                    ]
                }
            rows.append(
                NewMessage(
                    key=f"{NOTICE_KIND}:{question.id}:review:{member.user.id}",
                    chat_id=member.user.id,
                    user_id=member.user.id,
                    kind=NOTICE_KIND,
                    ref_id=question.id,
                    text=text,
                    reply_markup=json.dumps(markup),
                )
            )
        await OutboxRepository.add_many(conn, rows)

    async def _notify(
        self, conn: aiosqlite.Connection, user_id: int, key: str, render: object, question_id: int
    ) -> None:
        """Tell one person something, in their language, through the outbox."""
        with i18n.use_locale(await self._users.locale_of(user_id)):
            text = i18n.finish(render() if callable(render) else str(render))
        await OutboxRepository.add_many(
            conn,
            [
                NewMessage(
                    key=key,
                    chat_id=user_id,
                    user_id=user_id,
                    kind=NOTICE_KIND,
                    ref_id=question_id,
                    text=text,
                )
            ],
        )

    # -- moderation

    async def approve(self, question: QuestionRow) -> bool:
        hub = await self._hubs.get(question.hub_id)
        assert hub is not None
        async with self._db.transaction() as conn:
            if not await QuestionRepository.set_status(
                conn, question.id, QuestionStatus.OPEN, expect=(QuestionStatus.PENDING,)
            ):
                return False
            approved = await QuestionRepository.get_in(conn, question.id)
            await self._posts.add(conn, hub, approved)
            if question.asker_id is not None:
                await self._notify(
                    conn,
                    question.asker_id,
                    f"{NOTICE_KIND}:{question.id}:approved",
                    lambda: _(
                        "Your question #{id} was approved and posted in {hub}.",
                        id=question.id,
                        hub=hub.name,
                    ),
                    question.id,
                )
        return True

    async def close(self, question: QuestionRow, reason: str) -> QuestionRow:
        """Reject a waiting question or close an open one; the asker is told why."""
        reason = " ".join(reason.split())[:MAX_REASON]
        async with self._db.transaction() as conn:
            if question.status is QuestionStatus.PENDING:
                target = QuestionStatus.REJECTED
            elif question.status is QuestionStatus.OPEN:
                target = QuestionStatus.CLOSED
            else:
                raise QuestionError("closed")
            if not await QuestionRepository.set_status(
                conn, question.id, target, expect=(question.status,), reason=reason or None
            ):
                raise QuestionError("closed")
            if question.asker_id is not None:

                def render() -> str:
                    if target is QuestionStatus.REJECTED:
                        if reason:
                            return _(
                                "Your question #{id} wasn't approved for posting. Reason: {reason}",
                                id=question.id,
                                reason=reason,
                            )
                        return _("Your question #{id} wasn't approved for posting.", id=question.id)
                    if reason:
                        return _(
                            "A facilitator closed your question #{id}. Reason: {reason}",
                            id=question.id,
                            reason=reason,
                        )
                    return _("Your question #{id} was closed by a facilitator.", id=question.id)

                await self._notify(
                    conn,
                    question.asker_id,
                    f"{NOTICE_KIND}:{question.id}:closed",
                    render,
                    question.id,
                )
            closed = await QuestionRepository.get_in(conn, question.id)
        return closed

    # -- votes and answers

    async def vote(self, question: QuestionRow, user_id: int) -> tuple[bool, QuestionRow]:
        """Toggle a member's "me too"; return whether they now support it."""
        if question.status is not QuestionStatus.OPEN:
            raise QuestionError("not-open")
        if question.asker_id == user_id:
            raise QuestionError("own")
        if await self._memberships.role(question.hub_id, user_id) is None:
            raise QuestionError("not-member")
        voted = await self._questions.toggle_vote(question.id, user_id)
        updated = await self._questions.get(question.id)
        assert updated is not None
        return voted, updated

    async def answer(self, question: QuestionRow, text: str, by: int) -> tuple[QuestionRow, bool]:
        """Answer (or correct the answer); the asker, and on a first answer the voters, hear it."""
        text = text.strip()
        if not text:
            raise QuestionError("empty")
        if len(text) > MAX_ANSWER:
            raise QuestionError("too-long")
        if question.status not in (QuestionStatus.OPEN, QuestionStatus.ANSWERED):
            raise QuestionError("closed")
        corrected = question.status is QuestionStatus.ANSWERED
        async with self._db.transaction() as conn:
            if not await QuestionRepository.set_answer(conn, question.id, text, by):
                raise QuestionError("closed")
            answered = await QuestionRepository.get_in(conn, question.id)

            def body() -> str:  # in the reader's locale: isolation depends on it
                return "\n\n".join([i18n.show(question.text), i18n.show(text)])

            if question.asker_id is not None:

                def render() -> str:
                    head = (
                        _("✏️ <b>Corrected answer to your question #{id}</b>", id=question.id)
                        if corrected
                        else _("💬 <b>Answer to your question #{id}</b>", id=question.id)
                    )
                    return f"{head}\n\n{body()}"

                await self._notify(
                    conn,
                    question.asker_id,
                    f"{NOTICE_KIND}:{question.id}:answer:{answered.answer_edits}",
                    render,
                    question.id,
                )
            if not corrected:
                for voter in await QuestionRepository.voters(conn, question.id):
                    await self._notify(
                        conn,
                        voter,
                        f"{NOTICE_KIND}:{question.id}:voter:{voter}",
                        lambda: (
                            _(
                                "💬 A question you said 🙋 Me too to (#{id}) has an answer:",
                                id=question.id,
                            )
                            + "\n\n"
                            + body()
                        ),
                        question.id,
                    )
        return answered, corrected

    # -- lists (search: bot.services.search)

    async def open_questions(self, hub_ids: list[int]) -> list[QuestionRow]:
        return await self._questions.in_hubs(hub_ids, (QuestionStatus.OPEN,))

    async def waiting_questions(self, hub_ids: list[int]) -> list[QuestionRow]:
        return await self._questions.in_hubs(hub_ids, (QuestionStatus.PENDING,))

    # -- the group post (``QuestionPosts``)

    async def post_message_id(self, question_id: int) -> int | None:
        return await self._posts.message_id(question_id)

    async def refresh_post(self, question_id: int, edit: EditPost) -> None:
        """Bring a question's group post up to date: one edit in flight per post, latest wins."""
        await self._posts.refresh(question_id, edit)

    async def by_post(self, chat_id: int, message_id: int) -> QuestionRow | None:
        """The question a group post shows (for a facilitator's reply to it)."""
        return await self._posts.question_at(chat_id, message_id)
