"""'Already answered?' suggestions: offered once, decided once, counted without names or text."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.db import Database
from bot.db.hubs import HubRepository
from bot.db.memberships import MembershipRepository
from bot.db.questions import QuestionRepository, QuestionStatus
from bot.db.suggestions import SuggestionRepository
from bot.db.users import UserRepository
from bot.services.questions import QuestionError
from bot.services.suggestions import SuggestionService, first_line


class FakeSearch:
    """Returns the ids it is told to, whatever the text: the index is not under test here."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.calls: list[tuple[str, list[int], list[str], int]] = []

    async def similar(
        self,
        text: str,
        *,
        hub_ids: Sequence[int],
        locales: Sequence[str],
        limit: int = 3,
        highlight: bool = True,
    ) -> list[SimpleNamespace]:
        assert not highlight  # suggestions show the stored text: no highlights to build
        self.calls.append((text, list(hub_ids), list(locales), limit))
        return [SimpleNamespace(question_id=i) for i in self.ids][:limit]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "s.sqlite3")
    await database.open()
    users = UserRepository(database)
    for user_id, name in ((1, "Olga"), (2, "Dana"), (3, "Noa"), (4, "Sven")):
        await users.upsert_profile(user_id, name, None, None, "en", started=True)
    hubs = HubRepository(database)
    for code, chat, owner in (("AAAA", -100, 1), ("BBBB", -200, 4)):
        await hubs.create(
            name=code, code=code, chat_id=chat, timezone="UTC", locale="en", created_by=owner
        )
    members = MembershipRepository(database)
    await members.add(1, 2)
    await members.add(1, 3)
    yield database
    await database.close()


async def answered(db: Database, hub_id: int, asker: int, text: str, answer: str) -> int:
    questions = QuestionRepository(db)
    question_id = await questions.create_draft(hub_id, asker, text)
    async with db.transaction() as conn:
        await QuestionRepository.set_status(
            conn, question_id, QuestionStatus.OPEN, expect=(QuestionStatus.DRAFT,)
        )
        await QuestionRepository.set_answer(conn, question_id, answer, 1)
    return question_id


def service(db: Database, search: FakeSearch) -> SuggestionService:
    return SuggestionService(
        db,
        SuggestionRepository(db),
        QuestionRepository(db),
        MembershipRepository(db),
        search.similar,
    )


def test_first_line_skips_blank_lines() -> None:
    assert first_line("\n  \n  Start small.  \nThen more.") == "Start small."
    assert first_line("") == ""


async def test_offer_keeps_answered_questions_of_the_askers_hubs_only(db: Database) -> None:
    search = FakeSearch()
    mine = await answered(db, 1, 3, "How to observe?", "Sit at the back.\nTake notes.")
    elsewhere = await answered(db, 2, 4, "How to observe?", "Elsewhere.")
    unanswered = await QuestionRepository(db).create_draft(1, 3, "Still a draft")
    search.ids = [elsewhere, unanswered, mine, 999]
    suggestions = service(db, search)
    draft = await QuestionRepository(db).get(await QuestionRepository(db).create_draft(1, 2, "x"))
    found = await suggestions.offer(draft, hub_ids=[1], locales=["he", "en"])
    assert [s.question_id for s in found] == [mine]
    assert found[0].answer_first_line == "Sit at the back."
    assert not found[0].own
    assert search.calls == [("x", [1], ["he", "en"], 3)]
    assert (await suggestions.counts(1)).shown == 1
    # Offered again (a retried update): the same list, counted once.
    assert [s.question_id for s in await suggestions.offer(draft, hub_ids=[1], locales=["en"])] == [
        mine
    ]
    assert (await suggestions.counts(1)).shown == 1

    search.ids = [elsewhere]
    other = await QuestionRepository(db).get(await QuestionRepository(db).create_draft(1, 2, "y"))
    assert await suggestions.offer(other, hub_ids=[1], locales=["en"]) == []
    assert (await suggestions.counts(1)).shown == 1  # nothing shown, nothing counted


async def test_outcomes_are_decided_once_and_me_too_only_on_the_closest(db: Database) -> None:
    search = FakeSearch()
    first = await answered(db, 1, 3, "Q one", "A one")
    second = await answered(db, 1, 1, "Q two", "A two")
    search.ids = [first, second]
    suggestions = service(db, search)
    questions = QuestionRepository(db)
    draft = await questions.get(await questions.create_draft(1, 2, "Q"))
    await suggestions.offer(draft, hub_ids=[1], locales=["en"])

    with pytest.raises(QuestionError):  # not before "That answers it"
        await suggestions.me_too(draft.id, first, 2)
    assert await suggestions.answered(draft)
    assert not await suggestions.answered(draft)  # a double tap
    assert not await suggestions.ask_anyway(draft)
    assert (await questions.get(draft.id)).status is QuestionStatus.CLOSED
    with pytest.raises(QuestionError):  # suggested, but not the closest
        await suggestions.me_too(draft.id, second, 2)
    assert await suggestions.me_too(draft.id, first, 2) == (True, 1)
    assert await suggestions.me_too(draft.id, first, 2) == (False, 1)

    later = await questions.get(await questions.create_draft(1, 2, "Q again"))
    await suggestions.offer(later, hub_ids=[1], locales=["en"])
    assert await suggestions.ask_anyway(later)
    assert not await suggestions.answered(later)
    assert (await questions.get(later.id)).status is QuestionStatus.DRAFT  # goes on as today
    assert (await suggestions.offer_of(later.id)).question_ids == ()  # nothing kept after it

    counts = await suggestions.counts(1)
    assert (counts.shown, counts.answered, counts.asked_anyway) == (2, 1, 1)
    assert (await suggestions.counts(2)).shown == 0


async def test_counts_hold_no_text_and_no_user(db: Database) -> None:
    columns = {row[1] for row in await db.fetch_all("PRAGMA table_info(suggestion_counts)")}
    assert columns == {"hub_id", "day", "shown", "answered", "asked_anyway"}


async def test_own_question_gets_no_me_too(db: Database) -> None:
    search = FakeSearch()
    own = await answered(db, 1, 2, "Mine", "Answered")
    search.ids = [own]
    suggestions = service(db, search)
    questions = QuestionRepository(db)
    draft = await questions.get(await questions.create_draft(1, 2, "Mine again"))
    (found,) = await suggestions.offer(draft, hub_ids=[1], locales=["en"])
    assert found.own
    assert await suggestions.answered(draft)
    with pytest.raises(QuestionError, match="own"):
        await suggestions.me_too(draft.id, own, 2)
