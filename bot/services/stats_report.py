"""The /stats message and the chart's words, in the reader's language (Babel numbers)."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_skeleton, format_timedelta
from babel.numbers import format_decimal, format_percent

from bot.i18n import _, current_locale, finish, ngettext
from bot.services.stats import WEEKS, Figures
from bot.services.stats_chart import ChartText


def number(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def percent(value: float) -> str:
    return format_percent(value, locale=current_locale())


def duration(value: timedelta) -> str:
    """A median wait, rounded as people say it: "3 hours", "2 days", "5 minutes"."""
    return format_timedelta(value, threshold=1.5, locale=current_locale())


def week_label(day: date) -> str:
    return format_skeleton("MMMd", day, locale=current_locale())


def _heading(figures: Figures) -> str:
    if not figures.title:
        return ngettext(
            "📊 <b>The whole network</b>: {count} hub",
            "📊 <b>The whole network</b>: {count} hubs",
            figures.hubs,
            count=number(figures.hubs),
        )
    return _("📊 Figures for <b>{hub}</b>", hub=figures.title)


def _members(figures: Figures) -> list[str]:
    raw = figures.raw
    return [
        ngettext(
            "👥 {count} member; {reachable} can get messages from me.",
            "👥 {count} members; {reachable} can get messages from me.",
            raw.members,
            count=number(raw.members),
            reachable=number(raw.reachable),
        ),
        _(
            "In the last 30 days: {joined} joined, {left} left.",
            joined=number(raw.joined),
            left=number(raw.left),
        ),
        # Activity is recorded per person, not per hub: a hub's figure says so.
        _(
            "Active anywhere in the network (wrote or pressed anything): {week} in the last "
            "7 days, {month} in the last 30 days.",
            week=number(raw.active7),
            month=number(raw.active30),
        )
        if figures.title
        else _(
            "Active (wrote or pressed anything): {week} in the last 7 days, "
            "{month} in the last 30 days.",
            week=number(raw.active7),
            month=number(raw.active30),
        ),
    ]


def _questions(figures: Figures) -> list[str]:
    raw = figures.raw
    line = _(
        "❓ Questions in the last 30 days: {asked} asked, {answered} answered.",
        asked=number(raw.asked),
        answered=number(raw.answered),
    )
    median = figures.median_answer
    if median is not None:
        line += " " + _("Half were answered within {time}.", time=duration(median))
    return [line]


def _announcements(figures: Figures) -> list[str]:
    raw = figures.raw
    if not raw.announcements:
        return []
    line = ngettext(
        "📣 {count} announcement in the last 30 days.",
        "📣 {count} announcements in the last 30 days.",
        raw.announcements,
        count=number(raw.announcements),
    )
    if figures.delivery_rate is not None:
        line += " " + _(
            "Delivered: {percent} ({delivered} of {total} messages).",
            percent=percent(figures.delivery_rate),
            delivered=number(figures.delivered),
            total=number(figures.delivery_finished),
        )
    return [line]


def _reflections(figures: Figures) -> list[str]:
    raw = figures.raw
    if figures.reflection_rate is None:
        return []
    return [
        _(
            "✍️ Reflection prompts in the last 30 days: {percent} answered ({answered} of {sent}).",
            percent=percent(figures.reflection_rate),
            answered=number(raw.prompts_answered),
            sent=number(raw.prompts_sent),
        )
    ]


def _meetings(figures: Figures) -> list[str]:
    raw = figures.raw
    if not raw.meetings:
        return []
    lines = [
        ngettext(
            "📅 {count} meeting in the last 30 days. Answers: {yes} going, {maybe} maybe, "
            "{no} not going.",
            "📅 {count} meetings in the last 30 days. Answers: {yes} going, {maybe} maybe, "
            "{no} not going.",
            raw.meetings,
            count=number(raw.meetings),
            yes=number(raw.rsvps.get("yes", 0)),
            maybe=number(raw.rsvps.get("maybe", 0)),
            no=number(raw.rsvps.get("no", 0)),
        )
    ]
    if figures.attendance_rate is not None:
        lines.append(
            _(
                "Attendance: {percent} of those marked ({present} of {marked}).",
                percent=percent(figures.attendance_rate),
                present=number(raw.attended),
                marked=number(raw.attendance_marked),
            )
        )
    return lines


def _polls(figures: Figures) -> list[str]:
    raw = figures.raw
    lines = []
    if figures.poll_rate is not None:
        lines.append(
            ngettext(
                "🗳 {count} named poll in the last 30 days: {percent} of members voted.",
                "🗳 {count} named polls in the last 30 days: {percent} of members voted.",
                raw.named_polls,
                count=number(raw.named_polls),
                percent=percent(figures.poll_rate),
            )
        )
    if raw.anonymous_polls:
        lines.append(
            ngettext(
                "🗳 {count} anonymous poll in the last 30 days: {votes} votes.",
                "🗳 {count} anonymous polls in the last 30 days: {votes} votes.",
                raw.anonymous_polls,
                count=number(raw.anonymous_polls),
                votes=number(raw.anonymous_voters),
            )
        )
    return lines


def _surveys(figures: Figures) -> list[str]:
    raw = figures.raw
    if figures.survey_rate is None:
        return []
    return [
        ngettext(
            "📋 {count} survey in the last 30 days: {percent} finished it "
            "({finished} of {invited}).",
            "📋 {count} surveys in the last 30 days: {percent} finished them "
            "({finished} of {invited}).",
            raw.surveys,
            count=number(raw.surveys),
            percent=percent(figures.survey_rate),
            finished=number(raw.survey_finished),
            invited=number(raw.survey_invited),
        )
    ]


def render_text(figures: Figures) -> str:
    """The whole message: heading, members, then each feature that had something to count."""
    lines = [_heading(figures), "", *_members(figures), "", *_questions(figures)]
    for section in (_announcements, _reflections, _meetings, _polls, _surveys):
        lines.extend(section(figures))
    return finish("\n".join(lines))


def chart_text(figures: Figures) -> ChartText:
    """The chart's title, legend and week labels (each week by its first UTC day)."""
    if figures.title:
        title = ngettext(
            "{hub}: the last {count} week",
            "{hub}: the last {count} weeks",
            WEEKS,
            hub=figures.title,
            count=number(WEEKS),
        )
    else:
        title = ngettext(
            "The whole network: the last {count} week",
            "The whole network: the last {count} weeks",
            WEEKS,
            count=number(WEEKS),
        )
    return ChartText(
        title=title,
        members=_("Members"),
        active=_("Active members"),
        week_labels=[week_label(week.start) for week in figures.weeks],
        language=current_locale().replace("_", "-"),
    )


def caption(figures: Figures) -> str:
    return _(
        "Members (line) and active members (bars) per week; weeks start on the day shown (UTC)."
    )
