"""Quick polls' results and the notes that follow a fan-out, as outbox rows in each reader's
language: the results where the poll went (once, from the stopped polls' final counts), the
author's report on the private sending, and a refused group poll."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.db.database import Database
from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import MembershipRepository
from bot.db.outbox import NewMessage
from bot.db.poll_sends import (
    BLOCKED,
    CANCELLED,
    FAILED,
    NOT_STARTED,
    PENDING,
    SENDING,
    SENT,
    PollSendRepository,
)
from bot.db.polls import PollRepository, PollRow
from bot.i18n import _, use_locale
from bot.services.poll_render import render_closed, render_refused, render_report
from bot.services.poll_types import PollError, PollReach, PollResults, PollView, Voter

RESULTS_KIND = "poll_results"
REPORT_KIND = "poll_report"


def poll_view(row: PollRow, hub: HubRow | None) -> PollView:
    return PollView(
        id=row.id,
        hub_id=row.hub_id,
        hub_name=hub.name if hub else "",
        question=row.question,
        options=row.options,
        anonymous=row.anonymous,
        multiple=row.multiple,
        private=row.private,
        closes_at=row.closes_at,
        status=row.status,
        created_at=row.created_at,
        author_id=row.author_id,
        remind_at=row.remind_at,
    )


class PollOutcomes:
    def __init__(
        self,
        db: Database,
        polls: PollRepository,
        sends: PollSendRepository,
        hubs: HubRepository,
        memberships: MembershipRepository,
        *,
        default_locale: str,
        locale_of: Callable[[int], Awaitable[str]] | None = None,
    ) -> None:
        self._db = db
        self._locale_of = locale_of
        self._repo = polls
        self._sends = sends
        self._hubs = hubs
        self._memberships = memberships
        self._default_locale = default_locale

    async def locale_of(self, user_id: int) -> str:
        """The member's language: their choice, else their Telegram language (UserService)."""
        if self._locale_of is not None:
            return await self._locale_of(user_id)
        locale = await self._db.fetch_value("SELECT locale FROM users WHERE id = ?", (user_id,))
        return locale or self._default_locale

    async def reach(self, poll_id: int) -> PollReach:
        counts = (await self._sends.reach(poll_id)).counts
        return PollReach(
            sent=counts.get(SENT, 0),
            blocked=counts.get(BLOCKED, 0),
            not_started=counts.get(NOT_STARTED, 0),
            failed=counts.get(FAILED, 0),
            waiting=counts.get(PENDING, 0) + counts.get(SENDING, 0),
            cancelled=counts.get(CANCELLED, 0),
        )

    async def results(self, poll_id: int) -> PollResults:
        row = await self._repo.get(poll_id)
        if row is None:
            raise PollError(_("There is no poll {ref}.", ref=f"#{poll_id}"))
        size = len(row.options)
        reach = await self.reach(poll_id) if row.private else None
        if row.anonymous:
            counts, total = [0] * size, 0
            for message in await self._repo.messages(poll_id):
                for i, count in enumerate((message.counts or ())[:size]):
                    counts[i] += count
                total += message.total
            return PollResults(tuple(counts), total, None, None, reach)
        votes = await self._repo.votes(poll_id)
        counts = [0] * size
        voted = {user for user, options in votes.items() if options}
        for options in votes.values():
            for i in options:
                if 0 <= i < size:
                    counts[i] += 1
        members = await self._memberships.members_of(row.hub_id)
        names = {m.user.id: m.user.full_name for m in members}
        voters = [Voter(uid, names.get(uid, str(uid))) for uid in sorted(voted)]
        non_voters = [Voter(m.user.id, m.user.full_name) for m in members if m.user.id not in voted]
        return PollResults(tuple(counts), len(voted), voters, non_voters, reach)

    async def results_messages(self, row: PollRow) -> list[NewMessage]:
        """The closed poll's results where it went: the group, or each member who got it."""
        results = await self.results(row.id)
        hub = await self._hubs.get(row.hub_id)
        view = poll_view(row, hub)
        if not row.private:
            if hub is None or not hub.attached:
                return []
            assert hub.chat_id is not None
            with use_locale(hub.locale or self._default_locale):
                text = render_closed(view, results)
            key = f"{RESULTS_KIND}:{row.id}"
            return [NewMessage(key, hub.chat_id, RESULTS_KIND, text, ref_id=row.id)]
        out = []
        for message in await self._repo.messages(row.id):
            with use_locale(await self.locale_of(message.chat_id)):
                text = render_closed(view, results)
            out.append(
                NewMessage(
                    f"{RESULTS_KIND}:{row.id}:{message.chat_id}",
                    message.chat_id,
                    RESULTS_KIND,
                    text,
                    user_id=message.chat_id,
                    ref_id=row.id,
                )
            )
        return out

    async def report_message(self, row: PollRow) -> NewMessage:
        """The author's note once the private sending ended: reached, refused and why."""
        view = poll_view(row, await self._hubs.get(row.hub_id))
        with use_locale(await self.locale_of(row.author_id)):
            text = render_report(view, await self.reach(row.id))
        return NewMessage(
            f"{REPORT_KIND}:{row.id}",
            row.author_id,
            REPORT_KIND,
            text,
            user_id=row.author_id,
            ref_id=row.id,
        )

    async def refused_text(self, row: PollRow) -> str:
        """That Telegram refused the group poll (it is removed), in the current language."""
        return render_refused(poll_view(row, await self._hubs.get(row.hub_id)))

    async def refused_message(self, row: PollRow) -> NewMessage:
        """The author's note that Telegram refused the group poll, through the outbox."""
        with use_locale(await self.locale_of(row.author_id)):
            text = await self.refused_text(row)
        return NewMessage(
            # A deleted poll's id may be given again: the creation time keeps the key apart.
            f"{REPORT_KIND}:{row.id}:refused:{row.created_at.timestamp():.0f}",
            row.author_id,
            REPORT_KIND,
            text,
            user_id=row.author_id,
        )
