"""Poll results as text: a bar chart with counts and percentages, in the reader's language.

Every option line starts with the option text (isolated by the template), and the bar, count and
percentage form one catalog string, so a right-to-left reader sees each line in their direction.
"""

from __future__ import annotations

from babel.numbers import format_percent

from bot.i18n import Html, _, current_locale, ngettext, paragraphs, ref, show
from bot.services.poll_types import CLOSED, PollReach, PollResults, PollView

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
    if facilitator and results.reach is not None:
        parts.append("\n".join(reach_lines(results.reach)))
    return paragraphs(parts)


def reach_lines(reach: PollReach) -> list[str]:
    """How a private poll's sending went: sent, still to send, refused and why."""
    lines = [
        ngettext(
            "Sent privately to {sent} of {count} member.",
            "Sent privately to {sent} of {count} members.",
            reach.total,
            sent=reach.sent,
            count=reach.total,
        )
    ]
    if reach.waiting:
        lines.append(
            ngettext(
                "{count} is still to be sent.",
                "{count} are still to be sent.",
                reach.waiting,
                count=reach.waiting,
            )
        )
    if reach.blocked:
        lines.append(
            ngettext(
                "{count} member has blocked the bot.",
                "{count} members have blocked the bot.",
                reach.blocked,
                count=reach.blocked,
            )
        )
    if reach.not_started:
        lines.append(
            ngettext(
                "{count} member never started the bot, so it cannot write to them.",
                "{count} members never started the bot, so it cannot write to them.",
                reach.not_started,
                count=reach.not_started,
            )
        )
    if reach.failed:
        lines.append(
            ngettext(
                "{count} member could not be reached for another reason.",
                "{count} members could not be reached for another reason.",
                reach.failed,
                count=reach.failed,
            )
        )
    if reach.cancelled:
        lines.append(
            ngettext(
                "{count} was not sent: the poll closed first.",
                "{count} were not sent: the poll closed first.",
                reach.cancelled,
                count=reach.cancelled,
            )
        )
    return lines


def render_report(view: PollView, reach: PollReach) -> str:
    """The author's note once a private poll's sending has ended."""
    parts = [
        _(
            "The poll {ref} “{question}” has been sent.",
            ref=ref(view.id),
            question=view.question,
        ),
        "\n".join(reach_lines(reach)),
    ]
    if reach.blocked or reach.not_started:
        parts.append(
            _(
                "Members who never started the bot or blocked it can open a private chat with "
                "it (the hub's invite link) to get the next ones."
            )
        )
    return paragraphs(parts)


def render_refused(view: PollView) -> str:
    """The author's note when Telegram refused a group poll the bot could not send at once."""
    return _(
        "Telegram refused the poll “{question}” in the group of {hub}, so it was not created. "
        "Please check that the bot is still in the group and may send polls, then try again.",
        question=view.question,
        hub=view.hub_name,
    )


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
