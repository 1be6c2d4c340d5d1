"""Button labels are plain text: a hub's name or a survey's title with ``&``, ``<`` or ``>`` is
shown as typed on its button, never as HTML entities (``Q&amp;A``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import RunningBot, tr
from tests.e2e.survey_helpers import create, survey_hub
from tests.e2e.test_hubs import make_hub
from tests.fakebot import FakeTelegram

NAME = "Q&A > R&D <3"


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_hub_name_with_html_characters_reads_as_typed_on_join(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    owner = telegram.user("Olga", language_code=locale)
    group = await make_hub(telegram, owner, NAME)
    await owner.send("/invite", chat=group)
    button = group.last().buttons[0][0]
    assert button.text == tr(locale, "Join {hub}", hub=NAME)
    assert NAME in button.text and "&amp;" not in button.text and "&lt;" not in button.text

    # From the private chat: the button posted in the group (through the outbox) too.
    await owner.send("/start")
    await owner.send("/invite")
    posted = group.last().buttons[0][0]
    assert posted.text == button.text


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_a_survey_title_with_html_characters_reads_as_typed(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, fatima, (member,), hub_id = await survey_hub(start_bot, telegram, (locale,))
    await create(bot, telegram, hub_id, fatima, title=NAME)
    await member.send("/surveys")
    button = member.last().buttons[0][0]
    assert button.text == tr(locale, "⏯ {title}", title=NAME)
    assert NAME in button.text and "&amp;" not in button.text
