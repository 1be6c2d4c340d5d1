"""Survey results over rows written straight into a migrated database: tallies, means,
before/after, the report in three languages (one right to left) and the CSV."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot import i18n
from bot.db.database import Database
from bot.db.hubs import HubRepository
from bot.db.memberships import MembershipRepository
from bot.db.survey_results import SurveyResultsRepository
from bot.db.users import UserRepository
from bot.handlers.common import split_message, utf16_len
from bot.services.access import AccessService
from bot.services.spreadsheet import safe_cell as escape_cell
from bot.services.survey_csv import BOM, build_csv
from bot.services.survey_report import change, number, render_results
from bot.services.survey_results import SurveyResultsService, mean_of
from tests.conftest import tr
from tests.unit.test_bidi import display_problems

ADMIN = 900
ZONE = "Asia/Jerusalem"
QUESTIONS = [
    ("single", "Which day suits you?", ["Mon", "Wed", "Thu"]),
    ("multiple", "What helps you most?", ["Observation", "Co-planning", "=Feedback"]),
    ("scale", "How confident do you feel?", []),
    ("text", "Anything else?", []),
]


async def add_survey(
    db: Database,
    *,
    anonymous: bool,
    title: str = "Mentoring check-in",
    hub_id: int | None = 1,
    before_id: int | None = None,
    status: str = "closed",
    questions: Sequence[tuple[str, str, list[str]]] = QUESTIONS,
) -> int:
    survey_id = await db.execute(
        "INSERT INTO surveys (hub_id, author_id, title, anonymous, opens_at, closes_at,"
        " before_id, status, created_at) VALUES (?, 1, ?, ?, '2026-12-01T08:00:00Z',"
        " '2026-12-08T08:00:00Z', ?, ?, '2026-12-01T08:00:00Z')",
        (hub_id, title, int(anonymous), before_id, status),
    )
    for position, (kind, text, options) in enumerate(questions, start=1):
        await db.execute(
            "INSERT INTO survey_questions (survey_id, position, kind, text, options)"
            " VALUES (?, ?, ?, ?, ?)",
            (survey_id, position, kind, text, json.dumps(options)),
        )
    return survey_id


async def question_ids(db: Database, survey_id: int) -> list[int]:
    rows = await db.fetch_all(
        "SELECT id FROM survey_questions WHERE survey_id = ? ORDER BY position", (survey_id,)
    )
    return [row["id"] for row in rows]


async def answer(
    db: Database,
    survey_id: int,
    user_id: int,
    values: Sequence[Any],
    *,
    anonymous: bool,
    complete: bool = True,
    response_id: int | None = None,
) -> None:
    """One member's submitted response, as svcore's Submit writes it."""
    ids = await question_ids(db, survey_id)
    rid = response_id if response_id is not None else 1000 + user_id * 7919
    await db.execute(
        "INSERT OR IGNORE INTO survey_participants (survey_id, user_id, finished) VALUES (?, ?, ?)",
        (survey_id, user_id, int(complete)),
    )
    await db.execute(
        "UPDATE survey_participants SET finished = ? WHERE survey_id = ? AND user_id = ?",
        (int(complete), survey_id, user_id),
    )
    await db.execute(
        "INSERT INTO survey_responses (id, survey_id, user_id, complete) VALUES (?, ?, ?, ?)",
        (rid, survey_id, None if anonymous else user_id, int(complete)),
    )
    for question_id, value in zip(ids, values, strict=True):
        if value is not None:
            await db.execute(
                "INSERT INTO survey_answers (response_id, question_id, value) VALUES (?, ?, ?)",
                (rid, question_id, json.dumps(value)),
            )


async def invite(db: Database, survey_id: int, *user_ids: int) -> None:
    for user_id in user_ids:
        await db.execute(
            "INSERT OR IGNORE INTO survey_participants (survey_id, user_id) VALUES (?, ?)",
            (survey_id, user_id),
        )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "s.sqlite3")
    await database.open()
    users = UserRepository(database)
    for user_id, name in ((1, "Dana"), (2, "Noa"), (3, "Mike"), (4, "Olga"), (5, "Ilya")):
        await users.upsert_profile(user_id, name, None, None, "en", started=True)
    hubs = HubRepository(database)
    for name, code, chat, by in (("Holon mentors", "C0DE", -100, 1), ("Other", "C0DF", -200, 3)):
        await hubs.create(
            name=name, code=code, chat_id=chat, timezone="Asia/Jerusalem", locale="he",
            created_by=by,
        )  # fmt: skip
    memberships = MembershipRepository(database)
    await database.execute(
        "INSERT OR REPLACE INTO memberships (hub_id, user_id, role, joined_at) VALUES"
        " (1, 1, 'facilitator', '2026-01-01T00:00:00Z'), (1, 2, 'member', '2026-01-01T00:00:00Z'),"
        " (2, 3, 'facilitator', '2026-01-01T00:00:00Z')"
    )
    assert await memberships.role(1, 1) is not None
    yield database
    await database.close()


def service(db: Database) -> SurveyResultsService:
    access = AccessService(HubRepository(db), MembershipRepository(db), frozenset({ADMIN}))
    return SurveyResultsService(SurveyResultsRepository(db), access)


async def filled(db: Database, *, anonymous: bool) -> int:
    survey_id = await add_survey(db, anonymous=anonymous)
    await invite(db, survey_id, 1, 2, 3, 4, 5)
    await answer(db, survey_id, 2, [[1], [0, 2], 4, "Great <b>sessions</b>"], anonymous=anonymous)
    await answer(db, survey_id, 3, [[1], [2], 3, "More time\nplease"], anonymous=anonymous)
    await answer(db, survey_id, 4, [[0], [], 5, None], anonymous=anonymous)
    await answer(db, survey_id, 5, [[2], None, None, None], anonymous=anonymous, complete=False)
    return survey_id


def test_mean_and_change_are_rounded_then_compared() -> None:
    assert mean_of([0, 0, 1, 1, 0]) == Decimal("3.5")
    assert mean_of([0, 0, 0, 0, 0]) is None
    with i18n.use_locale("ru"):
        assert number(Decimal("3.2")) == "3,2"
        assert change(Decimal("3.2"), Decimal("3.9")) == "+0,7"
    with i18n.use_locale("en"):
        assert change(Decimal("3.9"), Decimal("3.2")) == "-0.7"
        assert change(None, Decimal("3.2")) == "—"


async def test_tallies_scale_means_and_turnout(db: Database) -> None:
    survey_id = await filled(db, anonymous=False)
    results = await service(db).results(survey_id, names=True)
    assert results is not None and results.before is None
    single, multiple, scale, text = results.questions
    assert single.counts == (1, 2, 1) and single.answered == 4
    assert multiple.counts == (1, 0, 2) and multiple.answered == 2  # [] chose nothing
    assert scale.counts == (0, 0, 1, 1, 1) and scale.mean == Decimal("4.0")
    assert [(t.name, t.text) for t in text.texts] == [
        ("Mike", "More time\nplease"),
        ("Noa", "Great <b>sessions</b>"),
    ]
    turnout = results.turnout
    assert (turnout.invited, turnout.complete, turnout.incomplete) == (5, 3, 1)
    # Names only where asked for (a private chat), never for an anonymous survey.
    plain = await service(db).results(survey_id, names=False)
    assert plain is not None and all(t.name is None for t in plain.questions[3].texts)


async def test_anonymous_results_have_no_names_and_texts_in_word_order(db: Database) -> None:
    survey_id = await filled(db, anonymous=True)
    results = await service(db).results(survey_id, names=True)
    assert results is not None
    texts = results.questions[3].texts
    assert [t.name for t in texts] == [None, None]
    assert [t.text for t in texts] == ["Great <b>sessions</b>", "More time\nplease"]
    rows = await db.fetch_all("SELECT user_id FROM survey_responses WHERE survey_id = ?", (1,))
    assert {row["user_id"] for row in rows} == {None}


@pytest.mark.parametrize("locale", ["en", "ru", "he"])
async def test_report_in_the_readers_language(db: Database, locale: str) -> None:
    survey_id = await filled(db, anonymous=False)
    results = await service(db).results(survey_id, names=True)
    assert results is not None
    with i18n.use_locale(locale):
        text = render_results(results, ZONE)
    plain = re.sub(r"<[^>]+>", "", text)
    assert tr(locale, "Hub: {hub}", hub="Holon mentors") in plain
    assert tr(locale, "{option}\n{bar} {votes} · {percent}", option="Wed", bar="█████░░░░░",
              votes=2, percent=i18n_percent(locale, 0.5)) in plain  # fmt: skip
    mean = "4,0" if locale == "ru" else "4.0"
    assert tr(locale, "Mean: {mean}", mean=mean) in plain
    with i18n.use_locale(locale):  # the deadline in the reader's zone and language
        when = i18n.format_datetime(results.survey.closes_at, ZONE, "short")
    assert tr(locale, "Deadline: {when}", when=when) in plain
    # The answer's own HTML is shown as typed, escaped.
    assert "Great &lt;b&gt;sessions&lt;/b&gt;" in text and "Noa" in plain
    if locale == "he":
        assert not [p for line in text.split("\n") for p in display_problems(line)]


def i18n_percent(locale: str, ratio: float) -> str:
    from babel.numbers import format_percent

    return format_percent(ratio, locale=locale)


async def test_before_after_side_by_side(db: Database) -> None:
    before_id = await filled(db, anonymous=True)
    after_id = await add_survey(db, anonymous=True, title="After", before_id=before_id)
    await invite(db, after_id, 2, 3, 4)
    await answer(db, after_id, 2, [[0], [0], 5, "Better"], anonymous=True, response_id=77)
    await answer(db, after_id, 3, [[0], [1], 5, None], anonymous=True, response_id=78)
    results = await service(db).results(after_id)
    assert results is not None and results.before is not None
    assert results.before.survey.id == before_id
    with i18n.use_locale("en"):
        text = render_results(results, ZONE)
    assert "Mean: 4.0 → 5.0 (+1.0)" in text
    assert "Responses: 4 → 2" in text
    assert "Wed\nBefore: █████░░░░░ 2 · 50%\nAfter: ░░░░░░░░░░ 0 · 0%" in text
    assert "Before:\n• Great" in text and "After:\n• Better" in text
    with i18n.use_locale("ar"):
        arabic = render_results(results, ZONE)
    assert not [p for line in arabic.split("\n") for p in display_problems(line)]
    assert "←" in arabic  # the arrow points the way an Arabic reader reads


async def test_a_before_with_other_questions_is_not_compared(db: Database) -> None:
    before_id = await add_survey(db, anonymous=False, questions=QUESTIONS[:2])
    after_id = await add_survey(db, anonymous=False, before_id=before_id)
    results = await service(db).results(after_id)
    assert results is not None and results.before is None
    # Nor one of another hub (its results are not this reader's to see).
    other = await add_survey(db, anonymous=False, hub_id=2)
    after_id = await add_survey(db, anonymous=False, before_id=other)
    results = await service(db).results(after_id)
    assert results is not None and results.before is None


async def test_long_results_split_into_messages_within_the_limit(db: Database) -> None:
    survey_id = await add_survey(db, anonymous=True, questions=[("text", "Tell us", [])])
    for user in range(1, 40):
        await answer(db, survey_id, user + 10, ["x" * 1900 + str(user)], anonymous=True)
    results = await service(db).results(survey_id)
    assert results is not None
    with i18n.use_locale("he"):
        chunks = split_message(render_results(results, ZONE))
    assert len(chunks) > 10 and all(utf16_len(chunk) <= 4096 for chunk in chunks)


async def test_who_may_read(db: Database) -> None:
    results = service(db)
    own = await results.survey(await add_survey(db, anonymous=False))
    everyone = await results.survey(await add_survey(db, anonymous=False, hub_id=None))
    assert own is not None and everyone is not None
    assert await results.may_read(own, 1) and await results.may_read(own, ADMIN)
    assert not await results.may_read(own, 2)  # a member
    assert not await results.may_read(own, 3)  # another hub's facilitator
    assert await results.may_read(everyone, ADMIN) and not await results.may_read(everyone, 1)
    assert await results.survey(999) is None


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM.encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("locale", ["en", "ru", "ar"])
async def test_csv_header_escaping_and_rows(db: Database, locale: str) -> None:
    survey_id = await filled(db, anonymous=False)
    svc = service(db)
    survey = await svc.survey(survey_id)
    assert survey is not None
    with i18n.use_locale(locale):
        made = build_csv(survey, await svc.responses(survey))
    rows = parse(made.data)
    assert made.rows == len(rows) - 1 == 4
    assert rows[0][:2] == [tr(locale, "Name"), tr(locale, "Complete")]
    assert rows[0][2:] == [f"{i}. {q[1]}" for i, q in enumerate(QUESTIONS, start=1)]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Noa"][2:] == ["Wed", "Observation; =Feedback", "4", "Great <b>sessions</b>"]
    assert by_name["Mike"][2:] == ["Wed", "'=Feedback", "3", "More time\nplease"]
    assert by_name["Ilya"][1] == tr(locale, "no") and by_name["Ilya"][4:] == ["", ""]
    assert [row[0] for row in rows[1:]] == ["Ilya", "Mike", "Noa", "Olga"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formulas_are_escaped(cell: str) -> None:
    assert escape_cell(cell) == "'" + cell
    assert escape_cell("Plain") == "Plain" and escape_cell("") == ""


async def test_anonymous_csv_cannot_be_joined_to_members(db: Database) -> None:
    survey_id = await add_survey(db, anonymous=True)
    await invite(db, survey_id, 1, 2, 3, 4, 5)
    # They finish in this order; their answers sort the other way round.
    order = [(5, "e"), (4, "d"), (3, "c"), (2, "b"), (1, "a")]
    for user_id, word in order:
        await answer(db, survey_id, user_id, [[0], [0], 3, word], anonymous=True)
    svc = service(db)
    survey = await svc.survey(survey_id)
    assert survey is not None
    made = build_csv(survey, await svc.responses(survey))
    rows = parse(made.data)
    assert rows[0][0] == "Respondent"
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]
    assert [row[-1] for row in rows[1:]] == ["a", "b", "c", "d", "e"]  # not the finishing order
    text = made.data.decode("utf-8-sig")
    for user_id, _word in order:  # no member's id or name anywhere
        assert not re.search(rf"(?<!\d){user_id * 7919 + 1000}(?!\d)", text)
    for name in ("Dana", "Noa", "Mike", "Olga", "Ilya"):
        assert name not in text


def test_results_never_read_who_was_invited_with_what_was_answered() -> None:
    """Anonymity by construction: no SQL of the results names both kinds of table."""
    root = Path(__file__).resolve().parents[2] / "bot"
    mine = [root / "db" / "survey_results.py", *root.glob("services/survey_[rc]*.py")]
    statements = [
        node.value
        for path in mine
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "SELECT" in node.value
    ]
    assert len(statements) >= 5
    for statement in statements:
        if "survey_participants" in statement or "survey_drafts" in statement:
            assert "survey_answers" not in statement and "survey_responses" not in statement
