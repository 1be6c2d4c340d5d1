"""The later screens of the /survey builder: anonymity, opening, deadline, reminders, the
preview, and what Confirm says (``survey_screens`` has the draft and the first steps)."""

from __future__ import annotations

from datetime import datetime

from bot import i18n
from bot.buttons import button_label
from bot.handlers.survey_screens import (
    CLOSE_AT,
    OPEN_AT,
    REMINDERS,
    Draft,
    Scope,
    back,
    button,
    cancel,
    moment_words,
    offsets_words,
    question_lines,
    row,
    screen,
)
from bot.i18n import _, ngettext
from bot.services.survey_types import SurveyView


def anonymity_screen(draft: Draft, note: str | None) -> tuple[str, object]:
    lines = [
        note,
        _("<b>Anonymous or with names?</b>"),
        anonymity_words(True),
        anonymity_words(False),
    ]
    rows = [
        row(
            [
                button(button_label("🙈 Anonymous"), draft, "an", 1),
                button(button_label("👤 With names"), draft, "an", 0),
            ]
        ),
        # The questions can still change here, unless they are an earlier survey's copy.
        row([back(draft, "questions"), cancel(draft)]) if not draft.copied else [cancel(draft)],
    ]
    return screen(lines, rows)


def anonymity_words(anonymous: bool) -> str:
    if anonymous:
        return _(
            "Anonymous: answers are stored without names; only whether each member finished is "
            "kept, to remind those who have not."
        )
    return _("With names: the facilitators see each member's answers with their name.")


def zone_note(scope: Scope) -> str:
    if scope.hub is None:
        return _("All hubs: times are in your time zone ({timezone}).", timezone=scope.zone)
    return _("Times are in the hub's time zone ({timezone}).", timezone=scope.zone)


def opens_screen(draft: Draft, scope: Scope, note: str | None) -> tuple[str, object]:
    lines = [note, _("<b>When does the survey open?</b>"), zone_note(scope)]
    rows = [
        row(
            [
                button(button_label("Now"), draft, "op", "now"),
                button(button_label("Tomorrow 09:00"), draft, "op", "tom"),
            ]
        ),
        row([button(button_label("A date…"), draft, "op", "at"), cancel(draft)]),
    ]
    return screen(lines, rows)


def typed_moment_screen(
    draft: Draft, scope: Scope, what: str, example: str, note: str | None
) -> tuple[str, object]:
    if what == "opens":
        ask = _(
            "<b>When does the survey open?</b> Type the date as year-month-day, with the time "
            "if you like, e.g. {example} (without a time: {time}).",
            example=example,
            time=OPEN_AT,
        )
    else:
        ask = _(
            "<b>What is the deadline?</b> Type the date as year-month-day, with the time if you "
            "like, e.g. {example} (without a time: {time}).",
            example=example,
            time=CLOSE_AT,
        )
    to = "opens" if what == "opens" else "closes"
    return screen([note, ask, zone_note(scope)], [row([back(draft, to), cancel(draft)])])


def closes_screen(
    draft: Draft, scope: Scope, opens_at: datetime | None, note: str | None
) -> tuple[str, object]:
    opening = (
        _("It opens now.")
        if opens_at is None
        else _("It opens {when}.", when=moment_words(opens_at, scope.zone))
    )
    lines = [note, _("<b>What is the deadline?</b>"), opening, zone_note(scope)]
    rows = [
        row(
            [
                button(button_label("In 3 days"), draft, "cl", "3d"),
                button(button_label("In 1 week"), draft, "cl", "1w"),
                button(button_label("In 2 weeks"), draft, "cl", "2w"),
            ]
        ),
        row([button(button_label("A date…"), draft, "cl", "at"), cancel(draft)]),
    ]
    return screen(lines, rows)


def reminders_screen(draft: Draft, note: str | None) -> tuple[str, object]:
    lines = [
        note,
        _(
            "<b>Remind those who have not finished?</b> Tap when, before the deadline, then "
            "press Next."
        ),
    ]
    if draft.reminders:
        lines.append(_("Chosen: {reminders} before", reminders=offsets_words(draft.reminders)))
    labels = {
        "3d": button_label("3 days before"),
        "1d": button_label("1 day before"),
        "3h": button_label("3 hours before"),
    }
    toggles = [
        button(("✓ " if key in draft.reminders else "") + labels[key], draft, "r", key)
        for key in REMINDERS
    ]
    last = button(
        button_label("Next ▶") if draft.reminders else button_label("No reminders"), draft, "rd"
    )
    rows = [row(toggles), row([last, cancel(draft)])]
    return screen(lines, rows)


def preview_screen(
    draft: Draft,
    scope: Scope,
    reader_zone: str,
    opens_at: datetime | None,
    closes_at: datetime,
    members: int,
    note: str | None,
) -> tuple[str, object]:
    assert draft.title is not None and draft.anonymous is not None
    who = ngettext(
        "Sent to: {hub}, {count} member",
        "Sent to: {hub}, {count} members",
        members,
        hub=scope.name,
    )
    head = [_("<b>Preview of the survey</b>"), _("Title: {title}", title=draft.title), who]
    if draft.before is not None:
        head.append(
            _("The “after” of: {ref} “{title}”", ref=draft.before.ref, title=draft.before.title)
        )
    head.append(anonymity_words(draft.anonymous))
    times = [
        _("Opens: now")
        if opens_at is None
        else _("Opens: {when}", when=when(opens_at, scope, reader_zone)),
        _("Deadline: {when}", when=when(closes_at, scope, reader_zone)),
        _("Reminders: {reminders} before the deadline", reminders=offsets_words(draft.reminders))
        if draft.reminders
        else _("Reminders: none"),
    ]
    lines = [
        note,
        "\n".join(head),
        "\n".join(question_lines(draft.questions)),
        "\n".join(times),
        _("Change what you need with the buttons, then Confirm."),
    ]
    rows = [
        row(
            [
                button(
                    button_label("Anonymous: on")
                    if draft.anonymous
                    else button_label("Anonymous: off"),
                    draft,
                    "an",
                    0 if draft.anonymous else 1,
                ),
                button(button_label("🔔 Reminders"), draft, "ch", "r"),
            ]
        ),
        row(
            [
                button(button_label("🕘 Opening"), draft, "ch", "op"),
                button(button_label("⏳ Deadline"), draft, "ch", "cl"),
            ]
        ),
        row([button(button_label("✅ Confirm"), draft, "ok"), cancel(draft)]),
    ]
    return screen(lines, rows)


def when(moment: datetime, scope: Scope, reader_zone: str) -> str:
    """A moment in the reader's zone, and in the survey's own zone when it differs."""
    mine = moment_words(moment, reader_zone)
    if reader_zone == scope.zone:
        return mine
    return _(
        "{mine}; in the hub's time {theirs}", mine=mine, theirs=moment_words(moment, scope.zone)
    )


def created_text(view: SurveyView, reader_zone: str, opened: bool) -> str:
    lines = [
        _("The survey {ref} is open: it is on its way to the members.", ref=view.ref)
        if opened
        else _(
            "The survey {ref} is ready: it opens {when}.",
            ref=view.ref,
            when=moment_words(view.opens_at, reader_zone),
        ),
        _("Follow it with /surveys; see the answers with /results {ref}.", ref=view.ref),
    ]
    return i18n.finish("\n".join(lines))
