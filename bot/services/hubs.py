"""Hubs and membership: creating a hub for a group, joining by code, roles, settings, group life."""

from __future__ import annotations

import logging
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum, auto

from bot.config import SUPPORTED_LOCALES
from bot.db.hubs import HubRepository, HubRow
from bot.db.memberships import Member, Membership, MembershipRepository, Role
from bot.services import timezones

log = logging.getLogger(__name__)

# Called after someone joins (True) or leaves (False) a hub: (hub_id, user_id, joined).
MembershipHook = Callable[[int, int, bool], Awaitable[None]]

HUB_NAME_MAX = 64
# No 0/O, 1/I/L: codes are read aloud and typed from paper at sessions.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class HubError(Exception):
    """A request about hubs that cannot be carried out; ``reason`` says why."""

    def __init__(self, reason: HubProblem) -> None:
        super().__init__(reason.name)
        self.reason = reason


class HubProblem(Enum):
    NAME_EMPTY = auto()
    NAME_TOO_LONG = auto()
    CHAT_ALREADY_HUB = auto()
    UNKNOWN_CODE = auto()
    NOT_A_MEMBER = auto()
    ALREADY_FACILITATOR = auto()
    NOT_A_FACILITATOR = auto()
    LAST_FACILITATOR = auto()
    UNKNOWN_TIMEZONE = auto()
    UNKNOWN_LOCALE = auto()


@dataclass(frozen=True, slots=True)
class JoinResult:
    hub: HubRow
    joined: bool  # False: was already a member


def new_join_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """Upper-case, without spaces or invisible marks (bidi isolates copied from RTL text)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Zs")).upper()


def clean_hub_name(text: str) -> str:
    """Collapse whitespace; refuse empty or over-long names (a name appears in every post)."""
    name = " ".join(text.split())
    if not name:
        raise HubError(HubProblem.NAME_EMPTY)
    if len(name) > HUB_NAME_MAX:
        raise HubError(HubProblem.NAME_TOO_LONG)
    return name


class HubService:
    def __init__(self, hubs: HubRepository, memberships: MembershipRepository) -> None:
        self._hubs = hubs
        self._memberships = memberships
        self._membership_hooks: list[MembershipHook] = []

    def on_membership_change(self, hook: MembershipHook) -> None:
        """Call ``hook(hub_id, user_id, joined)`` after someone joins or leaves a hub."""
        self._membership_hooks.append(hook)

    async def membership_ended(self, hub_id: int, user_id: int, joined: bool = False) -> None:
        """Tell the hooks a membership ended outside ``leave`` (an erasure, /forgetme)."""
        await self._membership_changed(hub_id, user_id, joined)

    async def _membership_changed(self, hub_id: int, user_id: int, joined: bool) -> None:
        for hook in self._membership_hooks:
            try:
                await hook(hub_id, user_id, joined)
            except Exception:
                # The join or leave is done; a follow-up failing must not undo or hide it.
                log.exception("a membership hook failed for hub %s", hub_id)

    async def create(
        self, *, chat_id: int, name: str, creator_id: int, locale: str, timezone: str
    ) -> HubRow:
        """Tie a group to a new hub whose creator becomes its first facilitator."""
        clean = clean_hub_name(name)
        if await self._hubs.by_chat(chat_id) is not None:
            raise HubError(HubProblem.CHAT_ALREADY_HUB)
        code = new_join_code()
        while await self._hubs.code_exists(code):
            code = new_join_code()
        hub_id = await self._hubs.create(
            name=clean,
            code=code,
            chat_id=chat_id,
            timezone=timezone,
            locale=locale,
            created_by=creator_id,
        )
        hub = await self._hubs.get(hub_id)
        assert hub is not None
        return hub

    async def get(self, hub_id: int) -> HubRow | None:
        return await self._hubs.get(hub_id)

    async def for_chat(self, chat_id: int) -> HubRow | None:
        return await self._hubs.by_chat(chat_id)

    async def join(self, code: str, user_id: int) -> JoinResult:
        hub = await self._hubs.by_code(normalize_code(code))
        if hub is None:
            raise HubError(HubProblem.UNKNOWN_CODE)
        joined = await self._memberships.add(hub.id, user_id)
        if joined:
            await self._membership_changed(hub.id, user_id, True)
        return JoinResult(hub, joined)

    async def leave(self, hub_id: int, user_id: int) -> bool:
        """Leave a hub; the last facilitator must hand over first, so no hub is left unrun."""
        if await self._memberships.role(hub_id, user_id) is Role.FACILITATOR:
            facilitators = [
                m for m in await self._memberships.members_of(hub_id) if m.role is Role.FACILITATOR
            ]
            if len(facilitators) <= 1:
                raise HubError(HubProblem.LAST_FACILITATOR)
        left = await self._memberships.remove(hub_id, user_id)
        if left:
            await self._membership_changed(hub_id, user_id, False)
        return left

    async def memberships(self, user_id: int, *, cached: bool = False) -> list[Membership]:
        """The person's hubs; ``cached`` for a listing shown often (see ``hubs_of``)."""
        return await self._memberships.hubs_of(user_id, cached=cached)

    async def members(self, hub_id: int) -> list[Member]:
        return await self._memberships.members_of(hub_id)

    async def role(self, hub_id: int, user_id: int) -> Role | None:
        return await self._memberships.role(hub_id, user_id)

    async def promote(self, hub_id: int, user_id: int) -> None:
        role = await self._memberships.role(hub_id, user_id)
        if role is None:
            raise HubError(HubProblem.NOT_A_MEMBER)
        if role is Role.FACILITATOR:
            raise HubError(HubProblem.ALREADY_FACILITATOR)
        await self._memberships.set_role(hub_id, user_id, Role.FACILITATOR)

    async def demote(self, hub_id: int, user_id: int) -> None:
        role = await self._memberships.role(hub_id, user_id)
        if role is None:
            raise HubError(HubProblem.NOT_A_MEMBER)
        outcome = await self._memberships.demote_unless_last(hub_id, user_id)
        if outcome is None:
            raise HubError(HubProblem.LAST_FACILITATOR)
        if not outcome:
            raise HubError(HubProblem.NOT_A_FACILITATOR)

    async def set_timezone(self, hub_id: int, text: str) -> str:
        zone = timezones.resolve(text)
        if zone is None:
            raise HubError(HubProblem.UNKNOWN_TIMEZONE)
        await self._hubs.update_settings(hub_id, timezone=zone)
        return zone

    async def set_locale(self, hub_id: int, locale: str) -> None:
        if locale not in SUPPORTED_LOCALES:
            raise HubError(HubProblem.UNKNOWN_LOCALE)
        await self._hubs.update_settings(hub_id, locale=locale)

    async def set_moderation(self, hub_id: int, on: bool) -> None:
        await self._hubs.update_settings(hub_id, moderation=on)

    async def group_lost(self, chat_id: int) -> HubRow | None:
        """The bot left or was removed: keep everything, mark the hub detached."""
        hub = await self._hubs.by_chat(chat_id)
        if hub is not None and hub.detached_at is None:
            await self._hubs.set_detached(hub.id, True)
        return hub

    async def group_regained(self, chat_id: int) -> HubRow | None:
        """The bot is back in a hub's group: reattach it."""
        hub = await self._hubs.by_chat(chat_id)
        if hub is not None and hub.detached_at is not None:
            await self._hubs.set_detached(hub.id, False)
            hub = await self._hubs.get(hub.id)
        return hub

    async def group_migrated(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup with a new id: the hub follows it."""
        return await self._hubs.move_chat(old_chat_id, new_chat_id)
