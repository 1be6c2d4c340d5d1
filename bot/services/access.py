"""Who may do what: network admins everywhere, facilitators in their hubs, members in theirs."""

from __future__ import annotations

import logging

from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import MembershipRepository, Role

log = logging.getLogger(__name__)


class AccessService:
    def __init__(
        self, hubs: HubRepository, memberships: MembershipRepository, admins: frozenset[int]
    ) -> None:
        self._hubs = hubs
        self._memberships = memberships
        self._admins = admins

    def is_admin(self, user_id: int) -> bool:
        return user_id in self._admins

    @property
    def admins(self) -> frozenset[int]:
        return self._admins

    async def can_facilitate(self, hub_id: int, user_id: int) -> bool:
        """True for the hub's facilitators and for network admins."""
        if self.is_admin(user_id):
            return True
        return await self._memberships.role(hub_id, user_id) is Role.FACILITATOR

    async def facilitated_hubs(self, user_id: int) -> list[HubRow]:
        """The hubs this person may run: all of them for a network admin."""
        if self.is_admin(user_id):
            return await self._hubs.all()
        return [
            m.hub for m in await self._memberships.hubs_of(user_id) if m.role is Role.FACILITATOR
        ]

    @staticmethod
    def refused(action: str, user_id: int, hub_id: int | None) -> None:
        """Log a refusal: who tried what where (no message text, which may be private)."""
        log.warning("refused %s for user %s in hub %s", action, user_id, hub_id)
