"""Poll results as text: a bar chart with counts and percentages, in the reader's language.

Every option line starts with the option text (isolated by the template), and the bar, count and
percentage form one catalog string, so a right-to-left reader sees each line in their direction.
"""

from __future__ import annotations

from babel.numbers import format_percent

from bot.i18n import Html, _, current_locale, ngettext, paragraphs, ref, show
from bot.services.poll_types import CLOSED, PollResults, PollView

BAR_WIDTH = 10
FULL, EMPTY = "█", "░"


def bar(count: int, total: int, width: int = BAR_WIDTH) -> str:
    """``count`` of ``total`` as a bar of ``width`` cells, rounded to the nearest cell."""
    filled = 0 if total <= 0 else round(width * count / total)
    filled = max(0, min(width, filled))
    return FULL * filled + EMPTY * (width - filled)


def percent(count: int, total: int) -> str:
    ratio = 0 if total <= 0 else count / total
    return format_percent(ratio, locale=current_locale())


def chart_lines(view: PollView, results: PollResults) -> list[str]:
    lines = []
    for text, count in zip(view.options, results.counts, strict=False):
        lines.append(
            _(
                "{option}\n{bar} {votes} · {percent}",
                option=text,
                bar=bar(count, results.total),
                votes=count,
                percent=percent(count, results.total),
            )
        )
    return lines


def render_results(view: PollView, results: PollResults, *, facilitator: bool) -> str:
    """The /results answer (HTML): heading, bars, the number of voters, who has not voted."""
    heading = (
        _(
            "Results of poll {ref} (closed): <b>{question}</b>",
            ref=ref(view.id),
            question=view.question,
        )
        if view.status == CLOSED
        else _(
            "Results so far of poll {ref}: <b>{question}</b>",
            ref=ref(view.id),
            question=view.question,
        )
    )
    parts = [heading, "\n\n".join(chart_lines(view, results))]
    parts.append(
        ngettext(
            "{count} person voted.", "{count} people voted.", results.total, count=results.total
        )
    )
    if view.multiple:
        parts.append(_("Several answers were allowed, so percentages add up to more than 100%."))
    if view.anonymous:
        parts.append(_("This poll is anonymous: nobody can see who voted for what."))
    elif facilitator and results.non_voters is not None:
        if results.non_voters:
            names = Html(", ".join(show(voter.name) for voter in results.non_voters))
            parts.append(_("Not voted yet: {names}", names=names))
        else:
            parts.append(_("Everyone in the hub has voted."))
    return paragraphs(parts)


def render_closed(view: PollView, results: PollResults) -> str:
    """The message posted where the poll went when it closes."""
    heading = _(
        "The poll {ref} is closed: <b>{question}</b>", ref=ref(view.id), question=view.question
    )
    parts = [heading, "\n\n".join(chart_lines(view, results))]
    parts.append(
        ngettext(
            "{count} person voted.", "{count} people voted.", results.total, count=results.total
        )
    )
    return paragraphs(parts)


def render_reminder(view: PollView) -> str:
    where = (
        _("It is in our chat, a little further up.")
        if view.private
        else _("It is in the group of {hub}.", hub=view.hub_name)
    )
    return paragraphs(
        [
            _(
                "A gentle reminder: the poll “{question}” of {hub} is waiting for your vote.",
                question=view.question,
                hub=view.hub_name,
            ),
            where,
        ]
    )
