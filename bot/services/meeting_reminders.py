"""Meeting reminders: one ``once`` schedule per (occurrence, offset), fanned out when due.

A reminder goes to the members who have not declined, in each one's language and zone. The last
reminder before the start is not holdable (it goes through quiet hours); the others are. After
an outage only the latest due reminder of an occurrence goes out (none if the next one comes
soon), saying the time actually left, and none once it started.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiosqlite

from bot.db.meetings import MeetingRepository
from bot.db.outbox import OutboxRepository, OutboxRow
from bot.db.schedules import ScheduleRow
from bot.services import meeting_fanout as fanout
from bot.services.meeting_types import OccurrenceView
from bot.services.scheduling import Scheduler

if TYPE_CHECKING:
    from bot.services.meetings import MeetingService

STARTED = "started"
GONE = "gone"
SUPERSEDED = "superseded"
# A reminder fired more than this after its time (an outage) says the time left, not its offset.
LATE = timedelta(minutes=5)


def _minutes_left(left: timedelta) -> int:
    """The time left in whole minutes, rounded to the hour from two hours on."""
    minutes = max(1, round(left.total_seconds() / 60))
    return round(minutes / 60) * 60 if minutes >= 120 else minutes


class Reminders:
    def __init__(self, service: MeetingService, scheduler: Scheduler) -> None:
        self._service = service
        self._scheduler = scheduler

    async def add(
        self,
        conn: aiosqlite.Connection,
        hub_id: int,
        occurrence_id: int,
        starts_at: datetime,
        offsets: list[int],
    ) -> list[int]:
        now, out = self._service.now(), []
        for offset in offsets:
            moment = starts_at - timedelta(minutes=offset)
            if moment <= now:
                continue
            out.append(
                await self._scheduler.add(
                    conn,
                    kind=fanout.REMINDER_KIND,
                    ref_id=occurrence_id,
                    hub_id=hub_id,
                    rule="once",
                    at_local=moment.strftime("%Y-%m-%d %H:%M"),
                    timezone="UTC",
                )
            )
        return out

    async def fire(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        occurrence = await MeetingRepository.occurrence_in(conn, schedule.ref_id)
        if occurrence is None or occurrence.cancelled:
            return GONE
        now = self._service.now()
        if occurrence.starts_at <= now:
            return STARTED
        offset = round((occurrence.starts_at - moment).total_seconds() / 60)
        if offset <= 0:
            return GONE
        later = await MeetingRepository.later_schedules(
            conn, fanout.REMINDER_KIND, occurrence.id, schedule.id, moment
        )
        if any(fire <= now for fire in later):
            return SUPERSEDED  # a later reminder is due too (after an outage): it alone goes
        left = occurrence.starts_at - now
        late = now - moment > LATE
        if late and any(fire - now <= left / 2 for fire in later):
            return SUPERSEDED  # late, and the next reminder comes soon: it alone goes
        # Late after an outage, the heading says the time actually left, not the offset.
        minutes = _minutes_left(left) if late else offset
        hub = await MeetingRepository.hub_of(conn, occurrence.meeting.hub_id)
        assert hub is not None
        people = [
            p
            for p in await MeetingRepository.people(conn, hub["id"], occurrence.id)
            if p.answer != "no"
        ]
        version = f"{offset}s{occurrence.sequence}" if occurrence.sequence else str(offset)
        rows = self._service.writer(hub).rows(
            people,
            kind=fanout.REMINDER_KIND,
            key=f"{fanout.REMINDER_KIND}:{occurrence.id}:{version}",
            occurrence=occurrence,
            heading=lambda: fanout.reminder_heading(minutes),
            # The last reminder before the start goes through quiet hours.
            holdable=bool(later),
        )
        await OutboxRepository.add_many(conn, rows)
        return None

    async def check(self, rows: list[OutboxRow]) -> dict[int, str]:
        """The delivery worker's check: reminder rows of a cancelled or started meeting go not."""
        now, stale = self._service.now(), {}
        for occurrence_id in {row.ref_id for row in rows if row.ref_id is not None}:
            occurrence = await self._service.occurrence(occurrence_id)
            reason = None
            if occurrence is None or occurrence.cancelled:
                reason = "meeting cancelled"
            elif occurrence.starts_at <= now:
                reason = "meeting started"
            if reason is not None:
                stale.update({row.id: reason for row in rows if row.ref_id == occurrence_id})
        return stale

    async def forget(
        self,
        conn: aiosqlite.Connection,
        occurrence_ids: list[int],
        reason: str,
        *,
        user_id: int | None = None,
    ) -> int:
        """Cancel reminders already written to the outbox (pending or held), in the change's
        transaction: all of these occurrences', or one member's."""
        return await OutboxRepository.cancel_pending(
            conn, fanout.REMINDER_KIND, occurrence_ids, reason, user_id=user_id
        )

    async def drop(self, conn: aiosqlite.Connection, occurrence_ids: list[int]) -> list[int]:
        """Deactivate the occurrences' reminders (in the change's transaction); their ids."""
        return await MeetingRepository.drop_schedules(conn, fanout.REMINDER_KIND, occurrence_ids)

    async def disarm(self, schedule_ids: list[int]) -> None:
        for schedule_id in schedule_ids:
            await self._scheduler.cancel(schedule_id)

    async def rewrite(self, hub_id: int, upcoming: list[OccurrenceView]) -> int:
        """Drop and write again the reminders of these occurrences (new offsets); none late."""
        service = self._service
        async with service.db.transaction() as conn:
            dropped = await self.drop(conn, [o.id for o in upcoming])
            offsets = await service.reminder_offsets(conn, hub_id)
            added = []
            for occurrence in upcoming:
                added += await self.add(conn, hub_id, occurrence.id, occurrence.starts_at, offsets)
        await self.disarm(dropped)
        for schedule_id in added:
            await self._scheduler.arm(schedule_id)
        return len(added)
