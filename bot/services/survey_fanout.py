"""A survey's scheduled work: opening (invitations), reminders, and closing at the deadline.

Each runs inside the scheduler's transaction that records the occurrence, and writes to the
outbox there, keyed so that writing the same message twice writes nothing: an invitation per
member, a reminder per member and offset, a closing notice per reader.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.db.database import Database
from bot.db.outbox import NewMessage, OutboxRepository, OutboxRow
from bot.db.schedules import ScheduleRow
from bot.db.surveys import SurveyRepository, SurveyRow
from bot.i18n import use_locale
from bot.services.scheduling import Scheduler
from bot.services.survey_render import (
    closed_notice,
    invitation_text,
    markup_json,
    offset_minutes,
    reminder_text,
    results_keyboard,
    start_keyboard,
)
from bot.services.survey_types import CANCELLED, CLOSED, OPEN, SCHEDULED, SurveyProgress
from bot.services.users import UserService

if TYPE_CHECKING:
    from bot.services.surveys import SurveyService

OPEN_KIND = "survey_open"
CLOSE_KIND = "survey_close"
REMIND_KIND = "survey_remind"
INVITE_KIND = "survey_invite"  # outbox kinds
REMINDER_KIND = "survey_reminder"
CLOSED_KIND = "survey_closed"
GRACE = timedelta(days=400)  # a survey opens and closes however late the bot comes back
REMIND_GRACE = timedelta(hours=12)


def at_local(moment: datetime) -> str:
    """A ``once`` schedule's time in UTC, rounded up to the minute (never before ``moment``)."""
    utc = moment.astimezone(UTC)
    if utc.second or utc.microsecond:
        utc = utc.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return utc.strftime("%Y-%m-%d %H:%M")


