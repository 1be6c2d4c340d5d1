"""The screens of the guided /prompt flow: each step's text and keyboard, built from the draft.

Callback data is ``pw:<flow>:<action>[:<arg>]``: ``flow`` numbers the person's current flow, so
a button left on an older flow's message is recognised as stale. The draft itself lives in
``user_data``, never in callback data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n, keyboards
from bot.buttons import button_label, hub_in_label
from bot.db.hubs import HubRow
from bot.handlers.flow_words import (  # noqa: F401 - the flow's words, in one place
    date_passed,
    date_too_far,
    date_unreadable,
    time_passed,
    time_unreadable,
)
from bot.i18n import _, show
from bot.services.prompt_library import LIBRARY
from bot.services.prompt_rules import WEEKDAYS, Recurrence, day_names, describe

ACTION = "pw"
SLOTS = ("08:00", "12:00", "16:00", "18:00", "20:00")
LIBRARY_PAGE = 5  # library prompts per page: their text is in the message, numbers on buttons
DATE_BUTTONS = 7  # quick buttons for a one-off date: today (while a slot is left) and on


@dataclass
class Draft:
    """What the facilitator has chosen so far (kept in ``user_data``)."""

    flow: int
    hub_id: int | None = None
    text: str | None = None  # typed text
    library_key: str | None = None  # or a library prompt
    weekdays: set[str] = field(default_factory=set)
    day: date | None = None  # a one-off date; weekdays are then ignored
    at: str | None = None  # 'HH:MM'

    @property
    def has_text(self) -> bool:
        return bool(self.text) or self.library_key in LIBRARY

    @property
    def has_days(self) -> bool:
        return self.day is not None or bool(self.weekdays)

    def recurrence(self) -> Recurrence | None:
        """The schedule chosen, or None while the days or the time are missing."""
        if self.at is None or not self.has_days:
            return None
        if self.day is not None:
            return Recurrence("once", self.at, (), self.day)
        ordered = tuple(day for day in WEEKDAYS if day in self.weekdays)
        if len(ordered) == len(WEEKDAYS):
            return Recurrence("daily", self.at)
        return Recurrence("weekly", self.at, ordered)

    def shown_text(self) -> str:
        """The prompt's text in the reader's language (a library prompt is translated)."""
        if self.library_key in LIBRARY:
            return str(LIBRARY[self.library_key])
        return self.text or ""


def data(draft: Draft, action: str, *args: int | str) -> str:
    return callbacks.pack(ACTION, draft.flow, action, *args)


def _button(label: str, draft: Draft, action: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(draft, action, *args))


def _cancel(draft: Draft) -> InlineKeyboardButton:
    return _button(button_label("✖ Cancel"), draft, "no")


def _back(draft: Draft, to: str) -> InlineKeyboardButton:
    return _button(button_label("◀ Back"), draft, to)


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _nav(
    back: InlineKeyboardButton | None,
    middle: InlineKeyboardButton,
    forward: InlineKeyboardButton | None = None,
) -> list[InlineKeyboardButton]:
    """[◀ Back] [middle] [Next ▶] in reading order (mirrored for right-to-left readers)."""
    row = [button for button in (back, middle, forward) if button is not None]
    return row[::-1] if i18n.is_rtl(i18n.current_locale()) else row


def accepted_forms() -> str:
    return _(
        "Write it like this:\n/prompt weekdays 18:00 <i>text</i>\n/prompt mon,thu 18:00 "
        "<i>text</i>\n/prompt daily 18:00 <i>text</i>\n/prompt 2026-12-01 18:00 <i>text</i>"
    )


def timing_note(hub: HubRow, timing: str) -> str:
    """Which clock the days and times are on: the hub's, or each member's own."""
    if timing == "member":
        return _("Times are each member's own local time.")
    return _("Times are the hub's local time ({timezone}).", timezone=hub.timezone)


# -- what was wrong with a typed answer


def text_problem(length: int, limit: int) -> str:
    if not length:
        return _("The prompt is empty. Type the question members will reflect on.")
    return _(
        "The prompt has {length} characters; the limit is {limit}. Please shorten it.",
        length=length,
        limit=limit,
    )


# -- the steps


def hub_screen(draft: Draft, hubs: list[HubRow]) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[_button(hub_in_label(hub.name), draft, "hub", hub.id)] for hub in hubs]
    rows.append([_cancel(draft)])
    return _("Which hub is the prompt for?"), InlineKeyboardMarkup(rows)


def text_screen(draft: Draft, hub: HubRow, limit: int) -> tuple[str, InlineKeyboardMarkup]:
    text = "\n\n".join(
        [
            _("<b>New prompt for {hub}</b>", hub=hub.name),
            _(
                "Type the question members will reflect on (up to {limit} characters), or "
                "choose one from the library.",
                limit=limit,
            ),
        ]
    )
    rows = [[_button(button_label("📚 Library"), draft, "lib", 0)], [_cancel(draft)]]
    return text, InlineKeyboardMarkup(rows)


def library_pages() -> int:
    return max(1, -(-len(LIBRARY) // LIBRARY_PAGE))


def library_screen(draft: Draft, page: int) -> tuple[str, InlineKeyboardMarkup]:
    keys = list(LIBRARY)
    first = page * LIBRARY_PAGE
    shown = keys[first : first + LIBRARY_PAGE]
    lines = [
        _(
            "<b>Prompt library</b> (page {page} of {pages}). Each member reads the prompt in "
            "their own language. Choose a number:",
            page=page + 1,
            pages=library_pages(),
        )
    ]
    for number, key in enumerate(shown, start=first + 1):
        lines.append(f"\n<b>{number}.</b> {show(str(LIBRARY[key]))}")
    numbers = [
        _button(str(number), draft, "pick", key)
        for number, key in enumerate(shown, start=first + 1)
    ]
    back = _button(button_label("◀ Back"), draft, "lib", page - 1) if page > 0 else None
    more = (
        _button(button_label("More ▶"), draft, "lib", page + 1)
        if first + LIBRARY_PAGE < len(keys)
        else None
    )
    rows = [numbers]
    pager = keyboards.pager(back, more)
    if pager:
        rows.append(pager)
    rows.append([_button(button_label("✏️ Type my own"), draft, "type"), _cancel(draft)])
    return i18n.finish("\n".join(lines)), InlineKeyboardMarkup(rows)


def days_screen(
    draft: Draft, hub: HubRow, timing: str, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    names = day_names()
    chosen = [names[day] for day in WEEKDAYS if day in draft.weekdays]
    lines = [note] if note else []
    lines += [
        _("<b>On which days?</b> Tap the days to mark them, then press Next."),
        _("Chosen: {days}", days=", ".join(chosen)) if chosen else _("No day chosen yet."),
        timing_note(hub, timing),
    ]
    toggles = [
        _button(("✓ " if day in draft.weekdays else "") + names[day], draft, "d", day)
        for day in WEEKDAYS
    ]
    rows = [toggles[:4], toggles[4:]]
    if i18n.is_rtl(i18n.current_locale()):  # the week reads from the right, as the text does
        rows = [row[::-1] for row in rows]
    rows.append(
        [
            _button(button_label("Every day"), draft, "all"),
            _button(button_label("Weekdays"), draft, "wk"),
        ]
    )
    rows.append([_button(button_label("📅 One date…"), draft, "once")])
    forward = _button(button_label("Next ▶"), draft, "next") if chosen else None
    rows.append(_nav(_back(draft, "txt"), _cancel(draft), forward))
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
    buttons = [
        _button(
            format_date(day, "EEE d MMM", locale=i18n.current_locale()),
            draft,
            "date",
            day.strftime("%Y%m%d"),
        )
        for day in days
    ]
    rows = _rows(buttons, 2)
    rows.append(_nav(_back(draft, "days"), _cancel(draft)))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def time_screen(
    draft: Draft, hub: HubRow, timing: str, slots: list[str], note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines += [
        _("<b>At what time?</b> Choose one, or type it as hours:minutes, e.g. 18:30."),
        timing_note(hub, timing),
    ]
    buttons = [_button(slot, draft, "t", slot.replace(":", "")) for slot in slots]
    rows = _rows(buttons, 3) if buttons else []
    rows.append(_nav(_back(draft, "days"), _cancel(draft)))
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def preview_screen(
    draft: Draft,
    hub: HubRow,
    timing: str,
    first_run: datetime | None,
    reader_zone: str,
) -> tuple[str, InlineKeyboardMarkup]:
    recurrence = draft.recurrence()
    assert recurrence is not None
    lines = [
        _("<b>Preview of the prompt</b>"),
        _("Hub: {hub}", hub=hub.name),
        _("When: {schedule}", schedule=describe(recurrence, hub.timezone)),
        timing_note(hub, timing),
    ]
    if first_run is not None:
        lines.append(
            _(
                "First time: {when} ({timezone})",
                when=i18n.format_datetime(first_run, reader_zone, "short"),
                timezone=reader_zone,
            )
        )
    if draft.library_key in LIBRARY:
        lines.append(_("From the library: each member reads it in their own language."))
    body = i18n.finish(show(draft.shown_text()))
    rows = [
        [_button(button_label("✅ Confirm"), draft, "ok"), _cancel(draft)],
        _nav(_back(draft, "time"), _button(button_label("✏️ Change text"), draft, "txt")),
    ]
    return "\n".join(lines) + "\n\n" + body, InlineKeyboardMarkup(rows)


def created_text(
    recurrence: Recurrence, hub_zone: str, next_run: datetime | None, reader_zone: str
) -> str:
    lines = [_("Saved. The prompt goes out {schedule}.", schedule=describe(recurrence, hub_zone))]
    if next_run is not None:
        lines.append(
            _(
                "First time: {when} ({timezone})",
                when=i18n.format_datetime(next_run, reader_zone, "short"),
                timezone=reader_zone,
            )
        )
    lines.append(_("To pause or delete it, send /prompts."))
    return "\n".join(lines)
