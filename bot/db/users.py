"""Users: who has talked to the bot, in which language and time zone, and whether we may write."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db.cache import ReadCache
from bot.db.database import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    locale: str | None
    timezone: str | None
    started_at: datetime | None
    blocked_at: datetime | None
    # The chat-scoped command menu last set for them (a digest), or None for the default menus.
    menu: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or str(self.id)


def user_from_row(row: sqlite3.Row) -> UserRow:
    return UserRow(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        locale=row["locale"],
        timezone=row["timezone"],
        started_at=from_db_time(row["started_at"]),
        blocked_at=from_db_time(row["blocked_at"]),
        menu=row["menu"],
    )


@dataclass(frozen=True, slots=True)
class UserFacts:
    """A user plus what deciding their language and time zone needs, read in one query."""

    user: UserRow
    latest_hub_locale: str | None
    latest_hub_timezone: str | None
    chat_hub_locale: str | None
    facilitates: bool


class UserRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._facts: ReadCache[tuple[int, int | None], UserFacts] = ReadCache(db)

    async def get(self, user_id: int) -> UserRow | None:
        row = await self._db.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))
        return None if row is None else user_from_row(row)

    async def facts(self, user_id: int, chat_id: int | None = None) -> UserFacts | None:
        """The user, their latest hub's language and zone, the chat's hub language, their role.

        The gate runs this for every update, so it is one round trip rather than four, and none
        while nothing has been written since the same question was last asked.
        """
        key = (user_id, chat_id)
        cached = self._facts.get(key)
        if cached is not None:
            return cached
        token = self._facts.token()
        row = await self._db.fetch_one(
            """
            SELECT u.*,
                   latest.locale AS latest_locale, latest.timezone AS latest_timezone,
                   (SELECT locale FROM hubs WHERE chat_id = :chat) AS chat_locale,
                   EXISTS (SELECT 1 FROM memberships
                           WHERE user_id = u.id AND role = 'facilitator') AS facilitates
            FROM users u
            LEFT JOIN (SELECT h.locale, h.timezone FROM memberships m
                       JOIN hubs h ON h.id = m.hub_id
                       WHERE m.user_id = :id ORDER BY m.joined_at DESC, h.id DESC LIMIT 1) latest
            WHERE u.id = :id
            """,
            {"id": user_id, "chat": chat_id},
        )
        if row is None:
            return None
        facts = UserFacts(
            user=user_from_row(row),
            latest_hub_locale=row["latest_locale"],
            latest_hub_timezone=row["latest_timezone"],
            chat_hub_locale=row["chat_locale"],
            facilitates=bool(row["facilitates"]),
        )
        self._facts.put(key, facts, token)
        return facts

    async def upsert_profile(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        *,
        started: bool,
    ) -> None:
        """Record what Telegram says about a user; a private message also means 'reachable'."""
        now = to_db_time(utcnow())
        await self._db.execute(
            """
            INSERT INTO users (id, first_name, last_name, username, language_code,
                               started_at, created_at, updated_at)
            VALUES (:id, :first, :last, :username, :lang, CASE WHEN :started THEN :now END,
                    :now, :now)
            ON CONFLICT (id) DO UPDATE SET
                first_name = excluded.first_name,
                last_name = excluded.last_name,
                username = excluded.username,
                language_code = COALESCE(excluded.language_code, users.language_code),
                started_at = CASE WHEN :started THEN COALESCE(users.started_at, :now)
                                  ELSE users.started_at END,
                blocked_at = CASE WHEN :started THEN NULL ELSE users.blocked_at END,
                updated_at = :now
            """,
            {
                "id": user_id,
                "first": first_name,
                "last": last_name,
                "username": username,
                "lang": language_code,
                "started": started,
                "now": now,
            },
        )

    async def set_locale(self, user_id: int, locale: str | None) -> None:
        await self._db.execute(
            "UPDATE users SET locale = ?, updated_at = ? WHERE id = ?",
            (locale, to_db_time(utcnow()), user_id),
        )

    async def set_timezone(self, user_id: int, timezone: str | None) -> None:
        await self._db.execute(
            "UPDATE users SET timezone = ?, updated_at = ? WHERE id = ?",
            (timezone, to_db_time(utcnow()), user_id),
        )

    async def set_menu(self, user_id: int, menu: str | None) -> None:
        """Remember the menu just set for them, so an unchanged one is not sent again."""
        await self._db.execute("UPDATE users SET menu = ? WHERE id = ?", (menu, user_id))

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Record that the user blocked the bot (or came back)."""
        now = to_db_time(utcnow())
        await self._db.execute(
            "UPDATE users SET blocked_at = ?, updated_at = ? WHERE id = ?",
            (now if blocked else None, now, user_id),
        )
