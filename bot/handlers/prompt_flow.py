"""The guided /prompt flow: hub, text (typed or from the library), days, time, preview.

A placeholder until the flow lands: ``start_flow`` is what /prompt calls without a schedule.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import reply
from bot.i18n import _


async def start_flow(update: Update, context: BotContext, problem: str | None = None) -> None:
    """Open the guided flow; ``problem`` says what was wrong with a typed schedule, if any."""
    lines = [problem] if problem else []
    lines.append(
        _(
            "Write it like this:\n/prompt weekdays 18:00 <i>text</i>\n/prompt mon,thu 18:00 "
            "<i>text</i>\n/prompt daily 18:00 <i>text</i>\n/prompt 2026-12-01 18:00 <i>text</i>"
        )
    )
    await reply(update, "\n\n".join(lines))
