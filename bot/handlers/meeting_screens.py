"""The screens of the guided /meeting flow: each step's text and keyboard, built from the draft.

Callback data is ``mw:<flow>:<action>[:<arg>]``: ``flow`` numbers the person's current flow, so
a button left on an older flow's message is recognised as stale. The draft itself lives in
``user_data``, never in callback data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n
from bot.buttons import button_label, hub_in_label
from bot.db.hubs import HubRow
from bot.handlers.meeting_words import (
    day_label,
    duration_label,
    duration_words,
    long_day,
    reminders_words,
    when_words,
)
from bot.i18n import _, ngettext
from bot.services.meeting_types import MAX_SERIES

ACTION = "mw"
DATE_BUTTONS = 14  # quick dates: today (while a slot is left) and the days after
SLOTS = ("09:00", "10:00", "12:00", "14:00", "16:00", "17:00", "18:00", "19:00", "20:00")
DURATIONS = (30, 45, 60, 90, 120)  # minutes
UNTIL_COUNTS = (4, 8, 12)  # quick "until" choices: the date of the 4th, 8th, 12th meeting
SERIES_DAYS = MAX_SERIES.days  # a series spans at most a year (366 days)


@dataclass
class Draft:
    """What the facilitator has chosen so far (kept in ``user_data``)."""

    flow: int
    hub_id: int | None = None
    several_hubs: bool = False  # the person chose the hub (◀ Back from the title goes there)
    title: str | None = None
    day: date | None = None
    at: str | None = None  # 'HH:MM' in the hub's zone
    minutes: int | None = None
    place: str | None = None  # '' when skipped
    repeat_weeks: int | None = None  # 0 once, 1 weekly, 2 every two weeks
    until: date | None = None

    def start(self, zone: ZoneInfo) -> datetime | None:
        if self.day is None or self.at is None:
            return None
        hour, minute = (int(part) for part in self.at.split(":"))
        return datetime.combine(self.day, time(hour, minute), zone)

    @property
    def complete(self) -> bool:
        return (
            self.title is not None
            and self.day is not None
            and self.at is not None
            and self.minutes is not None
            and self.place is not None
            and self.repeat_weeks is not None
            and (self.repeat_weeks == 0 or self.until is not None)
        )

    def day_fits(self, day: date) -> bool:
        """Whether the series' last date still fits a first meeting on ``day``."""
        return self.until is not None and day <= self.until <= day + timedelta(days=SERIES_DAYS)

    def occurrences(self) -> int:
        """How many meetings the series holds (1 for a single meeting)."""
        if not self.repeat_weeks or self.day is None or self.until is None:
            return 1
        return (self.until - self.day).days // (7 * self.repeat_weeks) + 1


def data(draft: Draft, action: str, *args: int | str) -> str:
    return callbacks.pack(ACTION, draft.flow, action, *args)


def _button(label: str, draft: Draft, action: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(draft, action, *args))


def _cancel(draft: Draft) -> InlineKeyboardButton:
    return _button(button_label("✖ Cancel"), draft, "no")


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _nav(draft: Draft, back_to: str | None) -> list[InlineKeyboardButton]:
    """[◀ Back] [✖ Cancel] in reading order (mirrored for right-to-left readers)."""
    row = [_button(button_label("◀ Back"), draft, back_to)] if back_to else []
    row.append(_cancel(draft))
    return row[::-1] if i18n.is_rtl(i18n.current_locale()) else row


def _locale_rows(rows: list[list[InlineKeyboardButton]]) -> list[list[InlineKeyboardButton]]:
    """Rows of choices read from the right by right-to-left readers, as the text is."""
    if i18n.is_rtl(i18n.current_locale()):
        return [row[::-1] for row in rows]
    return rows


def repeat_words(draft: Draft) -> str:
    if not draft.repeat_weeks:
        return _("Once")
    assert draft.until is not None
    count = draft.occurrences()
    until = format_date(draft.until, "medium", locale=i18n.current_locale())
    if draft.repeat_weeks == 1:
        return ngettext(
            "Every week until {date} ({count} meeting)",
            "Every week until {date} ({count} meetings)",
            count,
            date=until,
        )
    return ngettext(
        "Every 2 weeks until {date} ({count} meeting)",
        "Every 2 weeks until {date} ({count} meetings)",
        count,
        date=until,
    )


def accepted_forms() -> str:
    return _(
        "Write it like this:\n/meeting 2026-12-03 18:00 90m <i>title</i> | <i>place or link</i>"
    )


# -- the steps


def hub_screen(draft: Draft, hubs: list[HubRow]) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[_button(hub_in_label(hub.name), draft, "hub", hub.id)] for hub in hubs]
    rows.append([_cancel(draft)])
    return _("Which hub is the meeting for?"), InlineKeyboardMarkup(rows)


