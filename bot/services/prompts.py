"""Reflection prompts: created with a schedule, fanned out to members, nudged once, counted.

The timing is a row in ``schedules`` (kind 'prompt'); ``bot.services.prompt_fanout`` writes an
occurrence's outbox rows inside the transaction that records it. What members write back is the
reflections service's: it finds the send a reply or a button refers to through this service.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite
from telegram.ext import ContextTypes, JobQueue

from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.prompts import PromptRepository, SendRow
from bot.db.schedules import ScheduleRepository, ScheduleRow
from bot.i18n import _
from bot.services import prompt_library
from bot.services.prompt_fanout import (
    KIND,
    FanOut,
    prompt_keyboard,
    prompt_text,
    valid_zone,
)
from bot.services.prompt_rules import Recurrence, local_start
from bot.services.prompt_types import (
    Holiday,
    OccurrenceStats,
    PromptError,
    PromptSettings,
    PromptTextError,
    PromptView,
    SendContext,
    view_of,
)
from bot.services.scheduling import Scheduler

__all__ = [
    "KIND",
    "MAX_TEXT",
    "Holiday",
    "OccurrenceStats",
    "PromptError",
    "PromptService",
    "PromptSettings",
    "PromptTextError",
    "PromptView",
    "SendContext",
    "prompt_keyboard",
]

log = logging.getLogger(__name__)

MAX_TEXT = 1000
NUDGE_CHOICES = (0, 12, 24, 48)
RECOVER_WINDOW = timedelta(days=8)  # nudges come at most 168 h after a prompt


class PromptService:
    MAX_TEXT = MAX_TEXT

    def __init__(
        self,
        db: Database,
        prompts: PromptRepository,
        hubs: HubRepository,
        schedules: ScheduleRepository,
        scheduler: Scheduler,
        users_locale: Callable[[int], Awaitable[str]],
        *,
        default_locale: str,
        grace: timedelta,
        nudge_check: timedelta,
    ) -> None:
        self._db = db
        self._prompts = prompts
        self._hubs = hubs
        self._schedules = schedules
        self._scheduler = scheduler
        self._locale_of = users_locale
        self._fanout = FanOut(prompts, default_locale=default_locale)
        self._nudge_check = nudge_check
        scheduler.register(KIND, self._fire, grace=grace, zones=self._zones)

    def now(self) -> datetime:
        return self._scheduler.clock.now()

    # -- creating and reading

    async def create(
        self,
        *,
        hub_id: int,
        author_id: int | None,
        recurrence: Recurrence,
        text: str | None = None,
        library_key: str | None = None,
    ) -> PromptView:
        if library_key is not None:
            if library_key not in prompt_library.LIBRARY:
                raise PromptError(_("That prompt is not in the library."))
            text = prompt_library.english(library_key)
        text = (text or "").strip()
        if not text:
            raise PromptTextError(_("The prompt needs some text: what should members reflect on?"))
        if len(text) > MAX_TEXT:
            raise PromptTextError(
                _(
                    "That prompt is {length} characters long; the limit is {limit}. "
                    "Please shorten it.",
                    length=len(text),
                    limit=MAX_TEXT,
                )
            )
        hub = await self._hubs.get(hub_id)
        if hub is None:
            raise PromptError(_("That hub no longer exists."))
        start = local_start(recurrence)
        if start is not None and start.replace(tzinfo=ZoneInfo(hub.timezone)) <= self.now():
            raise PromptError(_("That date and time have already passed. Pick a time ahead."))
        zones = await self._zones_for(hub.id, hub.timezone)
        async with self._db.transaction() as conn:
            prompt_id = await PromptRepository.insert(
                conn,
                hub_id=hub.id,
                author_id=author_id,
                text=text,
                library_key=library_key,
                now=self.now(),
            )
            try:
                schedule_id = await self._scheduler.add(
                    conn,
                    kind=KIND,
                    ref_id=prompt_id,
                    hub_id=hub.id,
                    rule=recurrence.rule,
                    at_local=recurrence.at_local,
                    weekdays=recurrence.weekdays_text,
                    timezone=hub.timezone,
                    zones=zones,
                )
            except ValueError:
                raise PromptError(
                    _("That date and time have already passed. Pick a time ahead.")
                ) from None
        await self._scheduler.arm(schedule_id)
        view = await self.get(prompt_id)
        assert view is not None
        return view

    async def get(self, prompt_id: int) -> PromptView | None:
        row = await self._prompts.get(prompt_id)
        return None if row is None else view_of(row)

    async def for_hubs(self, hub_ids: list[int]) -> list[PromptView]:
        return [view_of(row) for row in await self._prompts.for_hubs(hub_ids)]

    # -- pausing, resuming, deleting

    async def pause(self, prompt_id: int) -> bool:
        if not await self._prompts.set_status(prompt_id, "paused", ("active",), self.now()):
            return False
        schedule = await self._schedules.for_ref(KIND, prompt_id)
        if schedule is not None:
            await self._scheduler.cancel(schedule.id)
        return True

    async def resume(self, prompt_id: int) -> bool:
        if not await self._prompts.set_status(prompt_id, "active", ("paused",), self.now()):
            return False
        schedule = await self._schedules.for_ref(KIND, prompt_id)
        if schedule is not None:
            await self._scheduler.reschedule(schedule.id, activate=True)
        return True

    async def delete(self, prompt_id: int) -> bool:
        if not await self._prompts.set_status(
            prompt_id, "deleted", ("active", "paused"), self.now()
        ):
            return False
        schedule = await self._schedules.for_ref(KIND, prompt_id)
        if schedule is not None:
            await self._scheduler.cancel(schedule.id)
        await self._prompts.cancel_pending(prompt_id)
        return True

    # -- figures

    async def occurrences(self, prompt_id: int, limit: int = 5) -> list[OccurrenceStats]:
        """The latest occurrences, newest first: counts only, and skipped ones with a reason."""
        stats = [
            OccurrenceStats(
                date.fromisoformat(r["occurrence"]),
                r["sent"],
                r["answered"] or 0,
                r["skipped"] or 0,
                r["nudged"] or 0,
            )
            for r in await self._prompts.occurrence_counts(prompt_id, limit)
        ]
        seen = {s.occurrence for s in stats}
        for r in await self._prompts.skipped_runs(prompt_id, limit):
            moment = datetime.fromisoformat(r["occurrence"])
            day = moment.astimezone(ZoneInfo(r["timezone"])).date()
            if day not in seen:
                seen.add(day)
                stats.append(OccurrenceStats(day, 0, 0, 0, 0, r["reason"] or "late"))
        stats.sort(key=lambda s: s.occurrence, reverse=True)
        return stats[:limit]

    # -- hub settings

    async def settings(self, hub_id: int) -> PromptSettings:
        found = await self._prompts.settings(hub_id)
        timing, hours = found if found else ("hub", 24)
        return PromptSettings(timing, hours)

    async def set_timing(self, hub_id: int, timing: str) -> None:
        if timing not in ("hub", "member"):
            raise ValueError(timing)
        await self._prompts.set_timing(hub_id, timing)
        await self.retime(hub_id)

    async def retime(self, hub_id: int) -> None:
        """Recompute the hub's prompt schedules (its timing or a member's zone changed)."""
        for schedule_id in await self._prompts.schedule_ids(hub_id):
            await self._scheduler.reschedule(schedule_id)

    async def hub_zone_changed(self, hub_id: int) -> None:
        """The hub moved to another zone: its prompts keep their local time in the new one."""
        hub = await self._hubs.get(hub_id)
        if hub is not None:
            await self._prompts.set_schedule_zone(hub_id, hub.timezone)
            await self.retime(hub_id)

    async def set_nudge_hours(self, hub_id: int, hours: int) -> None:
        if not 0 <= hours <= 168:
            raise PromptError(_("Choose between 1 and 168 hours, or turn nudges off."))
        await self._prompts.set_nudge_hours(hub_id, hours)

    async def holidays(self, hub_id: int) -> list[Holiday]:
        return [
            Holiday(r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]))
            for r in await self._prompts.holidays(hub_id)
        ]

    async def add_holiday(self, hub_id: int, first_day: date, last_day: date) -> Holiday:
        if last_day < first_day:
            raise PromptError(_("The last day of a holiday cannot come before its first day."))
        if last_day >= _a_year_after(first_day):
            raise PromptError(_("A holiday can last at most a year."))
        holiday_id = await self._prompts.add_holiday(hub_id, first_day, last_day, self.now())
        return Holiday(holiday_id, first_day, last_day)

    async def remove_holiday(self, hub_id: int, holiday_id: int) -> bool:
        return await self._prompts.remove_holiday(hub_id, holiday_id)

    # -- members

    async def set_member_prompts(self, hub_id: int, user_id: int, on: bool) -> bool:
        changed = await self._prompts.set_member_prompts(hub_id, user_id, on)
        if changed:
            if not on:
                await self._prompts.cancel_pending_for(hub_id, user_id, "prompts-off")
            await self.retime(hub_id)
        return changed

    async def membership_changed(self, hub_id: int, user_id: int, joined: bool) -> None:
        """Someone joined or left the hub (``HubService.on_membership_change``): what was
        held for a leaver is dropped, and a hub timed by members' clocks re-times its prompts
        (a newcomer's zone may bring the next run forward)."""
        if not joined:
            await self._prompts.cancel_pending_for(hub_id, user_id, "left")
        found = await self._prompts.settings(hub_id)
        if found is not None and found[0] == "member":
            await self.retime(hub_id)

    async def member_zone_changed(self, user_id: int) -> None:
        """A member's zone changed: the hubs timed by members' clocks re-time their prompts."""
        for hub_id, _on in await self._prompts.member_settings(user_id):
            found = await self._prompts.settings(hub_id)
            if found is not None and found[0] == "member":
                await self.retime(hub_id)

    async def member_prompt_settings(self, user_id: int) -> list[tuple[HubRow, bool]]:
        out = []
        for hub_id, on in await self._prompts.member_settings(user_id):
            hub = await self._hubs.get(hub_id)
            if hub is not None:
                out.append((hub, on))
        return out

    # -- for reflections

    async def send_for_reply(self, user_id: int, message_id: int) -> SendContext | None:
        send_id = await self._prompts.send_for_message(user_id, message_id)
        return None if send_id is None else await self.send_context(send_id)

    async def send_context(self, send_id: int) -> SendContext | None:
        row = await self._prompts.send(send_id)
        return None if row is None else await self._context(row)

    async def _context(self, row: SendRow) -> SendContext:
        locale = await self._locale_of(row.user_id)
        return SendContext(
            send_id=row.id,
            prompt_id=row.prompt_id,
            user_id=row.user_id,
            hub_id=row.hub_id,
            hub_name=row.hub_name,
            prompt_status=row.prompt_status,
            prompt_text=prompt_text(row.prompt_text, row.library_key, locale),
            occurrence=row.occurrence,
            status=row.status,
            is_member=row.is_member,
            source_text=row.prompt_text,
            library_key=row.library_key,
        )

    async def mark_answered(self, send_id: int) -> bool:
        return await self._prompts.set_send_status(send_id, "answered")

    async def mark_skipped(self, send_id: int) -> bool:
        return await self._prompts.set_send_status(send_id, "skipped")

    # -- firing, delivery, nudges

    async def _zones_for(self, hub_id: int, hub_timezone: str) -> list[str] | None:
        found = await self._prompts.settings(hub_id)
        if found is None or found[0] != "member":
            return None
        # A zone this system doesn't know would stop the schedule (its members get the hub's).
        zones = [zone for zone in await self._prompts.member_zones(hub_id) if valid_zone(zone)]
        return zones or [hub_timezone]

    async def _zones(self, schedule: ScheduleRow) -> list[str] | None:
        if schedule.hub_id is None:
            return None
        return await self._zones_for(schedule.hub_id, schedule.timezone)

    async def _fire(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, moment: datetime
    ) -> str | None:
        return await self._fanout.fire(conn, schedule, moment, self.now())

    async def on_delivery_progress(self, send_ids: set[int]) -> None:
        """Telegram accepted (or refused) prompt messages: the nudge counts from acceptance."""
        await self._prompts.mark_delivered(send_ids, self.now())

    async def run_nudges(self) -> int:
        """Write one nudge for each send that is due one; return how many were written."""
        written = 0
        # A prompt delivered just before a restart never had its acceptance recorded.
        await self._prompts.recover_delivered(self.now() - RECOVER_WINDOW, self.now())
        rows = await self._prompts.to_nudge(self.now())
        if not rows:
            return 0
        async with self._db.transaction() as conn:
            for row in rows:
                written += await self._fanout.nudge(conn, row, self.now())
        if written:
            self._scheduler.notify_written()
        return written

    def start(self, job_queue: JobQueue) -> None:
        """The nudge sweep, every ``nudge_check_minutes`` (it reads the scheduler's clock)."""
        seconds = int(self._nudge_check.total_seconds())
        job_queue.run_repeating(
            self._nudge_job,
            interval=seconds,
            first=seconds,
            name="prompt-nudges",
            job_kwargs={"misfire_grace_time": seconds, "coalesce": True},
        )

    async def _nudge_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.run_nudges()
        except Exception:
            log.exception("the nudge sweep failed")


def _a_year_after(day: date) -> date:
    """The same date a year later (29 February: 1 March): a holiday must end before it."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)
