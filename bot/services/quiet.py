"""Quiet hours and pauses: members keep control of their phones.

Holdable outbox rows (prompts, nudges, non-urgent announcements) addressed to a member are held
back, not dropped, while the member is in quiet hours (any holdable row) or paused (prompts and
nudges only). The delivery worker asks ``hold_rows`` about each page of due holdable rows: the
decision is taken when a row becomes due, with the member's settings of that moment and the
scheduler's clock, and written as the row's ``held_until``. Held rows are invisible to the
worker (partial indexes), so they neither slow it nor block later rows to the same chat. A
repeating job releases rows whose time has come; a member changing quiet hours, pause or zone
releases all of theirs. Either way the worker decides again, so a row released early is simply
held again, and rows go out in their original order.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram.ext import ContextTypes, JobQueue

from bot.clock import Clock
from bot.db.outbox import OutboxRepository, OutboxRow
from bot.db.quiet import QuietRepository, QuietSettings
from bot.i18n import _

log = logging.getLogger(__name__)

# Kinds a pause holds back; quiet hours hold every holdable row (announcements too).
PAUSED_KINDS = frozenset({"prompt", "nudge"})
RELEASE_SECONDS = 60
MAX_PAUSE_DAYS = 365
# The presets offered as buttons: (start, end).
PRESETS = (("21:00", "08:00"), ("22:00", "07:00"), ("23:00", "07:00"))
PAUSE_PRESETS = (3, 7, 14)  # days

_TIME = r"([01]?\d|2[0-3])[:.h]([0-5]\d)"
_RANGE = re.compile(rf"^{_TIME}\s*(?:-|–|—|to)\s*{_TIME}$", re.IGNORECASE)
_DURATION = re.compile(r"^(\d{1,4})\s*(d|days?|w|weeks?)$", re.IGNORECASE)
_UNTIL = re.compile(r"^(?:until\s+)?(\d{4})-(\d{2})-(\d{2})$", re.IGNORECASE)


# Loose shapes of the forms, to tell a mistyped range or pause (answered with the form) from
# other text typed while /quiet or /pause waits (left to the handlers after them).
_RANGE_LIKE = re.compile(r"^\d{1,2}[:.h]\d{1,2}\s*(?:-|–|—|to)\s*\d{1,2}[:.h]\d{1,2}$", re.I)
_PAUSE_LIKE = re.compile(
    r"^(?:\d{1,6}\s*(?:d|days?|w|weeks?)|(?:until\s+)?\d{4}-\d{1,2}-\d{1,2})$", re.I
)


def looks_like_range(text: str) -> bool:
    """Whether typed text is meant as quiet hours ('off', or two times), right or not."""
    return is_off(text) or _RANGE_LIKE.match(" ".join(text.split())) is not None


def looks_like_pause(text: str) -> bool:
    """Whether typed text is meant as a pause ('off', 7d, 2w, until a date), right or not."""
    return is_off(text) or _PAUSE_LIKE.match(" ".join(text.split())) is not None


class QuietError(Exception):
    """Input that cannot become quiet hours or a pause; ``message`` says why, localised."""

    def __init__(self, code: str, text: str = "", example: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.text = text
        self.example = example  # a date to pause until, for the message (see example_date)

    @property
    def message(self) -> str:
        if self.code == "zero":
            return _(
                "Quiet hours need a start and an end that differ, like /quiet 21:00-08:00. "
                "Nothing was changed."
            )
        if self.code == "range":
            return _(
                "I couldn't read {text} as quiet hours. Send a range of two times from 00:00 to "
                "23:59, like /quiet 21:00-08:00, or /quiet off. Nothing was changed.",
                text=self.text,
            )
        if self.code == "too-long":
            return _(
                "A pause can last at most a year. Send /pause 7d, /pause 2w or /pause until "
                "{example}. Nothing was changed.",
                example=self.example,
            )
        if self.code == "past":
            return _(
                "{date} has already passed. Send a date from today on, like /pause until "
                "{example}. Nothing was changed.",
                date=self.text,
                example=self.example,
            )
        return _(
            "I couldn't read {text} as a pause. Send /pause 7d (days), /pause 2w (weeks), "
            "/pause until {example} or /pause off. Nothing was changed.",
            text=self.text,
            example=self.example,
        )


def example_date(now: datetime, zone: ZoneInfo) -> str:
    """A date to pause until, as typed: three weeks from the member's today ('2026-12-27')."""
    return (now.astimezone(zone).date() + timedelta(days=21)).isoformat()


