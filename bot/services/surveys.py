"""Surveys: create, read, answer, submit, close. Opening, reminders and the deadline's close are
scheduled work (``bot/services/survey_fanout.py``).

Opening, reminders and closing are ``once`` schedules (kinds ``survey_open``, ``survey_remind``,
``survey_close``) kept in UTC, so they happen on time across restarts; each writes its messages to
the outbox in the transaction that records it. A survey that opens "now" has its open schedule
due at once: the scheduler's job fires it right after, so the fan-out to every member never runs
inside the facilitator's Confirm (and a crash right after creating it still opens it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.db.database import Database
from bot.db.hubs import HubRepository
from bot.db.memberships import MembershipRepository
from bot.db.outbox import OutboxRepository
from bot.db.schedules import ScheduleRepository
from bot.db.surveys import QuestionRow, SurveyRepository, SurveyRow
from bot.i18n import _
from bot.services.scheduling import Scheduler
from bot.services.survey_fanout import (
    CLOSE_KIND,
    INVITE_KIND,
    OPEN_KIND,
    REMIND_KIND,
    REMINDER_KIND,
    SurveyFanout,
    at_local,
)
from bot.services.survey_types import (
    CANCELLED,
    CLOSED,
    MAX_TEXT_ANSWER,
    OPEN,
    SCALE,
    AnswerState,
    QuestionDraft,
    QuestionView,
    SurveyClosedError,
    SurveyError,
    SurveyProgress,
    SurveyView,
    check_questions,
    check_reminders,
    check_times,
    clean_title,
)
from bot.services.survey_wal import WalCheckpoint
from bot.services.users import UserService

__all__ = [
    "CLOSE_KIND",
    "INVITE_KIND",
    "OPEN_KIND",
    "REMINDER_KIND",
    "REMIND_KIND",
    "SurveyService",
]


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
        # An anonymous submit or close asks for it: no copy of a named draft stays in the -wal.
        self.wal = WalCheckpoint(db)
        self.fanout = SurveyFanout(self, db, repo, scheduler, users)

    async def stop(self) -> None:
        await self.wal.stop()

    def now(self) -> datetime:
        return self._scheduler.clock.now()

    # -- reading

    async def view(self, row: SurveyRow, questions: list[QuestionRow] | None = None) -> SurveyView:
        hub = await self._hubs.get(row.hub_id) if row.hub_id is not None else None
        questions = questions if questions is not None else await self._repo.questions(row.id)
        return SurveyView(
            id=row.id,
            hub_id=row.hub_id,
            hub_name=hub.name if hub else "",
            title=row.title,
            anonymous=row.anonymous,
            opens_at=row.opens_at,
            closes_at=row.closes_at,
            reminders=row.reminders,
            before_id=row.before_id,
            status=row.status,  # type: ignore[arg-type]
            author_id=row.author_id,
            created_at=row.created_at,
            questions=tuple(
                QuestionView(q.id, q.position, q.kind, q.text, q.options)  # type: ignore[arg-type]
                for q in questions
            ),
        )

    async def get(self, survey_id: int) -> SurveyView | None:
        row = await self._repo.get(survey_id)
        return None if row is None else await self.view(row)

    async def for_hubs(self, hub_ids: Sequence[int], include_network: bool) -> list[SurveyView]:
        return [await self.view(r) for r in await self._repo.for_hubs(hub_ids, include_network)]

    async def progress(self, survey_id: int) -> SurveyProgress:
        invited, finished, in_progress = await self._repo.progress(survey_id)
        return SurveyProgress(invited, finished, in_progress)

    async def audience(self, hub_id: int | None) -> int:
        """How many members a survey of this hub (None: of every hub) would invite now: those
        the bot can write to (they started it and have not blocked it), each once."""
        return len(await SurveyRepository.recipients(self._db.reader, hub_id))

    async def open_for(self, user_id: int) -> list[SurveyView]:
        return [await self.view(r) for r in await self._repo.open_for(user_id, self.now())]

    # -- creating

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
        now = self.now()
        name = clean_title(title)
        drafts = check_questions(questions)
        check_times(opens_at, closes_at, now)
        opens_at, closes_at = opens_at.astimezone(UTC), closes_at.astimezone(UTC)
        offsets = check_reminders(reminders, max(opens_at, now), closes_at)
        if hub_id is not None and await self._hubs.get(hub_id) is None:
            raise SurveyError(_("That hub no longer exists."))
        if before_id is not None:
            await self._check_before(before_id, hub_id, drafts)
        opens_now = opens_at <= now
        async with self._db.transaction() as conn:
            survey_id = await SurveyRepository.insert(
                conn,
                hub_id=hub_id,
                author_id=author_id,
                title=name,
                anonymous=anonymous,
                opens_at=opens_at,
                closes_at=closes_at,
                reminders=offsets,
                before_id=before_id,
                questions=[(d.kind, d.text, d.options) for d in drafts],
                now=now,
            )
            # A "once" schedule needs a time ahead; opening now, it is then made due at once.
            first = now + timedelta(minutes=1) if opens_now else opens_at
            moments = [(OPEN_KIND, first), (CLOSE_KIND, closes_at)]
            moments += [(REMIND_KIND, closes_at - offset) for offset in offsets]
            schedule_ids = [
                await self._scheduler.add(
                    conn,
                    kind=kind,
                    ref_id=survey_id,
                    hub_id=hub_id,
                    rule="once",
                    at_local=at_local(moment),
                    timezone="UTC",
                )
                for kind, moment in moments
            ]
            if opens_now:  # due now: armed below, its job fires at once
                await ScheduleRepository.set_next(conn, schedule_ids[0], now)
        for schedule_id in schedule_ids:
            await self._scheduler.arm(schedule_id)
        view = await self.get(survey_id)
        assert view is not None
        return view

    async def _check_before(
        self, before_id: int, hub_id: int | None, drafts: Sequence[QuestionDraft]
    ) -> None:
        before = await self._repo.get(before_id)
        if before is None or before.hub_id != hub_id or before.status == CANCELLED:
            raise SurveyError(
                _("There is no earlier survey {ref} in this hub.", ref=f"s{before_id}")
            )
        theirs = [(q.kind, q.text, q.options) for q in await self._repo.questions(before_id)]
        if theirs != [(d.kind, d.text, d.options) for d in drafts]:
            raise SurveyError(
                _(
                    "An “after” survey needs the same questions as the earlier one, in the same "
                    "order, with the same options."
                )
            )

    # -- closing early

    async def close(self, survey_id: int) -> SurveyView:
        """Close now (a scheduled survey that never opened is cancelled); tell the author."""
        async with self._db.transaction() as conn:
            row = await self._repo.get(survey_id, conn)
            if row is None:
                raise SurveyError(_("There is no survey {ref}.", ref=f"s{survey_id}"))
            if row.status in (CLOSED, CANCELLED):
                raise SurveyError(_("This survey is already closed."))
            await self.fanout.close_in(conn, row)
        await self.fanout.cancel_schedules(survey_id)
        self._scheduler.notify_written()
        view = await self.get(survey_id)
        assert view is not None
        return view

    # -- answering

    async def _answerable(
        self, survey_id: int, user_id: int, conn: aiosqlite.Connection | None = None
    ) -> SurveyRow:
        """The survey, if this member may answer it now; else a clear ``SurveyError``."""
        row = await self._repo.get(survey_id, conn)
        if row is None:
            raise SurveyError(_("There is no survey {ref}.", ref=f"s{survey_id}"))
        finished = await self._repo.participant(survey_id, user_id, conn)
        if finished is None:
            raise SurveyError(_("This survey was not sent to you, so you cannot answer it."))
        if not await self._repo.belongs(row.hub_id, user_id, conn):
            raise SurveyError(
                _("You are no longer a member of this survey's hub, so you cannot answer it.")
            )
        if row.status != OPEN or self.now() >= row.closes_at:
            closed_on = min(row.closes_at, row.closed_at or row.closes_at)
            raise SurveyClosedError(_("This survey is closed."), closed_on)
        if finished:
            raise SurveyError(_("You have already sent your answers to this survey. Thank you!"))
        return row

    async def state(self, survey_id: int, user_id: int) -> AnswerState:
        row = await self._answerable(survey_id, user_id)
        return AnswerState(await self.view(row), await self._repo.drafts(survey_id, user_id))

    @staticmethod
    def question(view: SurveyView, question_id: int) -> QuestionView:
        for question in view.questions:
            if question.id == question_id:
                return question
        raise SurveyError(_("This button does not belong to this survey."))

    @staticmethod
    def check_value(question: QuestionView, value: object) -> object:
        """A valid draft value for the question, or ``SurveyError``; None is a skip."""
        if value is None:
            return None
        if question.kind == "single":
            if isinstance(value, int) and 0 <= value < len(question.options):
                return [value]
        elif question.kind == "scale":
            if isinstance(value, int) and SCALE[0] <= value <= SCALE[1]:
                return value
        elif question.kind == "text" and isinstance(value, str):
            text = value.strip()
            if not text:
                raise SurveyError(_("Please type your answer, or press Skip."))
            if len(text) > MAX_TEXT_ANSWER:
                raise SurveyError(
                    _(
                        "Your answer is too long: up to {limit} characters, please.",
                        limit=MAX_TEXT_ANSWER,
                    )
                )
            return text
        raise SurveyError(_("This button does not belong to this survey."))

    async def answer(
        self, survey_id: int, user_id: int, question_id: int, value: object
    ) -> AnswerState:
        """Keep one answer as a draft (None: skipped); nothing is kept if it is refused."""
        state = await self.state(survey_id, user_id)
        question = self.question(state.survey, question_id)
        clean = self.check_value(question, value)
        async with self._db.transaction() as conn:
            await self._answerable(survey_id, user_id, conn)
            await SurveyRepository.set_draft(conn, survey_id, user_id, question_id, clean)
        state.drafts[question_id] = clean
        return state

    async def toggle(
        self, survey_id: int, user_id: int, question_id: int, index: int
    ) -> AnswerState:
        """Tick or untick one option of a multiple-choice question."""
        state = await self.state(survey_id, user_id)
        question = self.question(state.survey, question_id)
        if question.kind != "multiple" or not 0 <= index < len(question.options):
            raise SurveyError(_("This button does not belong to this survey."))
        current = state.drafts.get(question_id)
        chosen = set(current) if isinstance(current, list) else set()
        chosen ^= {index}
        value = sorted(chosen)
        async with self._db.transaction() as conn:
            await self._answerable(survey_id, user_id, conn)
            await SurveyRepository.set_draft(conn, survey_id, user_id, question_id, value)
        state.drafts[question_id] = value
        return state

    async def submit(self, survey_id: int, user_id: int) -> SurveyView:
        """Send the answers: one response (no user id when anonymous), drafts gone, finished."""
        async with self._db.transaction() as conn:
            row = await self._answerable(survey_id, user_id, conn)
            await SurveyRepository.submit(
                conn, survey_id, user_id, anonymous=row.anonymous, complete=True
            )
        if row.anonymous:
            self.wal.request()
        return await self.view(row)

    # -- scheduled work (see SurveyFanout)

    async def check_rows(self, rows: list) -> dict[int, str]:
        return await self.fanout.check_rows(rows)
