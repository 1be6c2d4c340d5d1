"""The screens of the guided /survey builder: each step's text and keyboard, built from the draft.

Callback data is ``sw:<flow>:<action>[:<arg>]``: ``flow`` numbers the person's current flow, so
a button left on an older flow's message is recognised as stale. The draft itself lives in
``user_data``, never in callback data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, i18n
from bot.buttons import button_label, hub_in_label
from bot.db.hubs import HubRow
from bot.handlers.common import shorten
from bot.i18n import _, ngettext, show
from bot.services.survey_types import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    MAX_TITLE_LENGTH,
    MIN_OPTIONS,
    QuestionDraft,
    QuestionKind,
    SurveyView,
)

ACTION = "sw"
ALL_HUBS = "all"
CHOICE_KINDS = ("single", "multiple")
# Deadlines counted from the opening, and reminders counted back from the deadline.
DEADLINES = {"3d": timedelta(days=3), "1w": timedelta(weeks=1), "2w": timedelta(weeks=2)}
REMINDERS = {"3d": timedelta(days=3), "1d": timedelta(days=1), "3h": timedelta(hours=3)}
OPEN_AT = "09:00"  # "Tomorrow 09:00", and the time of a typed opening date without one
CLOSE_AT = "23:59"  # the time of a typed deadline without one
EARLIER_SHOWN = 8  # earlier surveys offered for a before/after pair


@dataclass
class Draft:
    """What the facilitator has chosen so far (kept in ``user_data``)."""

    flow: int
    several_hubs: bool = False  # a hub was (or is to be) chosen by button
    chosen: bool = False  # hub_id (None with all_hubs) is decided
    hub_id: int | None = None
    all_hubs: bool = False
    before: SurveyView | None = None  # this survey is the "after" of that one
    title: str | None = None
    questions: list[QuestionDraft] = field(default_factory=list)
    adding: bool = True  # a question is being added (kind, text, options)
    kind: QuestionKind | None = None
    text: str | None = None
    options: list[str] = field(default_factory=list)
    questions_done: bool = False
    anonymous: bool | None = None
    opens: str | None = None  # 'now' | 'tom' | 'at' (opens_at: tomorrow's 09:00 or typed)
    opens_at: datetime | None = None
    closes: str | None = None  # a key of DEADLINES | 'at' (closes_at typed)
    closes_at: datetime | None = None
    reminders: set[str] = field(default_factory=set)
    reminders_done: bool = False

    @property
    def copied(self) -> bool:
        return self.before is not None


@dataclass(frozen=True, slots=True)
class Scope:
    """Whom the survey goes to: one hub, or every hub (``hub`` None); the zone its times use."""

    hub: HubRow | None
    zone: str

    @property
    def name(self) -> str:
        return self.hub.name if self.hub is not None else _("All hubs")


def data(draft: Draft, action: str, *args: int | str) -> str:
    return callbacks.pack(ACTION, draft.flow, action, *args)


def button(label: str, draft: Draft, action: str, *args: int | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(draft, action, *args))


def cancel(draft: Draft) -> InlineKeyboardButton:
    return button(button_label("✖ Cancel"), draft, "no")


def back(draft: Draft, to: str) -> InlineKeyboardButton:
    return button(button_label("◀ Back"), draft, "bk", to)


def row(buttons: list[InlineKeyboardButton]) -> list[InlineKeyboardButton]:
    """A row read from the right by right-to-left readers, as the text is."""
    return buttons[::-1] if i18n.is_rtl(i18n.current_locale()) else buttons


def screen(lines: list[str], rows: list[list[InlineKeyboardButton]]) -> tuple[str, object]:
    return i18n.finish("\n\n".join(line for line in lines if line)), InlineKeyboardMarkup(rows)


def kind_words(kind: str) -> str:
    if kind == "single":
        return _("Single choice")
    if kind == "multiple":
        return _("Multiple choice")
    if kind == "scale":
        return _("Scale 1–5")
    return _("Free text")


def moment_words(moment: datetime, zone: str) -> str:
    return _(
        "{date}, {time} ({timezone})",
        date=i18n.format_date(moment, zone),
        time=i18n.format_time(moment, zone),
        timezone=zone,
    )


def offsets_words(keys: set[str]) -> str:
    """The chosen reminders, largest first: "3 days, 1 day, 3 hours"."""
    words = {
        "3d": ngettext("{count} day", "{count} days", 3),
        "1d": ngettext("{count} day", "{count} days", 1),
        "3h": ngettext("{count} hour", "{count} hours", 3),
    }
    return ", ".join(words[key] for key in REMINDERS if key in keys)


# -- the screens


def hub_screen(draft: Draft, hubs: list[HubRow], all_hubs: bool) -> tuple[str, object]:
    rows = [[button(hub_in_label(hub.name), draft, "hub", hub.id)] for hub in hubs]
    if all_hubs:
        rows.append([button(button_label("🌐 All hubs"), draft, "hub", ALL_HUBS)])
    rows.append([cancel(draft)])
    return screen([_("Which hub is the survey for?")], rows)


def title_screen(draft: Draft, scope: Scope, earlier: bool, note: str | None) -> tuple[str, object]:
    lines = [
        note,
        _("<b>New survey for {hub}</b>", hub=scope.name),
        _(
            "Type the survey's title (up to {limit} characters), e.g. Mentoring in our school: "
            "autumn.",
            limit=MAX_TITLE_LENGTH,
        ),
    ]
    rows = []
    if draft.before is not None:
        lines.insert(1, copied_words(draft.before))
    elif earlier:
        lines.append(
            _(
                "Or make it the “after” of an earlier survey: its questions are copied, and the "
                "results show both side by side."
            )
        )
        rows.append([button(button_label("📋 After an earlier"), draft, "bf")])
    rows.append([cancel(draft)])
    return screen(lines, rows)


def copied_words(before: SurveyView) -> str:
    return ngettext(
        "The {count} question of {ref} “{title}” is copied: this survey is its “after”.",
        "The {count} questions of {ref} “{title}” are copied: this survey is its “after”.",
        len(before.questions),
        ref=before.ref,
        title=before.title,
    )


def earlier_screen(draft: Draft, surveys: list[SurveyView], zone: str) -> tuple[str, object]:
    """This hub's latest surveys, each with its dates in the reader's ``zone``."""
    shown = surveys[:EARLIER_SHOWN]
    lines = [_("<b>Which survey is this the “after” of?</b>")]
    lines += [
        _(
            "{ref} “{title}”: {start} – {end}",
            ref=survey.ref,
            title=survey.title,
            start=i18n.format_date(survey.opens_at, zone),
            end=i18n.format_date(survey.closes_at, zone),
        )
        for survey in shown
    ]
    rows = [
        [button(f"{survey.ref} · {shorten(survey.title, 24)}", draft, "bf", survey.id)]
        for survey in shown
    ]
    rows.append(row([back(draft, "title"), cancel(draft)]))
    return i18n.finish("\n".join(lines)), InlineKeyboardMarkup(rows)


def question_lines(questions: list[QuestionDraft]) -> list[str]:
    lines = []
    for number, question in enumerate(questions, 1):
        lines.append(f"{number}. {show(question.text)} · <i>{kind_words(question.kind)}</i>")
        lines += [f"    • {show(option)}" for option in question.options]
    return lines


def list_screen(draft: Draft, note: str | None) -> tuple[str, object]:
    lines = [
        note,
        "\n".join(
            [
                ngettext(
                    "<b>{count} question so far:</b>",
                    "<b>{count} questions so far:</b>",
                    len(draft.questions),
                ),
                *question_lines(draft.questions),
            ]
        ),
    ]
    rows = []
    if len(draft.questions) < MAX_QUESTIONS:
        rows.append([button(button_label("➕ Another question"), draft, "add")])
    else:
        lines.append(_("That is the most a survey can have ({count}).", count=MAX_QUESTIONS))
    rows.append(
        row(
            [
                button(button_label("↩ Remove last"), draft, "rm"),
                button(button_label("✅ That's all"), draft, "qd"),
            ]
        )
    )
    rows.append([cancel(draft)])
    return screen(lines, rows)


def kind_screen(draft: Draft, note: str | None) -> tuple[str, object]:
    number = len(draft.questions) + 1
    lines = [note, _("<b>Question {number}</b>: what kind of answer?", number=number)]
    buttons = [
        button(button_label("Single choice"), draft, "k", "single"),
        button(button_label("Multiple choice"), draft, "k", "multiple"),
        button(button_label("Scale 1–5"), draft, "k", "scale"),
        button(button_label("Free text"), draft, "k", "text"),
    ]
    last = row([back(draft, "list"), cancel(draft)]) if draft.questions else [cancel(draft)]
    return screen(lines, [row(buttons[:2]), row(buttons[2:]), last])


def text_screen(draft: Draft, note: str | None) -> tuple[str, object]:
    assert draft.kind is not None
    lines = [
        note,
        _(
            "<b>Question {number}</b> ({kind}): type the question, up to {limit} characters.",
            number=len(draft.questions) + 1,
            kind=kind_words(draft.kind),
            limit=MAX_QUESTION_LENGTH,
        ),
    ]
    return screen(lines, [row([back(draft, "kind"), cancel(draft)])])


def options_screen(draft: Draft, note: str | None) -> tuple[str, object]:
    assert draft.text is not None
    lines = [
        note,
        "\n".join(
            [
                f"<b>{show(draft.text)}</b>",
                *[f"{n}. {show(o)}" for n, o in enumerate(draft.options, 1)],
            ]
        ),
        _(
            "Send the options one per message (from {minimum} to {maximum}, up to {limit} "
            "characters each), then press Done.",
            minimum=MIN_OPTIONS,
            maximum=MAX_OPTIONS,
            limit=MAX_OPTION_LENGTH,
        ),
    ]
    rows = []
    if len(draft.options) >= MIN_OPTIONS:
        rows.append([button(button_label("✅ Done"), draft, "od")])
    rows.append(row([back(draft, "text"), cancel(draft)]))
    return screen(lines, rows)
