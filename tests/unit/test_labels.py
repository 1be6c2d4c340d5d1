"""Buttons and menu lines fit a phone in every language.

Button labels are the msgids passed to ``bot.buttons.button_label`` anywhere in ``bot/`` (found
here by reading the code, so a new button is checked without anyone listing it); a hub's name in a
label is shortened by the caller and does not count.
"""

import ast
import re
from pathlib import Path

import pytest

from bot import i18n
from bot.buttons import HUB_IN_LABEL, LABEL_LIMIT, MENU_LIMIT, hub_in_label
from bot.commands import COMMANDS
from bot.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
# Widest values a placeholder takes on a button: ids and counts of four digits.
SAMPLES = {"id": "1234", "count": "1234"}


def _label_msgids() -> set[str]:
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "button_label"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def _visible(label: str) -> str:
    return label.replace(i18n.FIRST_STRONG_ISOLATE, "").replace(i18n.POP_DIRECTIONAL_ISOLATE, "")


def test_labels_are_found_in_the_code() -> None:
    labels = _label_msgids()
    assert {"☑ Also post in group", "🗓 Schedule…", "Join {hub}", "🙋 Me too"} <= labels


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_button_label_fits_a_phone(locale: str) -> None:
    too_long = []
    with i18n.use_locale(locale):
        for msgid in sorted(_label_msgids()):
            names = set(re.findall(r"\{(\w+)\}", msgid))
            params = {name: SAMPLES.get(name, "") for name in names}  # {hub}: counted apart
            label = _visible(i18n.gettext(msgid, **params))
            if len(label) > LABEL_LIMIT:
                too_long.append(f"{msgid!r} -> {label!r} ({len(label)})")
    assert too_long == [], f"{locale}: labels over {LABEL_LIMIT} characters"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_menu_description_fits(locale: str) -> None:
    with i18n.use_locale(locale):
        too_long = [
            f"/{c.name}: {c.description} ({len(str(c.description))})"
            for c in COMMANDS
            if len(str(c.description)) > MENU_LIMIT
        ]
        dashes = [c.name for c in COMMANDS if "—" in str(c.description)]
    assert too_long == [], f"{locale}: menu descriptions over {MENU_LIMIT} characters"
    assert dashes == [], "/help prints '/cmd — description': a dash inside reads twice"


def test_a_long_hub_name_is_shortened_with_an_ellipsis() -> None:
    assert hub_in_label("Short") == "Short"
    long = hub_in_label("Mentors of the northern district of Chisinau, kindergarten branch")
    assert len(long) == HUB_IN_LABEL and long.endswith("…")
