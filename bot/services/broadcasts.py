"""Broadcasts: a facilitator's announcement to every member of a hub, now or at a set time.

A broadcast is drafted first (the sender sees a preview with Confirm and Cancel); confirming
writes one outbox row per member in one transaction, or a schedule whose firing does. When every
row has an outcome the sender gets the delivery report, through the outbox as well.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot import i18n
from bot.db.broadcasts import BroadcastRepository, BroadcastRow, BroadcastStatus
from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.outbox import NewMessage, OutboxRepository, Status
from bot.db.schedules import ScheduleRepository, ScheduleRow
from bot.i18n import _
from bot.services.scheduling import Scheduler
from bot.services.users import UserService

KIND = "broadcast"
REPORT_KIND = "broadcast-report"
# The member's copy adds a one-line header; Telegram's limit is 4096 characters.
MAX_TEXT = 3800
GRACE = timedelta(hours=6)


class BroadcastError(Exception):
    """A broadcast that cannot be drafted or changed; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Report:
    broadcast: BroadcastRow
    counts: dict[Status, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    held: int = 0  # pending copies waiting for members' quiet hours to end

    def count(self, *statuses: Status) -> int:
        return sum(self.counts.get(s, 0) for s in statuses)

    @property
    def pending(self) -> int:
        return self.count(Status.PENDING, Status.SENDING) - self.held


def render(text: str, hub_name: str | None) -> str:
    """A member's copy, in the current locale: a header naming the hub, then the text."""
    header = (
        _("📣 Announcement from <b>{hub}</b>", hub=hub_name)
        if hub_name
        else _("📣 Announcement to all hubs")
    )
    return f"{header}\n\n{html.escape(text, quote=False)}"


class BroadcastService:
    def __init__(
        self,
        db: Database,
        broadcasts: BroadcastRepository,
        hubs: HubRepository,
        outbox: OutboxRepository,
        schedules: ScheduleRepository,
        scheduler: Scheduler,
        users: UserService,
        *,
        default_locale: str,
    ) -> None:
        self._db = db
        self._broadcasts = broadcasts
        self._hubs = hubs
        self._outbox = outbox
        self._schedules = schedules
        self._scheduler = scheduler
        self._users = users
        self._default_locale = default_locale
        scheduler.register(KIND, self._fire, grace=GRACE)

    # -- drafting

    async def draft(
        self, *, hub_id: int | None, sender_id: int, text: str, send_at: datetime | None
    ) -> BroadcastRow:
        text = text.strip()
        if not text:
            raise BroadcastError("empty")
        if len(text) > MAX_TEXT:
            raise BroadcastError("too-long")
        if send_at is not None and send_at <= self._scheduler.clock.now():
            raise BroadcastError("past")
        if hub_id is not None and await self._hubs.get(hub_id) is None:
            raise BroadcastError("unknown-hub")
        broadcast_id = await self._broadcasts.create_draft(
            hub_id=hub_id, sender_id=sender_id, text=text, send_at=send_at
        )
        broadcast = await self._broadcasts.get(broadcast_id)
        assert broadcast is not None
        return broadcast

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        return await self._broadcasts.get(broadcast_id)

    async def toggle_group_post(self, broadcast: BroadcastRow) -> BroadcastRow:
        await self._broadcasts.set_post_in_group(broadcast.id, not broadcast.post_in_group)
        updated = await self._broadcasts.get(broadcast.id)
        assert updated is not None
        return updated

    async def toggle_urgent(self, broadcast: BroadcastRow) -> BroadcastRow:
        """Urgent announcements pass members' quiet hours; others wait for them to end."""
        await self._broadcasts.set_urgent(broadcast.id, not broadcast.urgent)
        updated = await self._broadcasts.get(broadcast.id)
        assert updated is not None
        return updated

    def now(self) -> datetime:
        """The scheduler's clock, so that offered times agree with what ``draft`` accepts."""
        return self._scheduler.clock.now()

    async def set_send_at(self, broadcast: BroadcastRow, send_at: datetime) -> BroadcastRow:
        """Schedule a draft for ``send_at`` (chosen with the Schedule… buttons)."""
        if send_at <= self._scheduler.clock.now():
            raise BroadcastError("past")
        await self._broadcasts.set_send_at(broadcast.id, send_at)
        updated = await self._broadcasts.get(broadcast.id)
        assert updated is not None
        return updated

    async def recipient_count(self, hub_id: int | None) -> int:
        return len(await BroadcastRepository.recipients(self._db.reader, hub_id))

    # -- confirming, firing, cancelling

    async def confirm(self, broadcast: BroadcastRow) -> bool:
        """Send now, or schedule; False if it was already confirmed or cancelled (double tap)."""
        async with self._db.transaction() as conn:
            if broadcast.send_at is None:
                if not await self._broadcasts.set_status(
                    conn, broadcast.id, BroadcastStatus.SENDING, expect=(BroadcastStatus.DRAFT,)
                ):
                    return False
                await self._fan_out(conn, broadcast, "now")
                return True
            if not await self._broadcasts.set_status(
                conn, broadcast.id, BroadcastStatus.SCHEDULED, expect=(BroadcastStatus.DRAFT,)
            ):
                return False
            tz = await self._timezone(broadcast)
            local = broadcast.send_at.astimezone(ZoneInfo(tz))
            schedule_id = await self._scheduler.add(
                conn,
                kind=KIND,
                ref_id=broadcast.id,
                hub_id=broadcast.hub_id,
                rule="once",
                at_local=local.strftime("%Y-%m-%d %H:%M"),
                timezone=tz,
            )
        await self._scheduler.arm(schedule_id)
        return True

    async def _timezone(self, broadcast: BroadcastRow) -> str:
        hub = await self._hubs.get(broadcast.hub_id) if broadcast.hub_id else None
        return hub.timezone if hub else "UTC"

    async def cancel(self, broadcast: BroadcastRow) -> bool:
        """Cancel a draft or a scheduled broadcast (not one already going out)."""
        async with self._db.transaction() as conn:
            done = await self._broadcasts.set_status(
                conn,
                broadcast.id,
                BroadcastStatus.CANCELLED,
                expect=(BroadcastStatus.DRAFT, BroadcastStatus.SCHEDULED),
            )
        schedule = await self._schedules.for_ref(KIND, broadcast.id)
        if done and schedule is not None:
            await self._scheduler.cancel(schedule.id)
        return done

    async def _fire(
        self, conn: aiosqlite.Connection, schedule: ScheduleRow, occurrence: datetime
    ) -> None:
        broadcast = await self._broadcasts.get(schedule.ref_id)
        if broadcast is None:
            return
        if await self._broadcasts.set_status(
            conn, broadcast.id, BroadcastStatus.SENDING, expect=(BroadcastStatus.SCHEDULED,)
        ):
            await self._fan_out(conn, broadcast, occurrence.strftime("%Y%m%dT%H%M"))

    async def _fan_out(
        self, conn: aiosqlite.Connection, broadcast: BroadcastRow, when: str
    ) -> None:
        """One outbox row per member, each in their language; known-blocked ones recorded."""
        hub = await self._hubs.get(broadcast.hub_id) if broadcast.hub_id else None
        hub_name = hub.name if hub else None
        rendered: dict[str, str] = {}
        rows = []
        for person in await BroadcastRepository.recipients(conn, broadcast.hub_id):
            locale = i18n.choose_locale(
                person.locale, person.language_code, person.hub_locale, self._default_locale
            )
            if locale not in rendered:
                with i18n.use_locale(locale):
                    rendered[locale] = render(broadcast.text, hub_name)
            rows.append(
                NewMessage(
                    key=f"{KIND}:{broadcast.id}:{when}:{person.user_id}",
                    chat_id=person.user_id,
                    user_id=person.user_id,
                    kind=KIND,
                    ref_id=broadcast.id,
                    text=rendered[locale],
                    status=Status.BLOCKED if person.blocked else Status.PENDING,
                    reason="blocked the bot" if person.blocked else None,
                    holdable=not broadcast.urgent,  # waits for the member's quiet hours
                )
            )
        if broadcast.post_in_group:
            groups = [hub] if hub else await self._hubs.all()
            for group_hub in groups:
                if group_hub is None or not group_hub.attached or group_hub.chat_id is None:
                    continue
                with i18n.use_locale(group_hub.locale):
                    text = render(broadcast.text, hub_name)
                rows.append(
                    NewMessage(
                        key=f"{KIND}:{broadcast.id}:{when}:group:{group_hub.id}",
                        chat_id=group_hub.chat_id,
                        kind=KIND,
                        ref_id=broadcast.id,
                        text=text,
                    )
                )
        await OutboxRepository.add_many(conn, rows)
        if not any(row.status is Status.PENDING for row in rows):
            # Nobody to wait for: report at once.
            await self._report_when_done(conn, broadcast.id)

    # -- reports

    async def report(self, broadcast: BroadcastRow) -> Report:
        return Report(
            broadcast,
            await self._outbox.counts(KIND, broadcast.id),
            await self._outbox.failure_reasons(KIND, broadcast.id),
            await self._outbox.held_count(KIND, broadcast.id),
        )

    async def on_delivery_progress(self, broadcast_ids: set[int]) -> None:
        """Called by the delivery worker: report each broadcast whose rows all finished."""
        for broadcast_id in broadcast_ids:
            if await self._outbox.unfinished(KIND, broadcast_id):
                continue
            async with self._db.transaction() as conn:
                await self._report_when_done(conn, broadcast_id)

    async def _report_when_done(self, conn: aiosqlite.Connection, broadcast_id: int) -> None:
        if await BroadcastRepository.mark_reported_in(conn, broadcast_id):
            await self._enqueue_report(conn, broadcast_id)

    async def _enqueue_report(self, conn: aiosqlite.Connection, broadcast_id: int) -> None:
        broadcast = await self._broadcasts.get(broadcast_id)
        assert broadcast is not None
        counts = {
            Status(status): n
            for status, n in await conn.execute_fetchall(
                "SELECT status, COUNT(*) FROM outbox WHERE kind = ? AND ref_id = ? GROUP BY status",
                (KIND, broadcast_id),
            )
        }
        held = await OutboxRepository.held_count_in(conn, KIND, broadcast_id)
        with i18n.use_locale(await self._users.locale_of(broadcast.sender_id)):
            text = report_text(Report(broadcast, counts, held=held))
        await OutboxRepository.add_many(
            conn,
            [
                NewMessage(
                    key=f"{REPORT_KIND}:{broadcast_id}",
                    chat_id=broadcast.sender_id,
                    user_id=broadcast.sender_id,
                    kind=REPORT_KIND,
                    ref_id=broadcast_id,
                    text=text,
                )
            ],
        )

    async def recent(self, hubs: list[HubRow] | None) -> list[BroadcastRow]:
        """Recent broadcasts of these hubs (None: of every hub, for a network admin)."""
        return await self._broadcasts.recent_for_hubs(
            None if hubs is None else [h.id for h in hubs]
        )


# Telegram's error text (English, and not a stable API) -> what the reader is told.
_REASONS: tuple[tuple[tuple[str, ...], Callable[[], str]], ...] = (
    (("blocked",), lambda: _("blocked the bot")),
    (("initiate conversation", "not started"), lambda: _("hasn't opened a chat with the bot")),
    (("deactivated", "deleted"), lambda: _("account deleted")),
    (("chat not found", "user not found", "peer_id_invalid"), lambda: _("chat not found")),
    (
        ("kicked", "not a member", "removed from"),
        lambda: _("the bot is no longer in that chat"),
    ),
    (("network", "timed out", "timeout"), lambda: _("network problem")),
)


def failure_reason(raw: str | None) -> str:
    """Why a delivery failed, in the current locale; Telegram's own words are never shown."""
    text = (raw or "").lower()
    for needles, message in _REASONS:
        if any(needle in text for needle in needles):
            return message()
    return _("other error")


def report_text(report: Report) -> str:
    """The delivery report, in the current locale."""
    delivered = report.count(Status.SENT)
    lines = [
        _("<b>Announcement #{id}</b>: delivery report", id=report.broadcast.id),
        i18n.ngettext("{count} delivered", "{count} delivered", delivered),
    ]
    blocked = report.count(Status.BLOCKED)
    if blocked:
        lines.append(i18n.ngettext("{count} blocked the bot", "{count} blocked the bot", blocked))
    not_started = report.count(Status.NOT_STARTED)
    if not_started:
        lines.append(
            i18n.ngettext(
                "{count} never started the bot", "{count} never started the bot", not_started
            )
        )
    failed = report.count(Status.FAILED)
    if failed:
        lines.append(i18n.ngettext("{count} failed", "{count} failed", failed))
        reasons: dict[str, int] = {}
        for reason, n in report.failures.items():
            label = failure_reason(reason)
            reasons[label] = reasons.get(label, 0) + n
        lines += [f"  • {label}: {n}" for label, n in reasons.items()]
    if report.held:
        lines.append(
            i18n.ngettext(
                "{count} waiting for the member's quiet hours to end",
                "{count} waiting for members' quiet hours to end",
                report.held,
            )
        )
    if report.pending:
        lines.append(
            i18n.ngettext("{count} still pending", "{count} still pending", report.pending)
        )
    cancelled = report.count(Status.CANCELLED)
    if cancelled:
        lines.append(i18n.ngettext("{count} cancelled", "{count} cancelled", cancelled))
    return i18n.paragraphs(lines)
