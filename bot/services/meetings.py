"""Meetings: create (a series materialised in local time), read, RSVP, the group post.

Occurrences are stored with their local start and its UTC instant, computed in the meeting's
zone, so a weekly series keeps 18:00 across a daylight-saving change. Each (occurrence, offset)
reminder is one ``once`` schedule; moving or cancelling deactivates them in the same transaction
as the change, so a reminder of a time that no longer holds never fires (bot/services/
meeting_changes.py).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import aiosqlite
from telegram import Bot, InlineKeyboardMarkup

from bot.db.database import Database
from bot.db.hubs import HubRepository
from bot.db.meetings import MeetingRepository
from bot.db.memberships import Member, MembershipRepository
from bot.db.outbox import NewMessage, OutboxRepository
from bot.i18n import _
from bot.services import meeting_fanout as fanout
from bot.services.meeting_changes import MeetingChanges
from bot.services.meeting_post import PostEditor
from bot.services.meeting_reminders import Reminders
from bot.services.meeting_times import local_text, parse_offsets, series, to_utc
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


class MeetingService(MeetingChanges):
    """Create meetings, read them, take RSVPs; moving and cancelling live in MeetingChanges."""

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
