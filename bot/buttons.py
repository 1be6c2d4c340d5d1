"""Button labels: translated like any text, and kept short enough for a phone.

Every inline-button label goes through ``button_label`` so that ``tests/unit/test_labels.py`` can
find these msgids in the code and hold each translation to ``LABEL_LIMIT`` characters (a hub's
name, which the caller shortens with ``hub_in_label``, does not count).
"""

from __future__ import annotations

from bot.i18n import plain_gettext

LABEL_LIMIT = 20  # characters a half-width button shows on a phone before Telegram cuts it
HUB_IN_LABEL = 24  # characters of a hub's name inside a label
MENU_LIMIT = 32  # characters of a command-menu description


def button_label(message: str, /, **params: object) -> str:
    """Translate a button's label (a separate name so tests and extraction can find them).

    A label is plain text, not HTML: values go in as typed (a hub "Q&A" reads "Join Q&A")."""
    return plain_gettext(message, **params)


def hub_in_label(name: str) -> str:
    """A hub's name cut with an ellipsis so that the button it sits on fits a phone."""
    return name if len(name) <= HUB_IN_LABEL else name[: HUB_IN_LABEL - 1] + "…"
