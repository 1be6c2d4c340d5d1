"""The steps of the guided /poll flow: checks on typed text, and what each press or answer does.

``poll_flow`` re-checks the person's role on the draft's hub before calling anything here.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import AWAITING, BotContext
from bot.db.hubs import HubRow
from bot.handlers import poll_screens as screens
from bot.handlers.common import edit_or_reply, reply
from bot.handlers.flows import FlowState
from bot.handlers.poll_screens import Draft
from bot.i18n import _
from bot.services.poll_types import PollError

DRAFT = "poll-draft"  # user_data: the Draft of the current flow
AWAIT = "poll-flow"  # AWAITING = (AWAIT, flow, "question" | "option" | "closes")
_MOMENT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})")


# -- checks on what was typed (the service checks again on Confirm)


def _length(text: str) -> int:
    """Characters as Telegram counts them (UTF-16 code units), as the service does."""
    return len(text.encode("utf-16-le")) // 2


def question_problem(text: str) -> str | None:
    if not text:
        return _("The question is empty. Type the question.")
    if _length(text) > screens.MAX_QUESTION:
        return _(
            "That question is {length} characters long; Telegram allows up to {limit}.",
            length=_length(text),
            limit=screens.MAX_QUESTION,
        )
    return None


def option_problem(options: list[str], text: str) -> str | None:
    if not text:
        return _("That answer is empty.")
    if len(options) >= screens.MAX_OPTIONS:
        return _("A poll has at most {limit} answers.", limit=screens.MAX_OPTIONS)
    if _length(text) > screens.MAX_OPTION:
        return _(
            "The answer “{option}” is {length} characters long; Telegram allows up to {limit}.",
            option=text[:40] + "…",
            length=_length(text),
            limit=screens.MAX_OPTION,
        )
    if text.casefold() in {option.casefold() for option in options}:
        return _("“{option}” is already an answer. Each answer must be different.", option=text)
    return None


def parse_power(text: str) -> tuple[str, list[str], str | None]:
    """``question | answer | answer``: the question, the answers, and what is wrong if anything."""
    parts = [" ".join(part.split()) for part in text.split("|")]
    question, given = parts[0], [part for part in parts[1:] if part]
    problem = question_problem(question)
    options: list[str] = []
    for option in given:
        problem = problem or option_problem(options, option)
        options.append(option)
    if problem is None and len(options) < screens.MIN_OPTIONS:
        problem = _(
            "A poll needs at least {minimum} answers, separated by |.",
            minimum=screens.MIN_OPTIONS,
        )
    return question, options, problem


# -- the flow's state


STATE = FlowState(DRAFT, AWAIT)
stop_awaiting = STATE.stop_awaiting
end_flow = STATE.end


def set_awaiting(context: BotContext, draft: Draft, step: str | None) -> None:
    if step is None:
        stop_awaiting(context)
    elif context.user_data is not None:
        context.user_data[AWAITING] = (AWAIT, draft.flow, step)


async def show(update: Update, screen: tuple[str, object]) -> None:
    """A press edits the flow's message; typed input gets a new one (below what was typed)."""
    query = update.callback_query
    text, markup = screen
    if query is not None:
        await query.answer()
        await edit_or_reply(update, text, markup)  # type: ignore[arg-type]
    else:
        await reply(update, text, markup)  # type: ignore[arg-type]


async def next_step(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    """The first step still missing; the preview once none is."""
    if draft.question is None:
        set_awaiting(context, draft, "question")
        await show(update, screens.question_screen(draft, hub, note))
    elif not draft.options_done:
        set_awaiting(context, draft, "option")
        await show(update, screens.options_screen(draft, note))
    else:
        set_awaiting(context, draft, None)
        await show(update, screens.preview_screen(draft, hub, note))


def now(context: BotContext) -> datetime:
    return context.services.scheduler.clock.now()


def closes_at_of(context: BotContext, draft: Draft) -> datetime | None:
    if draft.close in screens.CLOSES:
        return now(context) + screens.CLOSES[draft.close]
    return draft.closes_at if draft.close == "at" else None


async def ask_close(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, note: str | None = None
) -> None:
    set_awaiting(context, draft, "closes")
    example = (now(context) + timedelta(days=3)).astimezone(ZoneInfo(hub.timezone))
    await show(
        update, screens.close_at_screen(draft, hub, example.strftime("%Y-%m-%d 18:00"), note)
    )


def parse_moment(text: str, zone: str) -> datetime | None:
    match = _MOMENT.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()), tzinfo=ZoneInfo(zone))
    except ValueError:
        return None


# -- presses and typed answers


async def press(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, action: str, arg: str
) -> bool:
    """One press on a draft whose hub the person runs; False when it makes no sense here."""
    if action == "done" and not arg and not draft.options_done and draft.question is not None:
        if len(draft.options) < screens.MIN_OPTIONS:
            return False
        draft.options_done = True
        await next_step(update, context, draft, hub)
        return True
    if not draft.options_done:
        return False
    if action in ("an", "mu", "to", "pv") and not arg:
        if action == "an":
            draft.anonymous = not draft.anonymous
        elif action == "mu":
            draft.multiple = not draft.multiple
        elif action == "to":
            draft.private = not draft.private
        await next_step(update, context, draft, hub)
        return True
    if action == "cl" and arg in (*screens.CLOSES, "never"):
        draft.close, draft.closes_at = arg, None
        await next_step(update, context, draft, hub)
        return True
    if action == "cl" and arg == "at":
        await ask_close(update, context, draft, hub)
        return True
    if action == "ok" and not arg:
        await confirm(update, context, draft, hub)
        return True
    return False


async def confirm(update: Update, context: BotContext, draft: Draft, hub: HubRow) -> None:
    assert draft.question is not None
    closes_at = closes_at_of(context, draft)
    if closes_at is not None and closes_at <= now(context):
        await ask_close(update, context, draft, hub, _("That time has already passed."))
        return
    try:
        view = await context.services.polls.create(
            hub_id=hub.id,
            author_id=context.viewer.id,
            question=draft.question,
            options=list(draft.options),
            anonymous=draft.anonymous,
            multiple=draft.multiple,
            closes_at=closes_at,
            private=draft.private,
        )
    except PollError as exc:
        await next_step(update, context, draft, hub, exc.message)
        return
    end_flow(context)
    waiting = not view.private and await context.services.polls.still_to_post(view.id)
    await show(update, (screens.created_text(view.id, view.private, waiting=waiting), None))


async def typed(
    update: Update, context: BotContext, draft: Draft, hub: HubRow, step: str, text: str
) -> None:
    """The question, an answer or a closing time typed while the flow asked for it."""
    clean = " ".join(text.split())
    if step == "question":
        problem = question_problem(clean)
        if problem is None:
            draft.question = clean
        await next_step(update, context, draft, hub, problem)
    elif step == "option" and draft.question is not None and not draft.options_done:
        problem = option_problem(draft.options, clean)
        if problem is None:
            draft.options.append(clean)
            if len(draft.options) >= screens.MAX_OPTIONS:
                draft.options_done = True
        await next_step(update, context, draft, hub, problem)
    elif step == "closes" and draft.options_done:
        moment = parse_moment(clean, hub.timezone)
        if moment is None:
            await ask_close(
                update,
                context,
                draft,
                hub,
                _("I couldn't read “{text}” as a date and time.", text=clean),
            )
        elif moment <= now(context):
            await ask_close(update, context, draft, hub, _("That time has already passed."))
        else:
            draft.close, draft.closes_at = "at", moment
            await next_step(update, context, draft, hub)
    else:
        stop_awaiting(context)
