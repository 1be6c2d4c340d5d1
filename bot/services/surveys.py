"""Surveys: create, open (fan-out through the outbox), answer, remind, close.

Opening, reminders and closing are ``once`` schedules (kinds ``survey_open``, ``survey_remind``,
``survey_close``), so they happen on time across restarts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.db.database import Database
from bot.db.hubs import HubRepository
from bot.db.memberships import MembershipRepository
from bot.db.outbox import OutboxRepository
from bot.db.surveys import SurveyRepository
from bot.services.scheduling import Scheduler
from bot.services.survey_types import QuestionDraft, SurveyProgress, SurveyView
from bot.services.users import UserService

OPEN_KIND = "survey_open"
CLOSE_KIND = "survey_close"
REMIND_KIND = "survey_remind"


class SurveyService:
    def __init__(
        self,
        db: Database,
        repo: SurveyRepository,
        hubs: HubRepository,
        memberships: MembershipRepository,
        outbox: OutboxRepository,
        scheduler: Scheduler,
        users: UserService,
        *,
        default_locale: str,
    ) -> None:
        self._db = db
        self._repo = repo
        self._hubs = hubs
        self._memberships = memberships
        self._outbox = outbox
        self._scheduler = scheduler
        self._users = users
        self._default_locale = default_locale

    def now(self) -> datetime:
        return self._scheduler.clock.now()

    async def create(
        self,
        *,
        author_id: int,
        hub_id: int | None,
        title: str,
        questions: Sequence[QuestionDraft],
        anonymous: bool,
        opens_at: datetime,
        closes_at: datetime,
        reminders: Sequence[timedelta] = (),
        before_id: int | None = None,
    ) -> SurveyView:
        raise NotImplementedError

    async def get(self, survey_id: int) -> SurveyView | None:
        raise NotImplementedError

    async def for_hubs(self, hub_ids: Sequence[int], include_network: bool) -> list[SurveyView]:
        raise NotImplementedError

    async def progress(self, survey_id: int) -> SurveyProgress:
        raise NotImplementedError

    async def close(self, survey_id: int) -> SurveyView:
        raise NotImplementedError

    async def open_for(self, user_id: int) -> list[SurveyView]:
        raise NotImplementedError
