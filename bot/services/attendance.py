"""Attendance after a meeting, and the feedback requests that follow it.

A facilitator of the meeting's hub (or a network admin) marks who came once the occurrence has
started; saving replaces the occurrence's attendance and stamps ``attendance_at``. If the hub
turned feedback on (``hubs.meeting_feedback``), the same transaction asks every member marked
present, once (a later save asks only those newly marked), through the outbox: kind
``meeting_feedback``, key ``meeting_feedback:<occurrence>:<user>``, holdable (quiet hours may hold
it). Feedback is requested after attendance is saved, never guessed from RSVPs: only people known
to have come are asked. Answers close ``FEEDBACK_OPEN`` after the first request.

An answer (a rating 1–5, an optional sentence, signed or not) is stored apart from the request,
in one transaction that flips the request to answered only if it was not: a second answer is
refused. An unsigned answer carries no member id, and no query joins requests and answers.

Requests go out one save at a time (a later save asks only those newly marked present), so the
results must not tell one unsigned answer from the next: unsigned ratings and sentences (and the
"answered of asked" counter) show only once at least ``MIN_ANONYMOUS`` unsigned answers exist.
Signed answers show at once: their authors chose to be known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n
from bot.db.attendance import AttendanceRepository, FeedbackAnswer, RequestCounts
from bot.db.database import Database
from bot.db.meetings import MeetingRepository
from bot.db.memberships import Member
from bot.db.outbox import NewMessage, OutboxRepository, Status
from bot.i18n import _
from bot.services import meeting_fanout as fanout
from bot.services.access import AccessService
from bot.services.meeting_types import OccurrenceView
from bot.services.meetings import MeetingService
from bot.services.scheduling import Scheduler

KIND = "meeting_feedback"
FEEDBACK_OPEN = timedelta(days=7)
MAX_COMMENT = 500  # characters of the one optional sentence
RATINGS = (1, 2, 3, 4, 5)
RECENT = timedelta(days=30)  # /attendance and /feedback without a number offer these meetings
RECENT_LIMIT = 8
MIN_ANONYMOUS = 3  # unsigned answers needed before any of them (or the counter) shows


class AttendanceError(Exception):
    """A refused attendance or feedback action; ``reason`` says why (the handler words it).

    Reasons: 'unknown', 'refused', 'cancelled', 'not-started', 'not-asked', 'answered',
    'closed', 'empty', 'too-long'.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Saved:
    present: int
    total: int
    asked: int  # members asked for feedback by this save
    feedback_on: bool


@dataclass(frozen=True, slots=True)
class Results:
    occurrence: OccurrenceView
    counts: RequestCounts
    answers: list[FeedbackAnswer]  # those that may show: signed ones, unsigned ones if enough
    feedback_on: bool
    anonymous_shown: bool  # at least MIN_ANONYMOUS unsigned answers: they (and counts) show

    @property
    def average(self) -> float | None:
        if not self.answers:
            return None
        return sum(a.rating for a in self.answers) / len(self.answers)


def rating_keyboard(occurrence_id: int) -> InlineKeyboardMarkup:
    """1 to 5, one row (digits read the same in every language)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    str(n), callback_data=callbacks.pack("mf", "r", occurrence_id, n)
                )
                for n in RATINGS
            ]
        ]
    )


def request_text(occurrence: OccurrenceView, zone: str) -> str:
    """The private request, in the current locale, with the meeting's time in ``zone``."""
    meeting = occurrence.meeting
    return "\n\n".join(
        [
            _(
                "💬 How was <b>{title}</b> ({date})?",
                title=meeting.title,
                date=i18n.format_date(occurrence.starts_at, zone),
            ),
            _(
                "Rate it from 1 (not useful) to 5 (very useful). "
                "Your answer stays anonymous unless you choose to sign it."
            ),
        ]
    )


