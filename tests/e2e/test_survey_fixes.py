"""Fixes from the review of issue 11, end to end through the fake Bot API: a long summary that
still fits one message, results only in the survey's own hub group, anonymous drafts dropped at the
deadline, the -wal file cleared, and the lesser ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.handlers.common import MESSAGE_LIMIT, plain_text, utf16_len
from bot.services.survey_types import MAX_QUESTIONS, QuestionDraft
from tests.conftest import tr
from tests.e2e.survey_helpers import create, invitations, survey_hub
from tests.fakebot import FakeTelegram


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_a_long_summary_of_long_multi_line_answers_fits_and_submits(
    start_bot: Callable[..., Any], telegram: FakeTelegram, locale: str
) -> None:
    bot, _clock, fatima, (olga,), hub_id = await survey_hub(start_bot, telegram, (locale,))
    questions = tuple(
        QuestionDraft("text", f"Question number {i} " + "x" * 70) for i in range(MAX_QUESTIONS)
    )
    view = await create(bot, telegram, hub_id, fatima, questions=questions, title="T" * 200)
    [invite] = invitations(olga, view)
    await olga.press(invite, tr(locale, "▶ Start"))
    for i in range(MAX_QUESTIONS):
        await olga.send(f"line one {i}\n\nline two is here\n   line three\n" + "y" * 1500)
    summary = olga.last()
    assert tr(locale, "Press Submit to send your answers. After that they cannot be changed.") in (
        summary.text
    )
    assert utf16_len(summary.text) <= MESSAGE_LIMIT
    # Each answer is on one line, its line breaks folded into spaces.
    assert "line one 0 line two is here line three" in summary.text
    await olga.press(summary, tr(locale, "✅ Submit"))
    thanks = tr(locale, "✅ Thank you! Your answers to <b>{title}</b> are in.", title="T" * 200)
    assert olga.last().text.startswith(plain_text(thanks))
    assert (await bot.services.surveys.progress(view.id)).finished == 1
    # The full answers were kept, only the summary shortened them.
    stored = await bot.services.db.fetch_all("SELECT value FROM survey_answers")
    assert len(stored) == MAX_QUESTIONS
    assert all("y" * 1500 in row[0] for row in stored)
