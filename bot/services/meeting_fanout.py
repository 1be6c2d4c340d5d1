"""What meetings write to the outbox: the group post, private copies, reminders, changes.

Every text is rendered in the reader's language and zone; rows are keyed so that writing the same
thing twice (a reminder fired again after a restart) writes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n
from bot.buttons import button_label
from bot.db.meetings import Person
from bot.db.outbox import NewMessage, Status
from bot.i18n import Html, _, ngettext, show
from bot.services.meeting_types import LETTER_OF, MeetingView, OccurrenceView, RsvpCounts

POST_KIND = "meeting_post"
INVITE_KIND = "meeting_invite"
REMINDER_KIND = "meeting_reminder"
CHANGE_KIND = "meeting_change"
MARK = "✅ "


def rsvp_keyboard(
    occurrence_id: int, answer: str | None = None, *, calendar: bool = True
) -> InlineKeyboardMarkup:
    """Going / Maybe / Can't (the chosen one marked), and 📅 Add to calendar below."""
    labels = {
        "yes": button_label("Going"),
        "maybe": button_label("Maybe"),
        "no": button_label("Can't"),
    }
    row = [
        InlineKeyboardButton(
            (MARK if answer == key else "") + label,
            callback_data=callbacks.pack("mt", "r", occurrence_id, LETTER_OF[key]),
        )
        for key, label in labels.items()
    ]
    rows = [row]
    if calendar:
        rows.append(
            [
                InlineKeyboardButton(
                    button_label("📅 Add to calendar"),
                    callback_data=callbacks.pack("mc", "ics", occurrence_id),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def markup_json(markup: InlineKeyboardMarkup) -> str:
    return json.dumps(markup.to_dict())


def duration_text(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("{hours} h {minutes} min", hours=hours, minutes=rest)
    if hours:
        return ngettext("{n} hour", "{n} hours", hours, n=hours)
    return ngettext("{n} minute", "{n} minutes", rest, n=rest)


def when_text(starts_at: datetime, zone: str) -> str:
    return _(
        "{date}, {time}",
        date=i18n.format_date(starts_at, zone, "full"),
        time=i18n.format_time(starts_at, zone),
    )


def place_line(meeting: MeetingView) -> str | None:
    if not meeting.place:
        return None
    if meeting.is_link:
        return _("🔗 {link}", link=meeting.place)
    return _("📍 {place}", place=meeting.place)


def counts_line(counts: RsvpCounts) -> str:
    return _(
        "Going: {yes} · Maybe: {maybe} · Can't: {no}",
        yes=counts.yes,
        maybe=counts.maybe,
        no=counts.no,
    )


def repeat_line(meeting: MeetingView, zone: str) -> str | None:
    if not meeting.repeat_weeks or meeting.repeat_until is None:
        return None
    until = i18n.format_date(datetime.combine(meeting.repeat_until, time(12), ZoneInfo(zone)), zone)
    if meeting.repeat_weeks == 1:
        return _("🔁 Every week until {date}", date=until)
    return _("🔁 Every 2 weeks until {date}", date=until)


def card(occurrence: OccurrenceView, zone: str, *, heading: str | None = None) -> str:
    """Title, when (in ``zone``), duration, place or link: the body of every meeting message."""
    meeting = occurrence.meeting
    lines = [heading] if heading else []
    lines.append(_("📅 <b>{title}</b>", title=meeting.title))
    lines.append(_("🏷 {hub}", hub=meeting.hub_name))
    lines.append(
        _(
            "🕒 {when} ({duration})",
            when=Html(when_text(occurrence.starts_at, zone)),
            duration=Html(duration_text(meeting.duration)),
        )
    )
    for extra in (place_line(meeting), repeat_line(meeting, zone)):
        if extra:
            lines.append(extra)
    lines.append(_("Meeting {ref}", ref=i18n.ref(meeting.id)))
    return "\n".join(lines)


def post_text(occurrence: OccurrenceView, zone: str, counts: RsvpCounts) -> str:
    """The group post: the card in the hub's zone and the live counts."""
    text = card(occurrence, zone)
    if occurrence.cancelled:
        return _("❌ Cancelled") + "\n" + text
    return text + "\n\n" + counts_line(counts)


def reminder_heading(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("⏰ In {n} day:", "⏰ In {n} days:", days, n=days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("⏰ In {n} hour:", "⏰ In {n} hours:", hours, n=hours)
    return ngettext("⏰ In {n} minute:", "⏰ In {n} minutes:", minutes, n=minutes)


class Writer:
    """Builds outbox rows for a list of people, each in their language and zone."""

    def __init__(self, *, default_locale: str, hub_locale: str, hub_zone: str) -> None:
        self._default_locale = default_locale
        self._hub_locale = hub_locale
        self._hub_zone = hub_zone

    def locale_of(self, person: Person) -> str:
        return i18n.choose_locale(
            person.locale, person.language_code, self._hub_locale, self._default_locale
        )

    def zone_of(self, person: Person) -> str:
        return person.timezone or self._hub_zone

    def rows(
        self,
        people: list[Person],
        *,
        kind: str,
        key: str,
        occurrence: OccurrenceView,
        heading: object,
        buttons: bool = True,
        holdable: bool = True,
    ) -> list[NewMessage]:
        """``heading()`` is called in each reader's locale; ``key`` gets ':<user>' appended."""
        rendered: dict[tuple[str, str, str | None], tuple[str, str | None]] = {}
        out = []
        for person in people:
            locale, zone = self.locale_of(person), self.zone_of(person)
            cache_key = (locale, zone, person.answer)
            if cache_key not in rendered:
                with i18n.use_locale(locale):
                    text = card(occurrence, zone, heading=heading() if callable(heading) else None)
                    markup = (
                        markup_json(rsvp_keyboard(occurrence.id, person.answer))
                        if buttons
                        else None
                    )
                rendered[cache_key] = (text, markup)
            text, markup = rendered[cache_key]
            out.append(
                NewMessage(
                    key=f"{key}:{person.user_id}",
                    chat_id=person.user_id,
                    user_id=person.user_id,
                    kind=kind,
                    ref_id=occurrence.id,
                    text=text,
                    reply_markup=markup,
                    status=Status.BLOCKED if person.blocked else Status.PENDING,
                    reason="blocked the bot" if person.blocked else None,
                    holdable=holdable,
                )
            )
        return out


def show_title(meeting: MeetingView) -> str:
    return show(meeting.title)
