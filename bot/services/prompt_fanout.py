"""Firing a prompt: one outbox row per member, each in their language, in one transaction; nudges.

In a hub timed by the hub's clock every member gets the occurrence at the hub's local time. In a
hub timed by each member's clock, the schedule fires at every instant that is the prompt's local
time in one of the members' zones, and serves only the members whose zone that instant is.
Keys ``prompt:<id>:<local date>:<user>`` and the unique (prompt, local date, member) send make a
second firing of the same occurrence write nothing.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import aiosqlite

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.db.outbox import NewMessage, OutboxRepository, Status
from bot.db.prompts import NudgeRow, PromptRepository, PromptRow, Recipient
from bot.db.schedules import ScheduleRow
from bot.i18n import _
from bot.services.prompt_library import library_text
from bot.services.scheduling import is_occurrence_in

KIND = "prompt"
NUDGE_KIND = "nudge"
HOLIDAY = "holiday"
INACTIVE = "inactive"


def prompt_keyboard(send_id: int) -> dict:
    """✍️ Answer and Skip, in the current locale, as reply_markup JSON data."""
    return {
        "inline_keyboard": [
            [
                {
                    "text": button_label("✍️ Answer"),
                    "callback_data": callbacks.pack("rf", "a", send_id),
                },
                {"text": button_label("Skip"), "callback_data": callbacks.pack("rf", "s", send_id)},
            ]
        ]
    }


def prompt_text(prompt_text_: str, library_key: str | None, locale: str) -> str:
    """The prompt's plain text for a reader in ``locale`` (a library prompt is translated)."""
    if library_key:
        translated = library_text(library_key, locale)
        if translated:
            return translated
    return prompt_text_


def render_prompt(hub_name: str, text: str) -> str:
    """The prompt message, in the current locale; ``text`` is plain (escaped here)."""
    return "\n\n".join(
        [
            _("💭 <b>{hub}</b>", hub=hub_name),
            html.escape(text, quote=False),
            _("<i>Reply to this message, or press Answer.</i>"),
        ]
    )


def render_nudge(hub_name: str, text: str) -> str:
    return "\n\n".join(
        [
            _(
                "🌱 A gentle reminder from <b>{hub}</b>: there is still time to reflect.",
                hub=hub_name,
            ),
            html.escape(text, quote=False),
            _("<i>Reply to this message, or press Answer.</i>"),
        ]
    )


@dataclass(frozen=True, slots=True)
class _Target:
    person: Recipient
    day: str  # the occurrence's local date, 'YYYY-MM-DD'


class FanOut:
    """The 'prompt' schedule kind's handler and the nudge writer."""

    def __init__(self, prompts: PromptRepository, *, default_locale: str) -> None:
        self._prompts = prompts
        self._default_locale = default_locale

    def locale_for(self, person: Recipient, hub_locale: str) -> str:
        return i18n.choose_locale(
            person.locale, person.language_code, hub_locale, self._default_locale
        )

    async def fire(
        self,
        conn: aiosqlite.Connection,
        schedule: ScheduleRow,
        moment: datetime,
        now: datetime,
    ) -> str | None:
        prompt = await PromptRepository.get_in(conn, schedule.ref_id)
        if prompt is None or prompt.status != "active":
            return INACTIVE
        hub_locale = await _hub_locale(conn, prompt.hub_id)
        people = await PromptRepository.recipients(conn, prompt.hub_id)
        targets: list[_Target] = []
        holidays: dict[str, bool] = {}
        serves: dict[str, bool] = {}  # zone -> whether this instant is its occurrence
        on_holiday = 0
        for person in people:
            if prompt.prompt_timing == "member":
                zone = person.timezone or prompt.hub_timezone
                if not valid_zone(zone):
                    zone = prompt.hub_timezone
                if zone not in serves:
                    serves[zone] = is_occurrence_in(schedule, zone, moment)
                if not serves[zone]:
                    continue
            else:
                zone = schedule.timezone
            day = moment.astimezone(ZoneInfo(zone)).date().isoformat()
            if day not in holidays:
                holidays[day] = await PromptRepository.holiday_on(
                    conn, prompt.hub_id, date.fromisoformat(day)
                )
            if holidays[day]:
                on_holiday += 1
                continue
            targets.append(_Target(person, day))
        if not targets:
            return HOLIDAY if on_holiday else None
        await PromptRepository.insert_sends(
            conn, prompt.id, [(t.person.user_id, t.day) for t in targets], now
        )
        send_ids = await PromptRepository.send_ids(conn, prompt.id, {t.day for t in targets})
        await OutboxRepository.add_many(conn, self._rows(prompt, targets, send_ids, hub_locale))
        await PromptRepository.cancel_superseded_nudges_in(conn, prompt.id)
        return None

    def _rows(
        self,
        prompt: PromptRow,
        targets: list[_Target],
        send_ids: dict[tuple[int, str], int],
        hub_locale: str,
    ) -> list[NewMessage]:
        rendered: dict[str, tuple[str, str]] = {}
        rows = []
        for target in targets:
            person = target.person
            send_id = send_ids[(person.user_id, target.day)]
            locale = self.locale_for(person, hub_locale)
            if locale not in rendered:
                with i18n.use_locale(locale):
                    text = prompt_text(prompt.text, prompt.library_key, locale)
                    labels = prompt_keyboard(0)
                    rendered[locale] = (render_prompt(prompt.hub_name, text), json.dumps(labels))
            text, markup = rendered[locale]
            rows.append(
                NewMessage(
                    key=f"{KIND}:{prompt.id}:{target.day}:{person.user_id}",
                    chat_id=person.user_id,
                    user_id=person.user_id,
                    kind=KIND,
                    ref_id=send_id,
                    text=text,
                    # The buttons carry the send's id: the template's placeholder 0 replaced.
                    reply_markup=markup.replace('"rf:a:0"', f'"rf:a:{send_id}"').replace(
                        '"rf:s:0"', f'"rf:s:{send_id}"'
                    ),
                    status=Status.BLOCKED if person.blocked else Status.PENDING,
                    reason="blocked the bot" if person.blocked else None,
                    holdable=True,
                )
            )
        return rows

    async def nudge(self, conn: aiosqlite.Connection, row: NudgeRow, now: datetime) -> bool:
        """Write one nudge for a send (``NudgeRow``) if it has none yet."""
        if not await PromptRepository.mark_nudged(conn, row.send_id, now):
            return False
        locale = i18n.choose_locale(
            row.locale, row.language_code, row.hub_locale, self._default_locale
        )
        with i18n.use_locale(locale):
            text = render_nudge(row.hub_name, prompt_text(row.text, row.library_key, locale))
            markup = json.dumps(prompt_keyboard(row.send_id))
        await OutboxRepository.add_many(
            conn,
            [
                NewMessage(
                    key=f"{NUDGE_KIND}:{row.send_id}",
                    chat_id=row.user_id,
                    user_id=row.user_id,
                    kind=NUDGE_KIND,
                    ref_id=row.send_id,
                    text=text,
                    reply_markup=markup,
                    holdable=True,
                )
            ],
        )
        return True


async def _hub_locale(conn: aiosqlite.Connection, hub_id: int) -> str:
    rows = list(await conn.execute_fetchall("SELECT locale FROM hubs WHERE id = ?", (hub_id,)))
    return rows[0][0] if rows else "en"


@cache
def valid_zone(name: str) -> bool:
    """Whether this system knows the zone ``name`` (a stored one may be unknown here)."""
    try:
        ZoneInfo(name)
    except (ValueError, KeyError):
        return False
    return True