def title_screen(draft: Draft, hub: HubRow, limit: int) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _("<b>New meeting for {hub}</b>", hub=hub.name),
        _(
            "Type the meeting's title (up to {limit} characters), e.g. Peer observation.",
            limit=limit,
        ),
    ]
    if draft.title:
        lines.append(_("Now: {title}", title=draft.title))
    forward = [_button(button_label("Keep it ▶"), draft, "k", "title")] if draft.title else []
    rows = [forward] if forward else []
    rows.append(_nav(draft, "hubs" if draft.several_hubs else None))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def date_screen(
    draft: Draft, days: list[date], example: date, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines.append(
        _(
            "<b>On which date?</b> Choose one, or type it as year-month-day, e.g. {example}.",
            example=example.isoformat(),
        )
    )
    buttons = [_button(day_label(day), draft, "d", day.strftime("%Y%m%d")) for day in days]
    rows = _locale_rows(_rows(buttons, 2))
    rows.append(_nav(draft, "title"))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def time_screen(
    draft: Draft, hub: HubRow, slots: list[str], note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.day is not None
    lines = [note] if note else []
    lines += [
        _("<b>At what time on {day}?</b>", day=long_day(draft.day)),
        _(
            "Choose one, or type it as hours:minutes, e.g. 18:30. Times are the hub's local "
            "time ({timezone}).",
            timezone=hub.timezone,
        ),
    ]
    buttons = [_button(slot, draft, "t", slot.replace(":", "")) for slot in slots]
    rows = _locale_rows(_rows(buttons, 3)) if buttons else []
    rows.append(_nav(draft, "date"))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def duration_screen(draft: Draft, note: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines.append(_("<b>How long is it?</b> Choose one, or type it like 1h30m or 75m."))
    buttons = [_button(duration_label(m), draft, "m", m) for m in DURATIONS]
    rows = _locale_rows(_rows(buttons, 3))
    rows.append(_nav(draft, "time"))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def place_screen(
    draft: Draft, limit: int, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines.append(
        _(
            "<b>Where?</b> Type the place (e.g. Room 12, Holon) or the online link "
            "(https://…), up to {limit} characters.",
            limit=limit,
        )
    )
    if draft.place:
        lines.append(_("Now: {place}", place=draft.place))
    row = [_button(button_label("Skip: no place yet"), draft, "p", "none")]
    if draft.place:
        row.insert(0, _button(button_label("Keep it ▶"), draft, "k", "place"))
    rows = [_locale_rows([row])[0], _nav(draft, "dur")]
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def repeat_screen(draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    text = _("<b>Does it repeat?</b>")
    rows = [
        [_button(button_label("Once"), draft, "r", 0)],
        _locale_rows(
            [
                [
                    _button(button_label("Every week"), draft, "r", 1),
                    _button(button_label("Every 2 weeks"), draft, "r", 2),
                ]
            ]
        )[0],
        _nav(draft, "place"),
    ]
    return text, InlineKeyboardMarkup(rows)


def until_screen(
    draft: Draft, choices: list[date], example: date, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines.append(
        _(
            "<b>Until when?</b> Choose the last date, or type it as year-month-day, e.g. "
            "{example}.",
            example=example.isoformat(),
        )
    )
    locale = i18n.current_locale()
    buttons = [
        _button(
            button_label("Until {date}", date=format_date(d, "d MMM", locale=locale)),
            draft,
            "u",
            d.strftime("%Y%m%d"),
        )
        for d in choices
    ]
    rows = _locale_rows(_rows(buttons, 3))
    rows.append(_nav(draft, "rep"))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def preview_screen(
    draft: Draft,
    hub: HubRow,
    start: datetime,
    reader_zone: str,
    offsets: list[int],
    note: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.title is not None and draft.minutes is not None
    lines = [note, ""] if note else []
    lines += [
        _("<b>Preview of the meeting</b>"),
        _("Title: {title}", title=draft.title),
        _("Hub: {hub}", hub=hub.name),
        _(
            "When: {when} ({timezone})",
            when=when_words(start, hub.timezone),
            timezone=hub.timezone,
        ),
    ]
    if ZoneInfo(reader_zone).utcoffset(start) != start.utcoffset():
        lines.append(
            _(
                "Your time: {when} ({timezone})",
                when=when_words(start, reader_zone),
                timezone=reader_zone,
            )
        )
    lines += [
        _("Duration: {duration}", duration=duration_words(draft.minutes)),
        _("Where: {place}", place=draft.place) if draft.place else _("Where: not set yet"),
        _("Repeats: {repeats}", repeats=repeat_words(draft)),
        reminders_words(offsets),
        "",
        _("On Confirm it is posted in the hub's group and sent to members privately."),
    ]
    rows = [
        _locale_rows([[_button(button_label("✅ Confirm"), draft, "ok"), _cancel(draft)]])[0],
        [_button(button_label("◀ Back"), draft, "until" if draft.repeat_weeks else "rep")],
    ]
    return i18n.finish("\n".join(lines)), InlineKeyboardMarkup(rows)


def created_text(title: str, start: datetime, reader_zone: str, count: int) -> str:
    lines = [
        _("Saved. The meeting “{title}” is announced.", title=title),
        _(
            "First time: {when} ({timezone})",
            when=when_words(start, reader_zone),
            timezone=reader_zone,
        ),
    ]
    if count > 1:
        lines.append(
            ngettext("{count} meeting in the series.", "{count} meetings in the series.", count)
        )
    lines.append(_("To move or cancel it, send /meetings."))
    return "\n".join(lines)


def until_choices(draft: Draft) -> list[date]:
    """Quick last dates: the date of the 4th, 8th and 12th meeting, within a year."""
    assert draft.day is not None and draft.repeat_weeks
    step = timedelta(weeks=draft.repeat_weeks)
    last = draft.day + timedelta(days=SERIES_DAYS)
    choices = [draft.day + step * (count - 1) for count in UNTIL_COUNTS]
    return [d for d in choices if d <= last]
