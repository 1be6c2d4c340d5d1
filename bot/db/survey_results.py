"""Survey results: read-only queries over the surveys tables (migration 0012).

Nothing here writes. An anonymous survey's responses have no user id and a random id: the
queries below never read ``survey_participants`` together with the answers, and never order
answers by anything but what was answered, so no result or export carries who or when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.db.database import Database, from_db_time


@dataclass(frozen=True, slots=True)
class ResultQuestion:
    id: int
    position: int
    kind: str  # 'single' | 'multiple' | 'scale' | 'text'
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResultSurvey:
    id: int
    hub_id: int | None  # None: every hub (a network admin's survey)
    hub_name: str  # "" for every hub
    title: str
    anonymous: bool
    status: str
    closes_at: datetime
    before_id: int | None
    questions: tuple[ResultQuestion, ...]


@dataclass(frozen=True, slots=True)
class Response:
    """One submitted response: its answers by question id (decoded JSON values)."""

    complete: bool
    name: str | None  # the member's name for a named survey; None when anonymous
    answers: dict[int, Any]


@dataclass(frozen=True, slots=True)
class Turnout:
    invited: int
    finished: int  # participants who submitted
    complete: int  # responses submitted by the member
    incomplete: int  # drafts taken at the deadline


def _name(first: str | None, last: str | None, username: str | None, user_id: int) -> str:
    full = " ".join(part for part in (first, last) if part) or str(user_id)
    return f"{full} (@{username})" if username else full


class SurveyResultsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def survey(self, survey_id: int) -> ResultSurvey | None:
        row = await self._db.fetch_one(
            "SELECT s.id, s.hub_id, COALESCE(h.name, '') AS hub_name, s.title, s.anonymous,"
            " s.status, s.closes_at, s.before_id"
            " FROM surveys s LEFT JOIN hubs h ON h.id = s.hub_id WHERE s.id = ?",
            (survey_id,),
        )
        if row is None:
            return None
        questions = await self._db.fetch_all(
            "SELECT id, position, kind, text, options FROM survey_questions"
            " WHERE survey_id = ? ORDER BY position",
            (survey_id,),
        )
        closes_at = from_db_time(row["closes_at"])
        assert closes_at is not None
        return ResultSurvey(
            id=row["id"],
            hub_id=row["hub_id"],
            hub_name=row["hub_name"],
            title=row["title"],
            anonymous=bool(row["anonymous"]),
            status=row["status"],
            closes_at=closes_at,
            before_id=row["before_id"],
            questions=tuple(
                ResultQuestion(
                    id=q["id"],
                    position=q["position"],
                    kind=q["kind"],
                    text=q["text"],
                    options=tuple(json.loads(q["options"])),
                )
                for q in questions
            ),
        )

    async def turnout(self, survey_id: int) -> Turnout:
        # Two statements: who was invited and finished, then what was submitted (never joined).
        invited = await self._db.fetch_one(
            "SELECT COUNT(*) AS invited, COALESCE(SUM(finished), 0) AS finished"
            " FROM survey_participants WHERE survey_id = ?",
            (survey_id,),
        )
        submitted = await self._db.fetch_one(
            "SELECT COALESCE(SUM(complete), 0) AS complete, COALESCE(SUM(1 - complete), 0)"
            " AS incomplete FROM survey_responses WHERE survey_id = ?",
            (survey_id,),
        )
        assert invited is not None and submitted is not None
        return Turnout(
            invited["invited"], invited["finished"], submitted["complete"], submitted["incomplete"]
        )

    async def responses(self, survey_id: int, *, named: bool) -> list[Response]:
        """Every submitted response with its answers.

        Names are read only when ``named`` (and only a named survey's responses hold a user id).
        Rows come in the random order of the response ids; callers sort by content.
        """
        if named:
            heads = await self._db.fetch_all(
                "SELECT r.id, r.complete, r.user_id, u.first_name, u.last_name, u.username"
                " FROM survey_responses r LEFT JOIN users u ON u.id = r.user_id"
                " WHERE r.survey_id = ?",
                (survey_id,),
            )
        else:
            heads = await self._db.fetch_all(
                "SELECT id, complete FROM survey_responses WHERE survey_id = ?", (survey_id,)
            )
        answers = await self._db.fetch_all(
            "SELECT a.response_id, a.question_id, a.value FROM survey_answers a"
            " JOIN survey_responses r ON r.id = a.response_id WHERE r.survey_id = ?",
            (survey_id,),
        )
        by_response: dict[int, dict[int, Any]] = {}
        for answer in answers:
            by_response.setdefault(answer["response_id"], {})[answer["question_id"]] = json.loads(
                answer["value"]
            )
        out = []
        for head in heads:
            name = None
            if named and head["user_id"] is not None:
                name = _name(
                    head["first_name"], head["last_name"], head["username"], head["user_id"]
                )
            out.append(Response(bool(head["complete"]), name, by_response.get(head["id"], {})))
        return out
