"""Attendance and feedback: the checklist's buttons, the results' wording, the answers' storage."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.numbers import format_decimal

from bot import i18n
from bot.callbacks import MAX_BYTES
from bot.db import Database
from bot.db.attendance import AttendanceRepository, FeedbackAnswer, RequestCounts
from bot.db.hubs import HubRepository
from bot.db.memberships import Member, Role
from bot.db.users import UserRepository, UserRow
from bot.handlers.attendance import PAGE_SIZE, checklist_keyboard, member_label
from bot.handlers.feedback import average_text, results_text
from bot.services.attendance import Results, rating_keyboard
from bot.services.meeting_types import MeetingView, OccurrenceView

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
BIG_ID = 9_000_000_000_000


def member(user_id: int, name: str) -> Member:
    user = UserRow(user_id, name, None, None, "en", None, None, None, None)
    return Member(user, Role.MEMBER, NOW)


def occurrence() -> OccurrenceView:
    meeting = MeetingView(
        BIG_ID, 1, "Holon", "Peer observation", "Room 12", "Asia/Jerusalem",
        timedelta(minutes=90), 0, None, "uid@x", 0, "scheduled",
    )  # fmt: skip
    return OccurrenceView(BIG_ID, meeting, NOW, NOW, "scheduled", 0, NOW, NOW)


def test_labels_are_marked_and_fit_a_phone() -> None:
    assert member_label(member(1, "Noa"), True) == "✅ Noa"
    assert member_label(member(2, "Mike"), False) == "▫️ Mike"
    long = member_label(member(3, "Bartholomew-Alexander   Montgomery"), True)
    assert len(long) <= 20 and long.endswith("…") and long.startswith("✅ Bartholomew")


def _member_buttons(markup) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row if b.callback_data[:5] == "ma:t:"]


def test_checklist_pages_of_eight_with_pager_and_save() -> None:
    people = [member(BIG_ID + i, f"Member{i:02d}") for i in range(12)]
    with i18n.use_locale("en"):
        first = checklist_keyboard(BIG_ID, people, {BIG_ID + 1, BIG_ID + 9}, 0)
        second = checklist_keyboard(BIG_ID, people, {BIG_ID + 1, BIG_ID + 9}, 1)
    assert len(_member_buttons(first)) == PAGE_SIZE == 8
    assert _member_buttons(first)[1] == "✅ Member01"
    assert [b.text for b in first.inline_keyboard[-2]] == ["More ▶"]
    assert [b.text for b in first.inline_keyboard[-1]] == ["💾 Save attendance"]
    assert _member_buttons(second) == ["▫️ Member08", "✅ Member09", "▫️ Member10", "▫️ Member11"]
    assert [b.text for b in second.inline_keyboard[-2]] == ["◀ Back"]
    for markup in (first, second):
        for row in markup.inline_keyboard:
            for button in row:
                assert len(button.callback_data.encode()) <= MAX_BYTES


def test_rating_buttons_are_one_to_five() -> None:
    markup = rating_keyboard(BIG_ID)
    assert [b.text for b in markup.inline_keyboard[0]] == ["1", "2", "3", "4", "5"]
    assert markup.inline_keyboard[0][4].callback_data == f"mf:r:{BIG_ID}:5"


@pytest.mark.parametrize("locale", ["en", "ru", "ro", "nl", "he", "ar"])
def test_average_has_one_decimal_in_the_readers_locale(locale: str) -> None:
    with i18n.use_locale(locale):
        assert average_text(13 / 3) == format_decimal(4.3, format="0.0", locale=locale)
        assert average_text(5) == format_decimal(5, format="0.0", locale=locale)
    with i18n.use_locale("ru"):
        assert average_text(13 / 3) == "4,3"


@pytest.mark.parametrize("locale", ["en", "he"])
def test_results_name_only_signed_authors(locale: str) -> None:
    answers = [
        FeedbackAnswer(5, "Loved the role play", "Mike Levi"),
        FeedbackAnswer(3, "A bit long", None),
        FeedbackAnswer(4, None, None),
    ]
    results = Results(occurrence(), RequestCounts(asked=5, answered=3), answers, True, True)
    with i18n.use_locale(locale):
        text = results_text(results, "Asia/Jerusalem")
    assert "Loved the role play" in text and "Mike Levi" in text
    assert "A bit long" in text
    line = next(line for line in text.split("\n") if "A bit long" in line)
    assert "—" not in line  # no author after an unsigned sentence
    assert i18n.is_rtl(locale) == ("\u200f" in text or "\u2068" in text)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "a.sqlite3")
    await database.open()
    users = UserRepository(database)
    for user_id, name in ((1, "Dana"), (2, "Noa"), (3, "Mike")):
        await users.upsert_profile(user_id, name, None, None, "en", started=True)
    await HubRepository(database).create(
        name="Holon", code="C0DE", chat_id=-100, timezone="Asia/Jerusalem", locale="he",
        created_by=1,
    )  # fmt: skip
    now = "2026-12-03T16:00:00Z"
    await database.execute(
        """INSERT INTO meetings (hub_id, title, timezone, duration_minutes, uid, created_at,
                                 updated_at) VALUES (1, 'Peer observation', 'Asia/Jerusalem', 90,
                                 'u@x', ?, ?)""",
        (now, now),
    )
    await database.execute(
        """INSERT INTO meeting_occurrences (meeting_id, starts_local, starts_at, original_start)
           VALUES (1, '2026-12-03 18:00', ?, ?)""",
        (now, now),
    )
    yield database
    await database.close()


async def test_answers_are_kept_apart_from_who_answered(db: Database) -> None:
    repo = AttendanceRepository(db)
    async with db.transaction() as conn:
        await AttendanceRepository.save_in(conn, 1, {1: False, 2: True, 3: True}, NOW)
        assert await AttendanceRepository.add_requests_in(conn, 1, [2, 3], NOW) == [2, 3]
        assert await AttendanceRepository.add_requests_in(conn, 1, [2, 3], NOW) == []  # once
    assert await repo.marks(1) == {1: False, 2: True, 3: True}
    assert await repo.request(1, 2) is False and await repo.request(1, 1) is None

    async with db.transaction() as conn:
        assert await AttendanceRepository.answer_in(
            conn, 1, 2, rating=4, comment="Useful", signed=False
        )
        assert not await AttendanceRepository.answer_in(
            conn, 1, 2, rating=1, comment=None, signed=False
        )  # a second answer is refused
        assert await AttendanceRepository.answer_in(
            conn, 1, 3, rating=2, comment="Too fast", signed=True
        )
    rows = await db.fetch_all("SELECT * FROM meeting_feedback ORDER BY rating DESC")
    assert [(r["rating"], r["comment"], r["signed_by"]) for r in rows] == [
        (4, "Useful", None),
        (2, "Too fast", 3),
    ]
    # Nothing in the answers' table points at a member unless they signed.
    columns = [r[1] for r in await db.fetch_all("PRAGMA table_info(meeting_feedback)")]
    assert columns == ["id", "occurrence_id", "rating", "comment", "signed_by"]
    assert await repo.request_counts(1) == RequestCounts(asked=2, answered=2)
    answers = await repo.answers(1)
    assert answers[0] == FeedbackAnswer(2, "Too fast", "Mike")  # signed ones first
    assert answers[1] == FeedbackAnswer(4, "Useful", None)
    stamped = await db.fetch_one("SELECT attendance_at, feedback_at FROM meeting_occurrences")
    assert stamped["attendance_at"] == stamped["feedback_at"] == "2026-12-03T18:00:00Z"


def test_no_query_joins_who_was_asked_with_what_was_answered() -> None:
    """Anonymity by construction: no SQL in the bot names both tables."""
    root = Path(__file__).resolve().parents[2] / "bot"
    for path in root.rglob("*.py"):
        for statement in path.read_text().split('"""'):
            if not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b", statement):
                continue  # prose, not SQL
            answers = re.search(r"\bmeeting_feedback\b(?!_)", statement)
            if answers and "meeting_feedback_requests" in statement:
                raise AssertionError(f"{path.name} reads answers with requests: {statement!r}")
