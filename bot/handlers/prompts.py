"""/prompt in its typed form and /prompts (facilitators: the list; members: on/off)."""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:
    """Filled in by the next commit."""