class SurveyFanout:
    def __init__(
        self,
        service: SurveyService,
        db: Database,
        repo: SurveyRepository,
        scheduler: Scheduler,
        users: UserService,
    ) -> None:
        self._service = service
        self._db = db
        self._repo = repo
        self._scheduler = scheduler
        self._users = users
        scheduler.register(OPEN_KIND, self._fire_open, grace=GRACE)
        scheduler.register(CLOSE_KIND, self._fire_close, grace=GRACE)
        scheduler.register(REMIND_KIND, self._fire_remind, grace=REMIND_GRACE)

    async def _reader(self, user_id: int) -> tuple[str, str]:
        viewer = await self._users.viewer(user_id)
        if viewer is None:
            return self._service._default_locale, "UTC"
        return viewer.locale, viewer.timezone

    # -- opening

    async def open_in(self, conn: aiosqlite.Connection, row: SurveyRow) -> bool:
        """Open the survey: invite every member it is for, each in their language and zone."""
        now = self._scheduler.clock.now()
        if row.status != SCHEDULED or now >= row.closes_at:
            return False
        await SurveyRepository.set_status(conn, row.id, OPEN, only_from=[SCHEDULED])
        members = await SurveyRepository.recipients(conn, row.hub_id)
        await SurveyRepository.invite(conn, row.id, members)
        view = await self._service.view(row)
        rendered: dict[tuple[str, str], tuple[str, str]] = {}  # one text per language and zone
        messages = []
        for user_id in members:
            reader = await self._reader(user_id)
            if reader not in rendered:
                with use_locale(reader[0]):
                    rendered[reader] = (
                        invitation_text(view, reader[1]),
                        markup_json(start_keyboard(row.id)),
                    )
            text, markup = rendered[reader]
            messages.append(
                NewMessage(
                    f"{INVITE_KIND}:{row.id}:{user_id}",
                    user_id,
                    INVITE_KIND,
                    text,
                    user_id=user_id,
                    ref_id=row.id,
                    reply_markup=markup,
                    holdable=True,
                )
            )
        await OutboxRepository.add_many(conn, messages)
        return True

    async def _fire_open(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        row = await self._repo.get(schedule.ref_id, conn)
        if row is None or row.status != SCHEDULED:
            return "gone"
        return None if await self.open_in(conn, row) else "closed"

    # -- reminders

    async def _fire_remind(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        row = await self._repo.get(schedule.ref_id, conn)
        now = self._scheduler.clock.now()
        if row is None or row.status != OPEN or now >= row.closes_at:
            return "closed"
        minutes = next(
            (
                offset_minutes(offset)
                for offset in row.reminders
                if at_local(row.closes_at - offset) == schedule.at_local
            ),
            round((row.closes_at - moment).total_seconds() / 60),
        )
        view = await self._service.view(row)
        messages = []
        rendered: dict[tuple[str, str], tuple[str, str]] = {}
        for user_id in await self._repo.unfinished(row.id):
            reader = await self._reader(user_id)
            if reader not in rendered:
                with use_locale(reader[0]):
                    rendered[reader] = (
                        reminder_text(view, reader[1]),
                        markup_json(start_keyboard(row.id, resume=True)),
                    )
            text, markup = rendered[reader]
            messages.append(
                NewMessage(
                    f"{REMINDER_KIND}:{row.id}:{minutes}:{user_id}",
                    user_id,
                    REMINDER_KIND,
                    text,
                    user_id=user_id,
                    ref_id=row.id,
                    reply_markup=markup,
                    holdable=True,
                )
            )
        await OutboxRepository.add_many(conn, messages)
        return None

    async def check_rows(self, rows: list[OutboxRow]) -> dict[int, str]:
        """The delivery worker's check: an invitation or reminder that waited (quiet hours)
        goes not after the survey closed, nor a reminder to who has finished meanwhile."""
        stale: dict[int, str] = {}
        now = self._scheduler.clock.now()
        for survey_id in {row.ref_id for row in rows if row.ref_id is not None}:
            survey = await self._repo.get(survey_id)
            mine = [row for row in rows if row.ref_id == survey_id]
            if survey is None or survey.status != OPEN or now >= survey.closes_at:
                stale.update({row.id: "survey closed" for row in mine})
                continue
            users = [row.user_id for row in mine if row.user_id is not None]
            done = await self._repo.finished_among(survey_id, users)
            stale.update({row.id: "finished" for row in mine if row.user_id in done})
        return stale

    # -- closing

    async def close_in(self, conn: aiosqlite.Connection, row: SurveyRow) -> None:
        """Close (or cancel, if it never opened): a named survey's drafts become incomplete
        responses; an anonymous survey's are deleted (wiped), as an incomplete response could be
        traced by elimination to the members who never finished. The author and the hub's
        facilitators are told the counts."""
        now = self._scheduler.clock.now()
        if row.status == SCHEDULED and now < row.opens_at:  # never opened: cancelled
            await SurveyRepository.set_status(
                conn, row.id, CANCELLED, only_from=[SCHEDULED], now=now
            )
            return
        await SurveyRepository.set_status(
            conn, row.id, CLOSED, only_from=[OPEN, SCHEDULED], now=now
        )
        owners = await SurveyRepository.draft_owners(conn, row.id)
        if row.anonymous:
            await SurveyRepository.drop_drafts(conn, row.id)
            self._service.wal.request()  # runs after this transaction, under the writer's lock
        for user_id in [] if row.anonymous else owners:
            await SurveyRepository.submit(conn, row.id, user_id, anonymous=False, complete=False)
        counts = next(
            iter(
                await conn.execute_fetchall(
                    """SELECT COUNT(*), COALESCE(SUM(finished), 0) FROM survey_participants
                       WHERE survey_id = ?""",
                    (row.id,),
                )
            )
        )
        progress = SurveyProgress(counts[0], counts[1], len(owners))
        readers = [row.author_id] if row.author_id else []  # 0: the author erased their data
        if row.hub_id is not None:
            facilitators = await conn.execute_fetchall(
                """SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
                   WHERE m.hub_id = ? AND m.role = 'facilitator'
                     AND u.started_at IS NOT NULL AND u.blocked_at IS NULL
                   ORDER BY m.user_id""",
                (row.hub_id,),
            )
            readers += [r[0] for r in facilitators if r[0] != row.author_id]
        view = await self._service.view(row)
        messages = []
        for user_id in readers:
            locale, _zone = await self._reader(user_id)
            with use_locale(locale):
                text = closed_notice(view, progress, len(owners))
                markup = markup_json(results_keyboard(row.id))
            messages.append(
                NewMessage(
                    f"{CLOSED_KIND}:{row.id}:{user_id}",
                    user_id,
                    CLOSED_KIND,
                    text,
                    user_id=user_id,
                    ref_id=row.id,
                    reply_markup=markup,
                )
            )
        await OutboxRepository.add_many(conn, messages)

    async def _fire_close(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        row = await self._repo.get(schedule.ref_id, conn)
        if row is None or row.status in (CLOSED, CANCELLED):
            return "gone"
        await self.close_in(conn, row)
        return None

    async def cancel_schedules(self, survey_id: int) -> None:
        rows = await self._db.fetch_all(
            """SELECT id FROM schedules WHERE ref_id = ? AND active = 1
               AND kind IN (?, ?, ?)""",
            (survey_id, OPEN_KIND, CLOSE_KIND, REMIND_KIND),
        )
        for schedule in rows:
            await self._scheduler.cancel(schedule[0])
