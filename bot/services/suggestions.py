"""'Already answered?': before a new question is posted, similar answered questions are offered.

When a member finishes typing a question in /ask, up to three similar answered questions of their
hubs are shown (``SearchService.similar``). "✅ That answers it" closes the draft (nothing is
posted) and may be followed by "🙋 Me too" on the closest one; "Ask anyway" lets the draft go on
exactly as before. What each draft was offered is stored, so a press is checked against what was
really shown; the hub's figure is counts only (``bot.db.suggestions``).

Anonymity: a suggestion shows the question and its answer, never who asked it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.db.database import Database
from bot.db.memberships import MembershipRepository
from bot.db.questions import QuestionRepository, QuestionRow, QuestionStatus
from bot.db.suggestions import Offer, SuggestionCounts, SuggestionRepository
from bot.services.questions import QuestionError

MAX_SUGGESTIONS = 3


class Hit(Protocol):
    """What this needs of a search hit (``bot.services.search.SearchHit``)."""

    @property
    def question_id(self) -> int: ...


Similar = Callable[..., Awaitable[Sequence[Hit]]]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An answered question offered to an asker: its text and its answer's first line."""

    question_id: int
    hub_id: int
    text: str
    answer_first_line: str
    own: bool  # asked by the person it is offered to (no "🙋 Me too" on one's own question)


def first_line(text: str) -> str:
    """The first line of an answer that has any text."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


class _SettledError(Exception):
    """Roll the transaction back: the draft was already sent or dropped meanwhile."""


class SuggestionService:
    def __init__(
        self,
        db: Database,
        suggestions: SuggestionRepository,
        questions: QuestionRepository,
        memberships: MembershipRepository,
        similar: Similar,
    ) -> None:
        self._db = db
        self._repo = suggestions
        self._questions = questions
        self._memberships = memberships
        self._similar = similar

    async def offer(
        self, draft: QuestionRow, *, hub_ids: Sequence[int], locales: Sequence[str]
    ) -> list[Suggestion]:
        """Similar answered questions for a new draft, remembered and counted; [] if none."""
        if draft.status is not QuestionStatus.DRAFT or not hub_ids:
            return []
        hits = await self._similar(
            draft.text,
            hub_ids=list(hub_ids),
            locales=list(locales),
            limit=MAX_SUGGESTIONS,
            highlight=False,  # shown as stored (_load): no highlights to build
        )
        found = await self._load([hit.question_id for hit in hits], hub_ids, draft.asker_id)
        if not found:
            return []
        ids = [s.question_id for s in found]
        if not await self._repo.record_offer(draft.id, draft.hub_id, ids):
            offer = await self._repo.offer(draft.id)  # shown before: the same list again
            return [] if offer is None else await self.suggestions(offer, draft.asker_id)
        return found

    async def _load(
        self, ids: Sequence[int], hub_ids: Sequence[int], viewer_id: int | None
    ) -> list[Suggestion]:
        out: list[Suggestion] = []
        for question_id in dict.fromkeys(ids):
            question = await self._questions.get(question_id)
            # Only answered questions of the asker's hubs, whatever the index returned.
            if (
                question is None
                or question.status is not QuestionStatus.ANSWERED
                or question.hub_id not in hub_ids
                or not question.answer
            ):
                continue
            out.append(
                Suggestion(
                    question_id=question.id,
                    hub_id=question.hub_id,
                    text=question.text,
                    answer_first_line=first_line(question.answer),
                    own=viewer_id is not None and question.asker_id == viewer_id,
                )
            )
            if len(out) == MAX_SUGGESTIONS:
                break
        return out

    async def offer_of(self, draft_id: int) -> Offer | None:
        return await self._repo.offer(draft_id)

    async def suggestions(self, offer: Offer, viewer_id: int | None) -> list[Suggestion]:
        """What the offer still shows (a question closed since then drops out)."""
        if viewer_id is None:
            return []
        hubs = [m.hub.id for m in await self._memberships.hubs_of(viewer_id)]
        return await self._load(offer.question_ids, hubs, viewer_id)

    async def answered(self, draft: QuestionRow) -> bool:
        """ "That answers it": the draft is dropped, nothing posted; counted once."""
        try:
            async with self._db.transaction() as conn:
                if not await SuggestionRepository.decide(conn, draft.id, "answered"):
                    return False
                if not await QuestionRepository.set_status(
                    conn, draft.id, QuestionStatus.CLOSED, expect=(QuestionStatus.DRAFT,)
                ):
                    raise _SettledError
        except _SettledError:
            return False
        return True

    async def ask_anyway(self, draft: QuestionRow) -> bool:
        """ "Ask anyway": the draft goes on as if nothing had been offered; counted once."""
        if draft.status is not QuestionStatus.DRAFT:
            return False
        async with self._db.transaction() as conn:
            return await SuggestionRepository.decide(conn, draft.id, "asked")

    async def me_too(self, draft_id: int, question_id: int, user_id: int) -> tuple[bool, int]:
        """ "🙋 Me too" on the closest suggestion, after it answered the member's question.

        Returns whether the vote is new, and the question's votes. Raises ``QuestionError``
        when the press does not match what this draft was offered, or the member may not vote.
        """
        offer = await self._repo.offer(draft_id)
        if (
            offer is None
            or offer.outcome != "answered"
            or not offer.question_ids
            or offer.question_ids[0] != question_id
        ):
            raise QuestionError("not-suggested")
        question = await self._questions.get(question_id)
        if question is None or question.status not in (
            QuestionStatus.OPEN,
            QuestionStatus.ANSWERED,
        ):
            raise QuestionError("not-open")
        if question.asker_id == user_id:
            raise QuestionError("own")
        if await self._memberships.role(question.hub_id, user_id) is None:
            raise QuestionError("not-member")
        async with self._db.transaction() as conn:
            added = await SuggestionRepository.add_vote(conn, question_id, user_id)
        updated = await self._questions.get(question_id)
        assert updated is not None
        return added, updated.votes

    async def counts(self, hub_id: int) -> SuggestionCounts:
        """The hub's figure: how often suggestions were shown, answered it, or were passed by."""
        return await self._repo.counts(hub_id)
