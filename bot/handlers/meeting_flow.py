"""The guided /meeting flow: hub, title, date, time, duration, place, repeats, preview.

A placeholder until the flow lands: ``start_flow`` is what /meeting calls without arguments.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import reply
from bot.i18n import _


async def start_flow(update: Update, context: BotContext, problem: str | None = None) -> None:
    """Open the guided flow; ``problem`` says what was wrong with a typed meeting, if any."""
    lines = [problem] if problem else []
    lines.append(
        _("Write it like this:\n/meeting 2026-12-03 18:00 90m <i>title</i> | <i>place or link</i>")
    )
    await reply(update, "\n\n".join(lines))
