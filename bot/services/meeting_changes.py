"""Meetings: moving and cancelling occurrences, and re-writing reminders when offsets change.

A mixin of ``MeetingService`` (bot/services/meetings.py), which supplies the repository, the
reminders, the group post editor and the helpers named below. A change deactivates the reminders
of the old time in the same transaction as the change itself, and tells everyone who had not
declined, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import aiosqlite

from bot.db.meetings import MeetingRepository, Person
from bot.db.outbox import OutboxRepository
from bot.i18n import _
from bot.services import meeting_fanout as fanout
from bot.services.meeting_times import local_from_text, local_text
from bot.services.meeting_types import MeetingError, OccurrenceView

if TYPE_CHECKING:
    from bot.db.database import Database
    from bot.services.meeting_post import PostEditor
    from bot.services.meeting_reminders import Reminders
    from bot.services.scheduling import Scheduler


class MeetingChanges:
    """Move and cancel meetings (mixed into ``MeetingService``)."""

    if TYPE_CHECKING:  # supplied by MeetingService
        _db: Database
        _repo: MeetingRepository
        _scheduler: Scheduler
        posts: PostEditor
        reminders: Reminders

        def now(self) -> datetime: ...
        def _check_future(self, starts_local: datetime, zone: str) -> datetime: ...
        async def _after_write(self, schedule_ids: list[int]) -> None: ...
        def writer(self, hub: object) -> fanout.Writer: ...
        async def reminder_offsets(self, conn: aiosqlite.Connection, hub_id: int) -> list[int]: ...
        async def occurrences(self, meeting_id: int) -> list[OccurrenceView]: ...

    # -- moving and cancelling

    async def move(
        self,
        occurrence_id: int,
        new_starts_local: datetime,
        *,
        whole_series: bool = False,
        by: int | None = None,
    ) -> OccurrenceView:
        """Move one occurrence, or it and every later one of its series by the same local shift.

        Tells everyone who had not declined (once), bumps SEQUENCE, re-writes the reminders.
        """
        occurrence = await self._repo.occurrence(occurrence_id)
        if occurrence is None:
            raise MeetingError(_("There is no meeting with that number."))
        if occurrence.cancelled:
            raise MeetingError(_("This meeting was cancelled."))
        if occurrence.starts_at <= self.now():
            raise MeetingError(_("This meeting has already started."))
        zone, hub_id = occurrence.meeting.timezone, occurrence.meeting.hub_id
        # A series moves by this occurrence's shift from its current time, each from its own.
        shift = new_starts_local - local_from_text(occurrence.starts_local)
        targets = [occurrence]
        if whole_series:
            targets = [
                o
                for o in await self._repo.occurrences(occurrence.meeting.id)
                if not o.cancelled and o.original_start >= occurrence.original_start
            ]
        plan = []
        for target in targets:
            local = (
                new_starts_local
                if target.id == occurrence_id
                else local_from_text(target.starts_local) + shift
            )
            plan.append((target.id, local, self._check_future(local, zone)))
        async with self._db.transaction() as conn:
            for target_id, local, starts in plan:
                await MeetingRepository.move_occurrence(conn, target_id, local_text(local), starts)
            await MeetingRepository.touch_meeting(conn, occurrence.meeting.id, self.now())
            dropped = await self.reminders.drop(conn, [t.id for t in targets])
            await self.reminders.forget(conn, [t.id for t in targets], "meeting moved")
            offsets = await self.reminder_offsets(conn, hub_id)
            added = []
            for target_id, _local_start, starts in plan:
                added += await self.reminders.add(conn, hub_id, target_id, starts, offsets)
            moved = await MeetingRepository.occurrence_in(conn, occurrence_id)
            assert moved is not None
            await self._notify(conn, moved, "series_moved" if whole_series else "moved", by)
        await self.reminders.disarm(dropped)
        await self._after_write(added)
        for target in targets:
            self.posts.touch(target.id)
        return moved

    async def offsets_changed(self, hub_id: int) -> int:
        """The hub's reminder offsets changed: re-write its upcoming meetings' reminders.

        Register it with the hub settings' ``on_offsets_changed``; returns the schedules armed.
        """
        upcoming = await self._repo.upcoming([hub_id], self.now(), 10_000)
        return await self.reminders.rewrite(hub_id, upcoming)

    async def cancel(
        self, occurrence_id: int, whole_series: bool = False, *, by: int | None = None
    ) -> OccurrenceView:
        """Cancel one occurrence, or it and every later one of its series (and the meeting)."""
        occurrence = await self._repo.occurrence(occurrence_id)
        if occurrence is None:
            raise MeetingError(_("There is no meeting with that number."))
        if occurrence.cancelled:
            raise MeetingError(_("This meeting was cancelled."))
        now = self.now()
        if occurrence.starts_at <= now:
            raise MeetingError(_("This meeting has already started."))
        targets = [occurrence_id]
        if whole_series:
            targets = [
                o.id
                for o in await self._repo.occurrences(occurrence.meeting.id)
                if not o.cancelled and o.starts_at > now
            ]
        # The meeting itself is cancelled once none of its occurrences is left (past ones stay).
        everything = all(
            o.cancelled or o.id in targets for o in await self.occurrences(occurrence.meeting.id)
        )
        async with self._db.transaction() as conn:
            await MeetingRepository.cancel_occurrences(conn, targets)
            await MeetingRepository.touch_meeting(
                conn, occurrence.meeting.id, now, cancel=everything
            )
            dropped = await self.reminders.drop(conn, targets)
            await self.reminders.forget(conn, targets, "meeting cancelled")
            cancelled = await MeetingRepository.occurrence_in(conn, occurrence_id)
            assert cancelled is not None
            await self._notify(conn, cancelled, "series" if whole_series else "cancelled", by)
        await self.reminders.disarm(dropped)
        self._scheduler.notify_written()
        for target in targets:
            self.posts.touch(target)
        return cancelled

    async def _notify(
        self, conn: aiosqlite.Connection, occurrence: OccurrenceView, what: str, by: int | None
    ) -> None:
        """Tell every member who had not declined that the meeting moved or was cancelled."""
        hub = await MeetingRepository.hub_of(conn, occurrence.meeting.hub_id)
        assert hub is not None
        people: list[Person] = [
            p
            for p in await MeetingRepository.people(conn, hub["id"], occurrence.id)
            if p.answer != "no" and p.user_id != by  # the one who changed it knows
        ]
        headings = {
            "moved": lambda: _("🔁 This meeting has a new time:"),
            "series_moved": lambda: _(
                "🔁 This meeting and the rest of its series have a new time:"
            ),
            "cancelled": lambda: _("❌ This meeting is cancelled:"),
            "series": lambda: _("❌ This meeting and the rest of its series are cancelled:"),
        }
        rows = self.writer(hub).rows(
            people,
            kind=fanout.CHANGE_KIND,
            key=f"{fanout.CHANGE_KIND}:{occurrence.id}:{occurrence.sequence}",
            occurrence=occurrence,
            heading=headings[what],
            buttons=what in ("moved", "series_moved"),
            holdable=False,
        )
        await OutboxRepository.add_many(conn, rows)
