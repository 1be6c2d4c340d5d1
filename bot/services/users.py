"""People: their profile as Telegram reports it, their language and time zone, reachability."""

from __future__ import annotations

from dataclasses import dataclass

from bot import i18n
from bot.config import SUPPORTED_LOCALES
from bot.db.users import UserFacts, UserRepository, UserRow
from bot.services import timezones


class UnknownTimezoneError(ValueError):
    def __init__(self, text: str, suggestions: list[str]) -> None:
        super().__init__(text)
        self.suggestions = suggestions


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person an update comes from, with the language and time zone to answer them in."""

    user: UserRow
    locale: str
    timezone: str
    is_admin: bool
    facilitates: bool  # a facilitator of at least one hub

    @property
    def id(self) -> int:
        return self.user.id


class UserService:
    def __init__(
        self,
        users: UserRepository,
        *,
        default_locale: str,
        default_timezone: str,
        admins: frozenset[int],
    ) -> None:
        self._users = users
        self._default_locale = default_locale
        self._default_timezone = default_timezone
        self._admins = admins

    async def get(self, user_id: int) -> UserRow | None:
        return await self._users.get(user_id)

    async def record(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        *,
        private: bool,
        chat_id: int | None = None,
    ) -> Viewer:
        """Remember who wrote and decide how to answer them (in ``chat_id``).

        Most updates change nothing about the person, so this reads first and writes only then.
        """
        facts = await self._users.facts(user_id, chat_id)
        row = facts.user if facts else None
        unchanged = row is not None and (
            (row.first_name, row.last_name, row.username) == (first_name, last_name, username)
            and (language_code is None or row.language_code == language_code)
            and (not private or (row.started_at is not None and row.blocked_at is None))
        )
        if not unchanged:
            await self._users.upsert_profile(
                user_id, first_name, last_name, username, language_code, started=private
            )
            facts = await self._users.facts(user_id, chat_id)
        assert facts is not None
        return self._viewer(facts)

    async def viewer(self, user_id: int) -> Viewer | None:
        """How to address ``user_id`` outside an update (menus, notifications)."""
        facts = await self._users.facts(user_id)
        return None if facts is None else self._viewer(facts)

    async def locale_of(self, user_id: int) -> str:
        """The language to write to ``user_id`` in, outside an update (notices, reports)."""
        viewer = await self.viewer(user_id)
        return viewer.locale if viewer is not None else self._default_locale

    def _viewer(self, facts: UserFacts) -> Viewer:
        """The member's choice, Telegram's language, the hub's, the default; likewise the zone."""
        user = facts.user
        locale = i18n.choose_locale(
            user.locale,
            user.language_code,
            facts.chat_hub_locale or facts.latest_hub_locale,
            self._default_locale,
        )
        return Viewer(
            user=user,
            locale=locale,
            timezone=user.timezone or facts.latest_hub_timezone or self._default_timezone,
            is_admin=user.id in self._admins,
            facilitates=facts.facilitates,
        )

    async def set_locale(self, user_id: int, locale: str) -> None:
        if locale not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported locale {locale!r}")
        await self._users.set_locale(user_id, locale)

    async def set_timezone(self, user_id: int, text: str) -> str:
        """Store a valid IANA zone; on a near miss raise with suggestions."""
        zone = timezones.resolve(text)
        if zone is None:
            raise UnknownTimezoneError(text, timezones.suggest(text))
        await self._users.set_timezone(user_id, zone)
        return zone

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        await self._users.set_blocked(user_id, blocked)

    async def set_menu(self, user_id: int, menu: str | None) -> None:
        await self._users.set_menu(user_id, menu)
