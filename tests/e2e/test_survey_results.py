"""Survey results end to end: surveys created through ``services.surveys``, answered by members
through the fake Bot API, read by a facilitator with /results s<id> and the 📄 CSV button, in
en + ru + he/ar: named and anonymous, scale means, before/after, refusals, the CSV parsed back."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from babel.numbers import format_percent

from bot.i18n import BIDI_MARKS, format_datetime, use_locale
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.meeting_helpers import meeting_hub, run_due
from tests.e2e.survey_helpers import QUESTIONS, START, TITLE, create, invitations
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser
from tests.unit.test_bidi import display_problems

# (single option, ticked options, scale, free text or None to skip)
Answers = tuple[str, Sequence[str], int, str | None]


async def survey_hub(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, ...]
) -> tuple[RunningBot, Any, SimGroup, SimUser, list[SimUser], int]:
    """A hub (its group too) with the facilitator Fatima (en) and members in ``languages``."""
    bot, clock, group, fatima, members = await meeting_hub(start_bot, telegram, languages)
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    return bot, clock, group, fatima, members, hub.id


def plain(text: str) -> str:
    return "".join(c for c in text if c not in BIDI_MARKS)


def has(text: str, part: str) -> bool:
    """``part`` is in ``text``, bidi isolates and marks aside."""
    return plain(part) in plain(text)


async def answer(user: SimUser, locale: str, view: Any, answers: Answers) -> None:
    """Answer every question with the buttons and by typing, then Submit, as a member does."""
    single, ticked, scale, text = answers
    [invite] = invitations(user, view)
    await user.press(invite, tr(locale, "📝 Start"))
    screen = user.last()
    options = QUESTIONS[0].options
    await user.press(screen, f"{options.index(single) + 1}. {single}")
    for option in ticked:
        await user.press(screen, f"{QUESTIONS[1].options.index(option) + 1}. {option}")
    await user.press(screen, tr(locale, "Next ▶"))
    await user.press(screen, str(scale))
    if text is None:
        await user.press(screen, tr(locale, "Skip ⏭"))
        summary = screen
    else:
        await user.send(text)
        summary = user.last()
    await user.press(summary, tr(locale, "✅ Submit"))


def results_text(messages: list[Msg]) -> str:
    return "\n".join(m.text for m in messages)


async def results_of(user: SimUser, command: str, chat: Any = None) -> str:
    """Send /results …; return everything the bot answered (long results come in parts)."""
    where = chat or user
    before = len(where.inbox())
    await user.send(command, chat=chat)
    return results_text([m for m in where.inbox()[before:] if m.from_bot])


def percent(locale: str, ratio: float) -> str:
    return format_percent(ratio, locale=locale)


def parse_csv(message: Msg) -> list[list[str]]:
    assert message.document is not None and message.document["mime_type"] == "text/csv"
    data = message.file_bytes or b""
    assert data.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("languages", [("en", "he"), ("ru", "ar")])
async def test_named_survey_results_names_in_private_only_and_refusals(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, str]
) -> None:
    bot, _clock, group, fatima, (first, second), hub_id = await survey_hub(
        start_bot, telegram, languages
    )
    view = await create(bot, telegram, hub_id, fatima, anonymous=False)
    await answer(first, languages[0], view, ("Weekly", ["Observation", "Feedback"], 4, "More <b>"))
    await answer(second, languages[1], view, ("Monthly", ["Feedback"], 5, None))

    shown = await results_of(fatima, f"/results s{view.id}")
    assert tr("en", "📊 Results so far of survey {ref}: <b>{title}</b>", ref=f"s{view.id}",
              title=TITLE) in shown  # fmt: skip
    assert tr("en", "{count} responses from {invited} invited.", count=2, invited=3) in shown
    assert "Weekly\n█████░░░░░ 1 · 50%" in shown  # single choice: 1 of 2
    assert "Feedback\n██████████ 2 · 100%" in shown  # multiple: both ticked it
    assert tr("en", "Mean: {mean}", mean="4.5") in shown
    assert "• Member0: More <b>" in shown  # named, in private: who wrote it, shown as typed
    # /results S3 works too; the answer ends with the 📄 CSV button.
    await fatima.send(f"/results S{view.id}")
    assert fatima.last().button(tr("en", "📄 CSV")).callback_data == f"sr:c:{view.id}"

    # In the hub's group: the results, without names.
    in_group = await results_of(fatima, f"/results s{view.id}", chat=group)
    assert "• More <b>" in in_group and "Member0" not in in_group

    # A member, in their language: refused. Another hub's facilitator: refused.
    for member, locale in ((first, languages[0]), (second, languages[1])):
        await member.send(f"/results s{view.id}")
        assert member.last().text == tr(locale, "Only this hub's facilitators can do that.")
    stranger = telegram.user("Elsewhere", language_code=languages[1])
    await stranger.send("/start")
    await make_hub(telegram, stranger, "Balti mentors")
    await stranger.send(f"/results s{view.id}")
    assert stranger.last().text == tr(languages[1], "Only this hub's facilitators can do that.")
    answer_ = await stranger.press_data(stranger.last(), f"sr:c:{view.id}")
    assert answer_ is not None and answer_.show_alert
    assert not [m for m in stranger.inbox() if m.document]

    # Unknown and malformed ids, in the reader's language.
    await second.send("/results s999999")
    assert second.last().text == tr(languages[1], "There is no survey with that number.")
    for bad in ("/results s", "/results sx3", "/results s3 pdf"):
        await second.send(bad)
        assert second.last().text == tr(
            languages[1],
            "Which survey? Send /results and the survey's number after an s, e.g. "
            "/results s3; add csv for a spreadsheet: /results s3 csv.",
        )
    # Polls are untouched: /results 12 is still about a poll.
    await fatima.send("/results 12")
    assert fatima.last().text == tr("en", "There is no poll with that number.")


@pytest.mark.parametrize("languages", [("ru", "he"), ("ar", "en")])
async def test_anonymous_survey_results_and_csv_cannot_be_joined_to_members(
    start_bot: Callable[..., Any], telegram: FakeTelegram, languages: tuple[str, str]
) -> None:
    bot, _clock, group, fatima, (first, second), hub_id = await survey_hub(
        start_bot, telegram, languages
    )
    reader = languages[0]
    await bot.services.users.set_locale(fatima.id, reader)
    await bot.services.users.set_timezone(fatima.id, "Asia/Tokyo")
    view = await create(bot, telegram, hub_id, fatima, anonymous=True)
    # They finish in this order; their answers sort the other way round.
    finishing = [
        (second, languages[1], ("Rarely", [], 2, '=HYPERLINK("http://x")')),
        (first, languages[0], ("Monthly", ["Observation"], 3, "Co-planning time")),
        (fatima, reader, ("Monthly", ["Co-planning"], 5, "-more feedback")),
    ]
    for user, locale, answers in finishing:
        await answer(user, locale, view, answers)

    shown = await results_of(fatima, f"/results s{view.id}")
    assert has(shown, tr(reader, "This survey is anonymous: answers are kept without names."))
    assert has(shown, tr(reader, "Mean: {mean}", mean="3,3" if reader == "ru" else "3.3"))
    for _user, _locale, (*_rest, text) in finishing:
        assert has(shown, tr(reader, "• {text}", text=text))
    for name in ("Member0", "Member1", "Fatima"):
        assert name not in shown
    with use_locale(reader):  # the deadline in the reader's zone and language
        when = format_datetime(view.closes_at, "Asia/Tokyo", "short")
    assert has(shown, tr(reader, "Deadline: {when}", when=when))
    if reader == "ar":  # every line laid out right to left, numbers and arrows in one piece
        assert not display_problems(fatima.last().text)
    ratio = percent(reader, 2 / 3)
    assert has(shown, tr(reader, "{option}\n{bar} {votes} · {percent}", option="Monthly",
                         bar="███████░░░", votes=2, percent=ratio))  # fmt: skip

    # The CSV, from the button on the results.
    await fatima.press(fatima.last(), tr(reader, "📄 CSV"))
    document = fatima.last()
    assert document.file_name == f"survey-s{view.id}.csv"
    rows = parse_csv(document)
    header, body = rows[0], rows[1:]
    assert header == [
        tr(reader, "Respondent"),  # no "Complete" column in an anonymous survey
        *[f"{n}. {q.text}" for n, q in enumerate(QUESTIONS, start=1)],
    ]
    assert len(body) == 3
    assert [row[0] for row in body] == ["1", "2", "3"]  # numbers, never an id
    # Ordered by the answers, not by who finished first: the join by order fails too.
    texts = [row[-1] for row in body]
    assert texts == ["'-more feedback", "Co-planning time", '\'=HYPERLINK("http://x")']
    finished_order = [answers[3] for _u, _l, answers in finishing]
    assert [t.lstrip("'") for t in texts] != finished_order
    data = (document.file_bytes or b"").decode("utf-8-sig")
    for user in (first, second, fatima):
        assert str(user.id) not in data and user.first_name not in data
    # …and no table row of this survey's answers carries a member's id or a time.
    for table in ("survey_responses", "survey_answers"):
        for row in await bot.services.db.fetch_all(f"SELECT * FROM {table}"):  # noqa: S608
            assert not {first.id, second.id, fatima.id} & set(tuple(row)), (table, tuple(row))
    columns = {r[1] for r in await bot.services.db.fetch_all("PRAGMA table_info(survey_responses)")}
    assert columns == {"id", "survey_id", "user_id", "complete"}

    # /results s<id> csv in the group: the file goes privately, the group is told so.
    before = len([m for m in fatima.inbox() if m.document])
    await fatima.send(f"/results s{view.id} CSV", chat=group)
    assert group.last().text == tr(reader, "I've sent you the CSV file in our private chat.")
    assert len([m for m in fatima.inbox() if m.document]) == before + 1
    assert not [m for m in group.inbox() if m.document]


async def test_before_and_after_side_by_side(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (noa, mike), hub_id = await survey_hub(
        start_bot, telegram, ("he", "en")
    )
    before = await create(bot, telegram, hub_id, fatima, anonymous=True, title="Before")
    await answer(noa, "he", before, ("Rarely", ["Feedback"], 2, "לא מספיק זמן"))
    await answer(mike, "en", before, ("Monthly", ["Feedback"], 3, None))
    await bot.services.surveys.close(before.id)
    clock.set(START + timedelta(days=1))
    after = await create(
        bot,
        telegram,
        hub_id,
        fatima,
        anonymous=True,
        title="After",
        before_id=before.id,
        opens_at=START + timedelta(days=1),
        closes_at=START + timedelta(days=5),
    )
    await answer(noa, "he", after, ("Weekly", ["Observation", "Feedback"], 4, "הרבה יותר טוב"))
    await answer(mike, "en", after, ("Weekly", [], 5, "Better"))
    await answer(fatima, "en", after, ("Monthly", ["Feedback"], 5, None))

    shown = await results_of(fatima, f"/results s{after.id}")
    assert tr("en", "Compared with the “before” survey {ref}: <b>{title}</b>",
              ref=f"s{before.id}", title="Before") in shown  # fmt: skip
    assert tr("en", "Responses: {before} → {after}", before=2, after=3) in shown
    assert tr("en", "Mean: {before} → {after} ({change})", before="2.5", after="4.7",
              change="+2.2") in shown  # fmt: skip
    assert "Weekly\nBefore: ░░░░░░░░░░ 0 · 0%\nAfter: ███████░░░ 2 · 67%" in shown, shown
    assert "Before:\n• לא מספיק זמן\nAfter:\n• Better\n• הרבה יותר טוב" in plain(shown)

    # The same in Hebrew: the arrow turns with the reading direction.
    await bot.services.users.set_locale(fatima.id, "he")
    hebrew = await results_of(fatima, f"/results s{after.id}")
    assert has(hebrew, tr("he", "Mean: {before} → {after} ({change})", before="2.5",
                          after="4.7", change="+2.2"))  # fmt: skip
    assert has(hebrew, tr("he", "Answers: {before} → {after}", before=2, after=2))
    assert not display_problems(fatima.last().text)


async def test_results_button_from_surveys_and_long_results_in_parts(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, _group, fatima, members, hub_id = await survey_hub(
        start_bot, telegram, ("en", "ru")
    )
    view = await create(bot, telegram, hub_id, fatima, anonymous=True)
    long_text = "\n".join(f"Line {n} " + "x" * 150 for n in range(12))
    for member, locale in zip(members, ("en", "ru"), strict=True):
        await answer(member, locale, view, ("Weekly", ["Feedback"], 4, long_text))
    await answer(fatima, "en", view, ("Weekly", ["Feedback"], 4, long_text + " again"))
    await fatima.send("/surveys")
    listing = fatima.last()
    before = len(fatima.inbox())
    await fatima.press(listing, f"📊 {TITLE}")
    parts = [m for m in fatima.inbox()[before:] if m.from_bot]
    assert len(parts) >= 2  # over 4096 characters: several messages
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in parts)
    assert parts[-1].button(tr("en", "📄 CSV")).callback_data == f"sr:c:{view.id}"
    assert re.search(r"Line 11 x+ again", results_text(parts))
    # A member pressing a forged results button is refused; nothing is shown.
    member = members[1]
    before = len(member.inbox())
    answer_ = await member.press_data(member.last(), f"sr:v:{view.id}")
    assert answer_ is not None and answer_.show_alert
    assert answer_.text == tr("ru", "Only this hub's facilitators can do that.")
    assert len(member.inbox()) == before
    for forged in (f"sr:x:{view.id}", "sr:v:abc", "sr:v:999999"):
        answer_ = await fatima.press_data(listing, forged)
        assert answer_ is not None and answer_.text == tr("en", "This button is no longer valid.")
    del bot


async def test_a_survey_of_every_hub_is_for_network_admins(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, _clock, _group, fatima, (sara, mike), _hub_id = await survey_hub(
        start_bot, telegram, ("ar", "en")
    )
    ion = telegram.user("Ion", language_code="ru")
    await ion.send("/start")
    group2 = await make_hub(telegram, ion, "Balti mentors")
    await ion.send("/invite", chat=group2)
    code = invite_link(telegram, group2.last().text).rsplit("=", 1)[1]
    await mike.send(f"/start {code}")  # Mike belongs to both hubs: invited once
    ada = telegram.user("Ada", user_id=ADMIN_ID, language_code="he")
    await ada.send("/start")
    view = await create(bot, telegram, None, ada, anonymous=False)
    await answer(sara, "ar", view, ("Weekly", ["Feedback"], 3, None))
    await answer(ion, "ru", view, ("Rarely", ["Observation"], 4, "Больше встреч"))
    await answer(mike, "en", view, ("Weekly", [], 5, None))

    shown = await results_of(ada, f"/results s{view.id}")
    assert has(shown, tr("he", "All hubs"))
    assert has(shown, tr("he", "{count} responses from {invited} invited.", count=3, invited=4))
    assert has(shown, tr("he", "• {name}: {text}", name="Ion", text="Больше встреч"))
    assert not display_problems(ada.last().text)
    await ada.send(f"/results s{view.id} csv")
    rows = parse_csv(ada.last())
    assert rows[0][:2] == [tr("he", "Name"), tr("he", "Complete")]
    assert sorted(row[0] for row in rows[1:]) == ["Ion", "Member0", "Member1"]
    # A hub's facilitator may not read a network survey.
    for user, locale in ((fatima, "en"), (ion, "ru")):
        await user.send(f"/results s{view.id}")
        assert user.last().text == tr(
            locale, "Only network admins can see the results of a survey sent to every hub."
        )


async def test_after_the_deadline_unfinished_answers_of_a_named_survey_count_as_incomplete(
    start_bot: Callable[..., Any], telegram: FakeTelegram
) -> None:
    bot, clock, _group, fatima, (mike, olga), hub_id = await survey_hub(
        start_bot, telegram, ("en", "ru")
    )
    await bot.services.users.set_locale(fatima.id, "he")
    view = await create(bot, telegram, hub_id, fatima, anonymous=False)
    await answer(mike, "en", view, ("Weekly", ["Feedback"], 4, "Good"))
    [invite] = invitations(olga, view)
    await olga.press(invite, tr("ru", "📝 Start"))
    screen = olga.last()
    await olga.press(screen, "3. Rarely")
    await olga.press(screen, tr("ru", "⏸ Finish later"))
    clock.set(view.closes_at + timedelta(minutes=1))
    await run_due(bot, telegram)

    shown = await results_of(fatima, f"/results s{view.id}")
    ref = f"s{view.id}"
    assert has(shown, tr("he", "📊 Results of survey {ref} (closed): <b>{title}</b>", ref=ref,
                         title=TITLE))  # fmt: skip
    assert has(shown, tr("he", "{count} responses from {invited} invited.", count=2, invited=3))
    assert has(
        shown,
        tr("he", "{count} of them is incomplete: unfinished answers taken at the deadline.",
           count=1),
    )  # fmt: skip
    assert not display_problems(fatima.last().text)
    await fatima.send(f"/results {ref} csv")
    rows = parse_csv(fatima.last())
    assert sorted(row[1] for row in rows[1:]) == sorted([tr("he", "yes"), tr("he", "no")])
    partial = next(row for row in rows[1:] if row[1] == tr("he", "no"))
    assert partial[2:] == ["Rarely", "", "", ""]