def is_off(text: str) -> bool:
    """'off' in English or in the reader's language."""
    word = text.strip().casefold()
    return word in ("off", "0", _("off").casefold())


def _hhmm(hour: str, minute: str) -> str:
    return f"{int(hour):02d}:{minute}"


def parse_range(text: str) -> tuple[str, str]:
    """'21:00-08:00' (also '21.00 – 8.00', '9:00 to 17:00') as ('21:00', '08:00')."""
    match = _RANGE.match(text.strip())
    if match is None:
        raise QuietError("range", text.strip())
    start, end = _hhmm(*match.group(1, 2)), _hhmm(*match.group(3, 4))
    if start == end:
        raise QuietError("zero", text.strip())
    return start, end


def _minutes(hhmm: str) -> int:
    hour, minute = hhmm.split(":")
    return int(hour) * 60 + int(minute)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first moment after ``day`` in ``zone`` (midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)


def parse_pause(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """'7d', '2 weeks', 'until 2026-12-27' (the end of that day in ``zone``) as a UTC moment."""
    cleaned = " ".join(text.split())
    example = example_date(now, zone)
    duration = _DURATION.match(cleaned)
    if duration is not None:
        count = int(duration.group(1))
        days = count * (7 if duration.group(2).lower().startswith("w") else 1)
        if count == 0:
            raise QuietError("pause", cleaned, example)
        if days > MAX_PAUSE_DAYS:
            raise QuietError("too-long", cleaned, example)
        return now + timedelta(days=days)
    until = _UNTIL.match(cleaned)
    if until is None:
        raise QuietError("pause", cleaned, example)
    try:
        day = date(*(int(part) for part in until.group(1, 2, 3)))
    except ValueError:
        raise QuietError("pause", cleaned, example) from None
    if day < now.astimezone(zone).date():
        raise QuietError("past", day.isoformat(), example)
    moment = end_of_day(day, zone)
    if moment - now > timedelta(days=MAX_PAUSE_DAYS + 1):
        raise QuietError("too-long", cleaned, example)
    return moment


def quiet_until(start: str, end: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """If ``now`` falls in the quiet hours start-end (local, may cross midnight), when they end."""
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    first, last = _minutes(start), _minutes(end)
    inside = first <= minute < last if first < last else (minute >= first or minute < last)
    if not inside:
        return None
    day = local.date()
    if minute >= last:  # overnight, before midnight: they end tomorrow
        day += timedelta(days=1)
    # A local end inside a DST gap (it does not exist that day) comes out an hour later.
    ends = datetime.combine(day, time(last // 60, last % 60), tzinfo=zone).astimezone(UTC)
    return ends if ends > now else None


def held_until(
    settings: QuietSettings, kind: str, now: datetime, zone: ZoneInfo
) -> datetime | None:
    """Until when a holdable row of ``kind`` to this member waits, or None: send it now.

    A pause (prompts and nudges) and quiet hours chain: a pause that ends at night gives way to
    the quiet hours, which end in the morning.
    """
    until = now
    for _step in range(4):
        later = until
        paused = settings.paused_until
        if kind in PAUSED_KINDS and paused is not None and paused > later:
            later = paused
        if settings.quiet_start and settings.quiet_end:
            quiet = quiet_until(settings.quiet_start, settings.quiet_end, later, zone)
            if quiet is not None:
                later = quiet
        if later == until:
            break
        until = later
    return until if until > now else None


class QuietService:
    def __init__(
        self,
        repository: QuietRepository,
        outbox: OutboxRepository,
        clock: Clock,
        *,
        default_timezone: str,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._repository = repository
        self._outbox = outbox
        self._clock = clock
        self._default_timezone = default_timezone
        self._wake = wake
        # Members with quiet hours or a pause (derived from the table, read once): the worker's
        # hook asks the database only about them, so a page for nobody in particular costs a
        # set lookup per row and no round trip.
        self._members: set[int] | None = None
        self._loading = asyncio.Lock()

    def now(self) -> datetime:
        """The scheduler's clock: holds and releases agree with it (a MovableClock in tests)."""
        return self._clock.now()

    def zone(self, settings: QuietSettings | None) -> ZoneInfo:
        name = settings.timezone if settings and settings.timezone else self._default_timezone
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):  # a zone this system no longer knows
            return ZoneInfo(self._default_timezone)

    async def settings(self, user_id: int) -> QuietSettings | None:
        return await self._repository.get(user_id)

    # -- a member's settings (each change releases their held rows for a new decision)

    async def set_quiet(self, user_id: int, start: str, end: str) -> None:
        parse_range(f"{start}-{end}")  # the same checks as typed input (buttons can be forged)
        await self._repository.set_quiet(user_id, start, end)
        await self.settings_changed(user_id)

    async def quiet_off(self, user_id: int) -> None:
        await self._repository.set_quiet(user_id, None, None)
        await self.settings_changed(user_id)

    def example(self, zone: str) -> str:
        """A date to pause until, three weeks from today in ``zone`` (the member's)."""
        return example_date(self.now(), ZoneInfo(zone))

    async def pause(self, user_id: int, text: str, zone: str) -> datetime:
        """Pause prompts and nudges as ``text`` says ('7d', 'until 2026-12-27'); return the end."""
        until = parse_pause(text, self.now(), ZoneInfo(zone))
        await self._repository.set_paused(user_id, until)
        await self.settings_changed(user_id)
        return until

    async def resume(self, user_id: int) -> None:
        await self._repository.set_paused(user_id, None)
        await self.settings_changed(user_id)

    async def settings_changed(self, user_id: int) -> int:
        """Quiet hours, pause or zone changed: release the member's held rows to decide again."""
        members = await self._with_settings()
        settings = await self._repository.get(user_id)
        if settings is not None and (settings.quiet_start or settings.paused_until):
            members.add(user_id)
        else:
            members.discard(user_id)
        released = await self._outbox.release_user(user_id)
        if released and self._wake is not None:
            self._wake()
        return released

    async def hub_zone_changed(self, hub_id: int) -> int:
        """A hub's zone changed: its members' held rows are decided again."""
        released = await self._outbox.release_hub_members(hub_id)
        if released and self._wake is not None:
            self._wake()
        return released

    def paused_until(self, settings: QuietSettings | None) -> datetime | None:
        """The pause's end if it is still ahead."""
        if settings is None or settings.paused_until is None:
            return None
        return settings.paused_until if settings.paused_until > self.now() else None

    # -- the delivery worker's hook and the release job

    async def _with_settings(self) -> set[int]:
        """The members with quiet hours or a pause, read once (under a lock: a change made while
        it is read is applied after the read, never overwritten by it)."""
        async with self._loading:
            if self._members is None:
                self._members = await self._repository.with_settings()
            return self._members

    async def hold_rows(self, rows: list[OutboxRow]) -> set[int]:
        """Hold those of ``rows`` whose member is in quiet hours or paused; return their ids."""
        with_settings = await self._with_settings()
        members = [row.user_id for row in rows if row.user_id in with_settings]
        if not members:
            return set()
        settings = await self._repository.for_users(members)
        if not settings:
            return set()
        now = self.now()
        holds = []
        for row in rows:
            member = settings.get(row.user_id) if row.user_id is not None else None
            if member is None:
                continue
            until = held_until(member, row.kind, now, self.zone(member))
            if until is not None:
                holds.append((row.id, until))
        return await self._outbox.hold(holds) if holds else set()

    async def release_due(self) -> int:
        """Release rows whose quiet hours or pause ended (on the scheduler's clock)."""
        released = await self._outbox.release_due(self.now())
        if released and self._wake is not None:
            self._wake()
        return released

    def start(self, job_queue: JobQueue) -> None:
        for job in job_queue.get_jobs_by_name("quiet-release"):
            job.schedule_removal()
        job_queue.run_repeating(
            self._release_job,
            interval=RELEASE_SECONDS,
            first=1,
            name="quiet-release",
            job_kwargs={"misfire_grace_time": RELEASE_SECONDS, "coalesce": True},
        )

    async def _release_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.release_due()
        except Exception:
            log.exception("releasing held messages failed; the next run tries again")
