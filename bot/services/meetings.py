"""Meetings: create (a series materialised in local time), RSVP, move, cancel, reminders.

Occurrences are stored with their local start and its UTC instant, computed in the meeting's
zone, so a weekly series keeps 18:00 across a daylight-saving change. Each (occurrence, offset)
reminder is one ``once`` schedule; moving or cancelling deactivates them in the same transaction
as the change, so a reminder of a time that no longer holds never fires.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import aiosqlite
from telegram import Bot, InlineKeyboardMarkup

from bot.db.database import Database
from bot.db.hubs import HubRepository
from bot.db.meetings import MeetingRepository, Person
from bot.db.memberships import Member, MembershipRepository
from bot.db.outbox import NewMessage, OutboxRepository
from bot.i18n import _
from bot.services import meeting_fanout as fanout
from bot.services.meeting_post import PostEditor
from bot.services.meeting_reminders import Reminders
from bot.services.meeting_times import (
    local_from_text,
    local_text,
    parse_offsets,
    series,
    to_utc,
)
from bot.services.meeting_types import (
    Attendee,
    MeetingError,
    MeetingView,
    OccurrenceView,
    RsvpCounts,
    check_duration,
    check_place,
    check_title,
)
from bot.services.scheduling import Scheduler

REMINDER_GRACE = timedelta(days=400)  # the handler itself skips a reminder once the start passed


class MeetingService:
    def __init__(
        self,
        db: Database,
        meetings: MeetingRepository,
        hubs: HubRepository,
        memberships: MembershipRepository,
        scheduler: Scheduler,
        bot: Bot,
        *,
        default_locale: str,
        edit_interval: float = 3.0,
    ) -> None:
        self._db = db
        self._repo = meetings
        self._hubs = hubs
        self._memberships = memberships
        self._scheduler = scheduler
        self._default_locale = default_locale
        self.posts = PostEditor(
            bot,
            self._post_render,
            self._post_sent_text,
            remember=self._repo.set_post_text,
            interval=edit_interval,
        )
        self.reminders = Reminders(self, scheduler)
        scheduler.register(fanout.REMINDER_KIND, self.reminders.fire, grace=REMINDER_GRACE)

    @property
    def db(self) -> Database:
        return self._db

    def now(self) -> datetime:
        return self._scheduler.clock.now()

    # -- reading

    async def get(self, meeting_id: int) -> MeetingView | None:
        return await self._repo.meeting(meeting_id)

    async def occurrence(self, occurrence_id: int) -> OccurrenceView | None:
        return await self._repo.occurrence(occurrence_id)

    async def occurrences(self, meeting_id: int) -> list[OccurrenceView]:
        return await self._repo.occurrences(meeting_id)

    async def upcoming(self, hub_ids: list[int], limit: int = 20) -> list[OccurrenceView]:
        return await self._repo.upcoming(list(hub_ids), self.now(), limit)

    async def next_occurrence(self, meeting_id: int) -> OccurrenceView | None:
        now = self.now()
        for occurrence in await self._repo.occurrences(meeting_id):
            if not occurrence.cancelled and occurrence.starts_at > now:
                return occurrence
        return None

    async def answer_of(self, occurrence_id: int, user_id: int) -> str | None:
        return await self._repo.answer_of(occurrence_id, user_id)

    async def answers_of(self, occurrence_ids: list[int], user_id: int) -> dict[int, str]:
        return await self._repo.answers_of(occurrence_ids, user_id)

    async def counts(self, occurrence_id: int) -> RsvpCounts:
        return await self._repo.counts(occurrence_id)

    async def answers(self, occurrence_id: int) -> dict[str, list[Attendee]]:
        """The facilitators' view: who said yes, maybe, no."""
        return await self._repo.answers(occurrence_id)

    async def attendees(self, occurrence_id: int) -> list[Attendee]:
        """Those who said Going (the attendance checklist's pre-fill)."""
        return (await self._repo.answers(occurrence_id))["yes"]

    async def members_of(self, hub_id: int) -> list[Member]:
        return await self._memberships.members_of(hub_id)

    async def reminder_offsets(self, conn: aiosqlite.Connection, hub_id: int) -> list[int]:
        hub = await MeetingRepository.hub_of(conn, hub_id)
        return parse_offsets(hub["reminder_offsets"] if hub else None) if hub else []

    # -- creating

    async def create(
        self,
        *,
        hub_id: int,
        author_id: int | None,
        title: str,
        place: str,
        starts_local: datetime,
        duration: timedelta,
        repeat_weeks: int = 0,
        repeat_until: date | None = None,
    ) -> MeetingView:
        hub = await self._hubs.get(hub_id)
        if hub is None:
            raise MeetingError(_("This hub no longer exists."))
        title, place = check_title(title), check_place(place)
        duration = check_duration(duration)
        starts = self._check_future(starts_local, hub.timezone)
        locals_ = series(starts_local, repeat_weeks, repeat_until)
        now = self.now()
        async with self._db.transaction() as conn:
            meeting_id = await MeetingRepository.insert_meeting(
                conn,
                hub_id=hub.id,
                author_id=author_id,
                title=title,
                place=place,
                timezone=hub.timezone,
                duration=duration,
                repeat_weeks=repeat_weeks if repeat_until else 0,
                repeat_until=repeat_until if repeat_weeks else None,
                uid=f"{uuid.uuid4()}@mentorhub",
                now=now,
            )
            ids = []
            for local in locals_:
                ids.append(
                    await MeetingRepository.insert_occurrence(
                        conn, meeting_id, local_text(local), to_utc(local, hub.timezone)
                    )
                )
            offsets = await self.reminder_offsets(conn, hub.id)
            schedule_ids = []
            for occurrence_id, local in zip(ids, locals_, strict=True):
                schedule_ids += await self.reminders.add(
                    conn, hub.id, occurrence_id, to_utc(local, hub.timezone), offsets
                )
            first = await MeetingRepository.occurrence_in(conn, ids[0])
            assert first is not None
            await self._announce(conn, first)
        await self._after_write(schedule_ids)
        assert starts is not None
        meeting = await self._repo.meeting(meeting_id)
        assert meeting is not None
        return meeting

    def _check_future(self, starts_local: datetime, zone: str) -> datetime:
        starts = to_utc(starts_local, zone)
        if starts <= self.now():
            raise MeetingError(_("That time has already passed. Choose a time in the future."))
        return starts

    async def _after_write(self, schedule_ids: list[int]) -> None:
        for schedule_id in schedule_ids:
            await self._scheduler.arm(schedule_id)
        self._scheduler.notify_written()

    def writer(self, hub: object) -> fanout.Writer:
        return fanout.Writer(
            default_locale=self._default_locale,
            hub_locale=hub["locale"],  # type: ignore[index]
            hub_zone=hub["timezone"],  # type: ignore[index]
        )

    async def _announce(self, conn: aiosqlite.Connection, occurrence: OccurrenceView) -> None:
        """The group post, and a private copy to every member, with RSVP buttons."""
        hub = await MeetingRepository.hub_of(conn, occurrence.meeting.hub_id)
        assert hub is not None
        rows: list[NewMessage] = []
        if hub["chat_id"] is not None and hub["detached_at"] is None:
            rows.append(self._post_row(occurrence, hub, RsvpCounts()))
        people = await MeetingRepository.people(conn, hub["id"], occurrence.id)
        rows += self.writer(hub).rows(
            people,
            kind=fanout.INVITE_KIND,
            key=f"{fanout.INVITE_KIND}:{occurrence.id}",
            occurrence=occurrence,
            heading=lambda: _("A new meeting in your hub:"),
        )
        await OutboxRepository.add_many(conn, rows)

    def _post_row(self, occurrence: OccurrenceView, hub: object, counts: RsvpCounts) -> NewMessage:
        from bot import i18n

        with i18n.use_locale(hub["locale"]):  # type: ignore[index]
            text = fanout.post_text(occurrence, hub["timezone"], counts)  # type: ignore[index]
            markup = fanout.markup_json(fanout.rsvp_keyboard(occurrence.id, calendar=False))
        return NewMessage(
            key=f"{fanout.POST_KIND}:{occurrence.id}",
            chat_id=hub["chat_id"],  # type: ignore[index]
            kind=fanout.POST_KIND,
            ref_id=occurrence.id,
            text=text,
            reply_markup=markup,
        )

    # -- RSVP

    async def rsvp(self, occurrence_id: int, user_id: int, answer: str) -> RsvpCounts:
        if answer not in ("yes", "maybe", "no"):
            raise MeetingError(_("This button is no longer valid."))
        occurrence = await self._repo.occurrence(occurrence_id)
        if occurrence is None:
            raise MeetingError(_("This meeting no longer exists."))
        if occurrence.cancelled:
            raise MeetingError(_("This meeting was cancelled."))
        if occurrence.starts_at <= self.now():
            raise MeetingError(_("This meeting has already started."))
        if await self._memberships.role(occurrence.meeting.hub_id, user_id) is None:
            raise MeetingError(_("Only members of this hub can answer."))
        await self._repo.set_rsvp(occurrence_id, user_id, answer, self.now())
        if answer == "no":  # a reminder already written for them does not go out
            async with self._db.transaction() as conn:
                await self.reminders.forget(conn, [occurrence_id], "declined", user_id=user_id)
        self.posts.touch(occurrence_id)
        return await self._repo.counts(occurrence_id)

    # -- the group post

    async def _post_render(
        self, occurrence_id: int
    ) -> tuple[int, int, str, InlineKeyboardMarkup | None] | None:
        from bot import i18n

        chat_id, message_id = await self._repo.group_message(occurrence_id)
        occurrence = await self._repo.occurrence(occurrence_id)
        if chat_id is None or message_id is None or occurrence is None:
            return None
        hub = await self._hubs.get(occurrence.meeting.hub_id)
        assert hub is not None
        counts = await self._repo.counts(occurrence_id)
        with i18n.use_locale(hub.locale):
            text = fanout.post_text(occurrence, hub.timezone, counts)
            markup = (
                None
                if occurrence.cancelled
                else fanout.rsvp_keyboard(occurrence.id, calendar=False)
            )
        return chat_id, message_id, text, markup

    async def on_post_progress(self, occurrence_ids: set[int]) -> None:
        """A group post was sent: bring its counts up to date (answers may have come first)."""
        for occurrence_id in occurrence_ids:
            self.posts.touch(occurrence_id)

    async def _post_sent_text(self, occurrence_id: int) -> str | None:
        return await self._repo.post_text(occurrence_id, f"{fanout.POST_KIND}:{occurrence_id}")

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
