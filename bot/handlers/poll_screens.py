"""The screens of the guided /poll flow: each step's text and keyboard, built from the draft.

Callback data is ``pw2:<flow>:<action>[:<arg>]``: ``flow`` numbers the person's current flow, so
a button left on an older flow's message is recognised as stale. The draft itself lives in
``user_data``, never in callback data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import PollLimit

from bot import callbacks, i18n
from bot.buttons import button_label, hub_in_label
from bot.db.hubs import HubRow
from bot.i18n import _, show

ACTION = "pw2"
CLOSES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "1w": timedelta(weeks=1)}
# Bot API 10.0 allows a single answer; a poll with one answer asks nothing, so we ask for two.
MIN_OPTIONS = max(2, int(PollLimit.MIN_OPTION_NUMBER))
MAX_OPTIONS = int(PollLimit.MAX_OPTION_NUMBER)
MAX_QUESTION = int(PollLimit.MAX_QUESTION_LENGTH)
MAX_OPTION = int(PollLimit.MAX_OPTION_LENGTH)


@dataclass
class Draft:
    """What the facilitator has chosen so far (kept in ``user_data``)."""

    flow: int
    hub_id: int | None = None
    several_hubs: bool = False
    question: str | None = None
    options: list[str] = field(default_factory=list)
    options_done: bool = False
    anonymous: bool = True
    multiple: bool = False
    private: bool = False
    close: str = "never"  # '1h' | '1d' | '1w' | 'never' | 'at' (closes_at typed)
    closes_at: datetime | None = None


def data(draft: Draft, action: str, *args: int | str) -> str:
    return callbacks.pack(ACTION, draft.flow, action, *args)


def _button(label: str, draft: Draft, action: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(draft, action, *args))


def _cancel(draft: Draft) -> InlineKeyboardButton:
    return _button(button_label("✖ Cancel"), draft, "no")


def _row(buttons: list[InlineKeyboardButton]) -> list[InlineKeyboardButton]:
    """A row read from the right by right-to-left readers, as the text is."""
    return buttons[::-1] if i18n.is_rtl(i18n.current_locale()) else buttons


def power_form() -> str:
    return _("Or write it in one line:\n/poll Which day suits you? | Mon | Wed | Thu")


def hub_screen(draft: Draft, hubs: list[HubRow]) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[_button(hub_in_label(hub.name), draft, "hub", hub.id)] for hub in hubs]
    rows.append([_cancel(draft)])
    return _("Which hub is the poll for?"), InlineKeyboardMarkup(rows)


def question_screen(
    draft: Draft, hub: HubRow, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines += [
        _("<b>New poll for {hub}</b>", hub=hub.name),
        _(
            "Type the question (up to {limit} characters), e.g. Which day suits you?",
            limit=MAX_QUESTION,
        ),
    ]
    return "\n\n".join(lines), InlineKeyboardMarkup([[_cancel(draft)]])


def options_screen(draft: Draft, note: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.question is not None
    lines = [note] if note else []
    lines.append(_("<b>{question}</b>", question=draft.question))
    lines += [f"{n}. {show(option)}" for n, option in enumerate(draft.options, 1)]
    lines.append(
        _(
            "Send the answers one per message (from {minimum} to {maximum}, up to {limit} "
            "characters each).",
            minimum=MIN_OPTIONS,
            maximum=MAX_OPTIONS,
            limit=MAX_OPTION,
        )
    )
    rows = []
    if len(draft.options) >= MIN_OPTIONS:
        rows.append([_button(button_label("✅ Done"), draft, "done")])
    rows.append([_cancel(draft)])
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def _on_off(value: bool) -> str:
    return _("on") if value else _("off")


def close_words(draft: Draft, zone: str) -> str:
    if draft.close == "1h":
        return _("after 1 hour")
    if draft.close == "1d":
        return _("after 1 day")
    if draft.close == "1w":
        return _("after 1 week")
    if draft.close == "at" and draft.closes_at is not None:
        return _(
            "on {date} at {time} ({timezone})",
            date=i18n.format_date(draft.closes_at, zone),
            time=i18n.format_time(draft.closes_at, zone),
            timezone=zone,
        )
    return _("never (close it with /closepoll)")


def settings_lines(draft: Draft, hub: HubRow) -> list[str]:
    return [
        _("Anonymous: {value}", value=_on_off(draft.anonymous)),
        _("Multiple answers: {value}", value=_on_off(draft.multiple)),
        _("Sent to: each member privately") if draft.private else _("Sent to: the hub's group"),
        _("Closes: {when}", when=close_words(draft, hub.timezone)),
    ]


def preview_screen(
    draft: Draft, hub: HubRow, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    assert draft.question is not None
    lines = [note, ""] if note else []
    lines += [
        _("<b>Preview of the poll</b>"),
        _("Hub: {hub}", hub=hub.name),
        _("Question: {question}", question=draft.question),
        *[f"• {show(option)}" for option in draft.options],
        "",
        *settings_lines(draft, hub),
        "",
        _("Change a setting with the buttons, then Confirm."),
    ]
    rows = [
        _row(
            [
                _button(
                    button_label("Anonymous: on")
                    if draft.anonymous
                    else button_label("Anonymous: off"),
                    draft,
                    "an",
                ),
                _button(
                    button_label("Multiple: on")
                    if draft.multiple
                    else button_label("Multiple: off"),
                    draft,
                    "mu",
                ),
            ]
        ),
        [
            _button(
                button_label("To: each member") if draft.private else button_label("To: the group"),
                draft,
                "to",
            )
        ],
        _row(
            [
                _button(button_label("Close: 1 hour"), draft, "cl", "1h"),
                _button(button_label("Close: 1 day"), draft, "cl", "1d"),
                _button(button_label("Close: 1 week"), draft, "cl", "1w"),
            ]
        ),
        _row(
            [
                _button(button_label("Close: a date…"), draft, "cl", "at"),
                _button(button_label("Close: never"), draft, "cl", "never"),
            ]
        ),
        _row([_button(button_label("✅ Confirm"), draft, "ok"), _cancel(draft)]),
    ]
    return i18n.finish("\n".join(lines)), InlineKeyboardMarkup(rows)


def close_at_screen(
    draft: Draft, hub: HubRow, example: str, note: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [note] if note else []
    lines.append(
        _(
            "<b>When does the poll close?</b> Type the date and time as year-month-day "
            "hours:minutes, e.g. {example}, in the hub's time ({timezone}).",
            example=example,
            timezone=hub.timezone,
        )
    )
    rows = [_row([_button(button_label("◀ Back"), draft, "pv"), _cancel(draft)])]
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def created_text(poll_id: int, private: bool, *, waiting: bool = False) -> str:
    """What Confirm says; ``waiting``: the group poll is being retried by the poll sender."""
    if private:
        where = _("Sent to each member privately.")
    elif waiting:
        where = _(
            "Being posted in the hub's group: Telegram could not take it at once, so it goes "
            "out in a moment."
        )
    else:
        where = _("Posted in the hub's group.")
    lines = [
        where,
        _("See the answers with /results {id}; close it early with /closepoll {id}.", id=poll_id),
    ]
    return "\n".join(lines)