class AttendanceService:
    def __init__(
        self,
        db: Database,
        repository: AttendanceRepository,
        meetings: MeetingService,
        access: AccessService,
        scheduler: Scheduler,
        *,
        default_locale: str,
    ) -> None:
        self._db = db
        self._repo = repository
        self._meetings = meetings
        self._access = access
        self._scheduler = scheduler
        self._default_locale = default_locale

    def now(self) -> datetime:
        return self._scheduler.clock.now().replace(microsecond=0)

    # -- which occurrence, and may this person take its attendance

    async def latest_started(self, meeting_id: int) -> OccurrenceView | None:
        """The meeting's last occurrence that has started (not cancelled), else its next one."""
        occurrences = [o for o in await self._meetings.occurrences(meeting_id) if not o.cancelled]
        started = [o for o in occurrences if o.starts_at <= self.now()]
        if started:
            return started[-1]
        return occurrences[0] if occurrences else None

    async def recent(self, user_id: int) -> list[OccurrenceView]:
        """Meetings of the last ``RECENT`` in the hubs this person runs, latest first."""
        hubs = [hub.id for hub in await self._access.facilitated_hubs(user_id)]
        now = self.now()
        ids = await self._repo.recent(hubs, now - RECENT, now, RECENT_LIMIT)
        found = [await self._meetings.occurrence(occurrence_id) for occurrence_id in ids]
        return [o for o in found if o is not None]

    async def managed(self, occurrence_id: int, user_id: int) -> OccurrenceView:
        """The occurrence if ``user_id`` may take its attendance now; AttendanceError if not."""
        occurrence = await self._meetings.occurrence(occurrence_id)
        if occurrence is None:
            raise AttendanceError("unknown")
        if not await self._access.can_facilitate(occurrence.meeting.hub_id, user_id):
            self._access.refused("attendance", user_id, occurrence.meeting.hub_id)
            raise AttendanceError("refused")
        if occurrence.cancelled:
            raise AttendanceError("cancelled")
        if occurrence.starts_at > self.now():
            raise AttendanceError("not-started")
        return occurrence

    async def members(self, hub_id: int) -> list[Member]:
        """The checklist's people: facilitators first, then members by name."""
        return await self._meetings.members_of(hub_id)

    async def initial_marks(self, occurrence: OccurrenceView) -> set[int]:
        """Saved attendance if there is one; otherwise those who answered Going."""
        members = {m.user.id for m in await self.members(occurrence.meeting.hub_id)}
        if occurrence.attendance_at is not None:
            saved = await self._repo.marks(occurrence.id)
            return {user_id for user_id, present in saved.items() if present} & members
        return {a.id for a in await self._meetings.attendees(occurrence.id)} & members

    async def marks(self, occurrence_id: int) -> dict[int, bool]:
        return await self._repo.marks(occurrence_id)

    # -- saving

    async def save(self, occurrence_id: int, user_id: int, present: set[int]) -> Saved:
        """Record who came (members of the hub only) and ask those present for feedback."""
        occurrence = await self.managed(occurrence_id, user_id)
        hub_id = occurrence.meeting.hub_id
        members = [m.user.id for m in await self.members(hub_id)]
        marks = {member: member in present for member in members}
        now = self.now()
        async with self._db.transaction() as conn:
            await AttendanceRepository.save_in(conn, occurrence.id, marks, now)
            feedback_on = await AttendanceRepository.feedback_on_in(conn, hub_id)
            asked: list[int] = []
            if feedback_on:
                came = [member for member, here in marks.items() if here]
                asked = await AttendanceRepository.add_requests_in(conn, occurrence.id, came, now)
                if asked:
                    await OutboxRepository.add_many(
                        conn, await self._request_rows(conn, occurrence, set(asked))
                    )
        if asked:
            self._scheduler.notify_written()
        return Saved(sum(marks.values()), len(marks), len(asked), feedback_on)

    async def _request_rows(
        self, conn: aiosqlite.Connection, occurrence: OccurrenceView, asked: set[int]
    ) -> list[NewMessage]:
        hub = await MeetingRepository.hub_of(conn, occurrence.meeting.hub_id)
        assert hub is not None
        writer = self._meetings.writer(hub)
        people = [
            p
            for p in await MeetingRepository.people(conn, hub["id"], occurrence.id)
            if p.user_id in asked
        ]
        rendered: dict[tuple[str, str], tuple[str, str]] = {}
        rows = []
        for person in people:
            locale, zone = writer.locale_of(person), writer.zone_of(person)
            if (locale, zone) not in rendered:
                with i18n.use_locale(locale):
                    text = request_text(occurrence, zone)
                    markup = json.dumps(rating_keyboard(occurrence.id).to_dict())
                rendered[(locale, zone)] = (text, markup)
            text, markup = rendered[(locale, zone)]
            rows.append(
                NewMessage(
                    key=f"{KIND}:{occurrence.id}:{person.user_id}",
                    chat_id=person.user_id,
                    user_id=person.user_id,
                    kind=KIND,
                    ref_id=occurrence.id,
                    text=text,
                    reply_markup=markup,
                    status=Status.BLOCKED if person.blocked else Status.PENDING,
                    reason="blocked the bot" if person.blocked else None,
                    holdable=True,
                )
            )
        return rows

    # -- answering

    async def open_request(self, occurrence_id: int, user_id: int) -> OccurrenceView:
        """The occurrence if ``user_id`` was asked, has not answered, and it is still open."""
        occurrence = await self._meetings.occurrence(occurrence_id)
        answered = await self._repo.request(occurrence_id, user_id)
        if occurrence is None or answered is None:
            raise AttendanceError("not-asked")
        if answered:
            raise AttendanceError("answered")
        opened = occurrence.feedback_at or occurrence.attendance_at or occurrence.ends_at
        if self.now() > opened + FEEDBACK_OPEN:
            raise AttendanceError("closed")
        return occurrence

    @staticmethod
    def check_comment(text: str) -> str:
        text = " ".join(text.split())
        if not any(ch.isalnum() for ch in text):
            raise AttendanceError("empty")
        if len(text) > MAX_COMMENT:
            raise AttendanceError("too-long")
        return text

    async def answer(
        self, occurrence_id: int, user_id: int, rating: int, comment: str | None, *, signed: bool
    ) -> OccurrenceView:
        """Store one answer; a second one (or one after the request closed) is refused."""
        if rating not in RATINGS:
            raise AttendanceError("not-asked")
        occurrence = await self.open_request(occurrence_id, user_id)
        if comment is not None:
            comment = self.check_comment(comment)
        async with self._db.transaction() as conn:
            stored = await AttendanceRepository.answer_in(
                conn, occurrence_id, user_id, rating=rating, comment=comment, signed=signed
            )
        if not stored:
            raise AttendanceError("answered")
        return occurrence

    # -- results

    async def results(self, occurrence: OccurrenceView) -> Results:
        """What a facilitator may see: unsigned answers only once there are enough of them."""
        answers = await self._repo.answers(occurrence.id)
        unsigned = sum(1 for a in answers if a.signer is None)
        shown = unsigned >= MIN_ANONYMOUS
        return Results(
            occurrence,
            await self._repo.request_counts(occurrence.id),
            answers if shown else [a for a in answers if a.signer is not None],
            await self._repo.feedback_on(occurrence.meeting.hub_id),
            shown,
        )

    async def feedback_on(self, hub_id: int) -> bool:
        return await self._repo.feedback_on(hub_id)


def card(occurrence: OccurrenceView, zone: str, heading: str) -> str:
    return fanout.card(occurrence, zone, heading=heading)
