"""/export end to end: a facilitator's ZIP parsed back with zipfile + csv, in en + ru + he.

Members join through the fake Bot API with awkward names (commas, quotes, a line break, a
formula, right-to-left marks); the rest of a hub's life (questions, an announcement's delivery,
a meeting, polls, a prompt answered with a private reflection, an anonymous survey) is seeded
in the database, then every file of the ZIP is read back. Secrets are seeded on purpose (a
reflection's text, an anonymous asker who has left the hub) and the unzipped bytes searched.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from typing import Any

import pytest
from babel.numbers import format_decimal

from bot.i18n import BIDI_MARKS, ngettext, use_locale
from tests.conftest import ADMIN_ID, RunningBot, tr
from tests.e2e.test_hubs import invite_link, make_hub
from tests.fakebot import FakeTelegram, Msg, SimGroup, SimUser

FILES = [
    "members.csv",
    "questions.csv",
    "announcements.csv",
    "meetings.csv",
    "polls.csv",
    "prompts.csv",
    "surveys.csv",
]
# (first name, last name, username)
AWKWARD = [
    ("Smith, Anna", 'O"Neil', "anna_s"),
    ("=cmd|' /C calc'!A0", None, None),
    ("Two\nLines", "Näher", None),
    ("\u200fשרה\u200f", "כהן", "sara_k"),
    ("Ольга", "Петрова, «наставник»", None),
]
REFLECTION = "SECRET-REFLECTION my pupil Dana cried today"
HIDDEN_NAME = "Zebulon"
HIDDEN_USERNAME = "zeb_hidden_asker"
ANONYMOUS_QUESTION = "How do I handle a parent who shouts?"
NAMED_QUESTION = '=HYPERLINK("http://evil") and, "quotes"\nsecond line'
T = "2026-11-20T10:00:00Z"


def plain(text: str) -> str:
    return text.strip(BIDI_MARKS)


def header(locale: str, message: str, zone: str | None = None) -> str:
    word = plain(tr(locale, message))
    return f"{word} ({zone})" if zone else word


async def join(telegram: FakeTelegram, code: str, first: str, **kw: Any) -> SimUser:
    user = telegram.user(first, **kw)
    await user.send(f"/start {code}")
    return user


async def export_hub(
    telegram: FakeTelegram, locale: str, name: str = "Chisinau mentors"
) -> tuple[SimGroup, SimUser, list[SimUser], str]:
    """A hub whose founder (the facilitator, in ``locale``) started the bot; awkward members."""
    founder = telegram.user("Fatima", language_code=locale)
    await founder.send("/start")
    group = await make_hub(telegram, founder, name)
    await founder.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]
    members = []
    for first, last, username in AWKWARD:
        members.append(
            await join(telegram, code, first, last_name=last, username=username, language_code="ru")
        )
    return group, founder, members, code


async def seed(bot: RunningBot, hub_id: int, author: int, members: list[SimUser], code: str) -> int:
    """The hub's activity, written straight into the tables; returns the hidden asker's id."""
    db = bot.services.db
    hidden = await join(bot.server, code, HIDDEN_NAME, username=HIDDEN_USERNAME)
    m = [user.id for user in members]
    sql = [
        # The hidden asker asked anonymously, then left the hub.
        (
            "INSERT INTO questions (hub_id, asker_id, anonymous, text, status, answer, "
            "answered_by, answered_at, created_at, updated_at) "
            "VALUES (?,?,1,?,'answered',?,?,?,?,?)",
            (hub_id, hidden.id, ANONYMOUS_QUESTION, "Listen first.", author, T, T, T),
        ),
        ("DELETE FROM memberships WHERE user_id = ?", (hidden.id,)),
        (
            "INSERT INTO questions (hub_id, asker_id, anonymous, text, status, created_at, "
            "updated_at) VALUES (?,?,0,?,'open',?,?)",
            (hub_id, m[0], NAMED_QUESTION, T, T),
        ),
        (
            "INSERT INTO questions (hub_id, asker_id, anonymous, text, status, created_at, "
            "updated_at) VALUES (?,?,0,'a draft nobody sent','draft',?,?)",
            (hub_id, m[1], T, T),
        ),
        (
            "INSERT INTO broadcasts (id, hub_id, sender_id, text, status, created_at, sent_at) "
            "VALUES (50, ?, ?, '@everyone: meeting moved', 'done', ?, ?)",
            (hub_id, author, T, T),
        ),
        # Meeting with RSVPs and attendance.
        (
            "INSERT INTO meetings (id, hub_id, author_id, title, place, timezone, "
            "duration_minutes, uid, created_at, updated_at) "
            "VALUES (60, ?, ?, 'Peer, observation', 'Room 12', 'Europe/Chisinau', 90, 'u60', ?, ?)",
            (hub_id, author, T, T),
        ),
        (
            "INSERT INTO meeting_occurrences (id, meeting_id, starts_local, starts_at, "
            "original_start, attendance_at) VALUES (61, 60, '2026-11-25 18:00', "
            "'2026-11-25T16:00:00Z', '2026-11-25T16:00:00Z', ?)",
            (T,),
        ),
        # Polls: a named one with votes, an anonymous one with the group's counts.
        (
            "INSERT INTO polls (id, hub_id, author_id, question, options, anonymous, multiple, "
            "private, status, created_at) VALUES (70, ?, ?, 'Best day?', ?, 0, 0, 0, 'closed', ?)",
            (hub_id, author, json.dumps(["Monday", "-Friday"]), T),
        ),
        (
            "INSERT INTO polls (id, hub_id, author_id, question, options, anonymous, multiple, "
            "private, status, created_at) VALUES (71, ?, ?, 'Anon?', ?, 1, 0, 0, 'open', ?)",
            (hub_id, author, json.dumps(["Yes", "No"]), T),
        ),
        (
            "INSERT INTO poll_messages (poll_id, chat_id, message_id, tg_poll_id, counts, total) "
            "VALUES (71, -1, 1, 'tg71', '[4, 1]', 5)",
            (),
        ),
        # A prompt, sent three times, answered once with a private reflection.
        (
            "INSERT INTO prompts (id, hub_id, author_id, text, created_at) "
            "VALUES (80, ?, ?, 'What surprised you this week?', ?)",
            (hub_id, author, T),
        ),
        # An anonymous survey: two invited, one finished; the response has no user.
        (
            "INSERT INTO surveys (id, hub_id, author_id, title, anonymous, opens_at, closes_at, "
            "status, created_at) VALUES (90, ?, ?, 'Wellbeing', 1, ?, ?, 'closed', ?)",
            (hub_id, author, T, "2026-11-27T10:00:00Z", T),
        ),
        ("INSERT INTO survey_responses (id, survey_id, user_id) VALUES (9911, 90, NULL)", ()),
    ]
    rows = {
        "outbox": [
            (f"bc:{i}", uid, uid, "broadcast", 50, "x", status, held, T, T, T)
            for i, (uid, status, held) in enumerate(
                [
                    (m[0], "sent", None),
                    (m[1], "sent", None),
                    (m[2], "blocked", None),
                    (m[3], "failed", None),
                    (m[4], "pending", "2026-11-21T06:00:00Z"),
                ]
            )
        ],
        "rsvps": [
            (61, m[0], "yes", T),
            (61, m[1], "yes", T),
            (61, m[2], "maybe", T),
            (61, m[3], "no", T),
        ],
        "attendance": [(61, m[0], 1), (61, m[1], 1), (61, m[2], 0)],
        "votes": [
            (70, m[0], "[0]", T),
            (70, m[1], "[1]", T),
            (70, m[2], "[1]", T),
            (70, m[3], "[]", T),
        ],
        "sends": [
            (80, m[0], "2026-11-18", T, "answered"),
            (80, m[1], "2026-11-18", T, "skipped"),
            (80, m[0], "2026-11-19", T, "sent"),
            (80, m[1], "2026-11-19", T, "sent"),
            (80, m[0], "2026-11-20", T, "sent"),
        ],
        "participants": [(90, m[0], 1), (90, m[1], 0)],
    }
    async with db.transaction() as conn:
        for statement, params in sql:
            await conn.execute(statement, params)
        await conn.executemany(
            "INSERT INTO outbox (key, chat_id, user_id, kind, ref_id, text, status, held_until, "
            "not_before, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows["outbox"],
        )
        await conn.executemany("INSERT INTO meeting_rsvps VALUES (?,?,?,?)", rows["rsvps"])
        await conn.executemany("INSERT INTO meeting_attendance VALUES (?,?,?)", rows["attendance"])
        await conn.executemany("INSERT INTO poll_votes VALUES (?,?,?,?)", rows["votes"])
        await conn.executemany(
            "INSERT INTO prompt_sends (prompt_id, user_id, occurrence, sent_at, status) "
            "VALUES (?,?,?,?,?)",
            rows["sends"],
        )
        cursor = await conn.execute(
            "INSERT INTO reflections (user_id, hub_id, send_id, prompt_text, created_at, "
            "updated_at) VALUES (?, ?, (SELECT id FROM prompt_sends WHERE status = 'answered'), "
            "'What surprised you this week?', ?, ?)",
            (m[0], hub_id, T, T),
        )
        await conn.execute(
            "INSERT INTO reflection_parts (reflection_id, kind, text, message_id, created_at) "
            "VALUES (?, 'text', ?, 1, ?)",
            (cursor.lastrowid, REFLECTION, T),
        )
        await conn.executemany(
            "INSERT INTO survey_participants VALUES (?,?,?)", rows["participants"]
        )
    return hidden.id


def members_line(locale: str, hub: str, count: int) -> str:
    """The caption's first line as the member reads it (plural forms of ``locale``)."""
    singular = "Export of <b>{hub}</b>: {count} member."
    plural = "Export of <b>{hub}</b>: {count} members."
    with use_locale(locale):
        return html.unescape(re.sub(r"<[^>]+>", "", ngettext(singular, plural, count, hub=hub)))


def documents(user: SimUser) -> list[Msg]:
    return [m for m in user.inbox() if m.document]


def unzip(message: Msg) -> dict[str, bytes]:
    assert message.document is not None
    assert message.document["mime_type"] == "application/zip"
    assert message.file_bytes is not None
    with zipfile.ZipFile(io.BytesIO(message.file_bytes)) as zf:
        assert zf.testzip() is None
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        return {name: zf.read(name) for name in zf.namelist()}


def table(files: dict[str, bytes], name: str) -> list[list[str]]:
    data = files[name]
    assert data.startswith(b"\xef\xbb\xbf"), f"{name} has no byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def hub_id_of(bot: RunningBot, group: SimGroup) -> int:
    hub = await bot.services.hubs.for_chat(group.id)
    assert hub is not None
    return hub.id


def check_export(files: dict[str, bytes], locale: str, members: list[SimUser]) -> None:
    """The files, their headers in ``locale``, and the rows the seed put there."""
    zone = "Europe/Chisinau"
    assert list(files) == FILES
    people = table(files, "members.csv")
    assert people[0] == [
        header(locale, "Name"),
        header(locale, "Username"),
        header(locale, "Role"),
        header(locale, "Joined", zone),
        header(locale, "Reachable"),
    ]
    assert len(people) == 1 + 1 + len(AWKWARD)  # the founder and the members, not who left
    by_name = {row[0]: row for row in people[1:]}
    yes = plain(tr(locale, "yes"))
    expected_names = [
        'Smith, Anna O"Neil',
        "'=cmd|' /C calc'!A0",  # the formula neutralised
        "Two\nLines Näher",
        "\u200fשרה\u200f כהן",  # right-to-left marks kept
        "Ольга Петрова, «наставник»",
    ]
    for expected in expected_names:
        assert expected in by_name, f"{expected!r} not in {list(by_name)}"
        assert by_name[expected][4] == yes
    assert by_name['Smith, Anna O"Neil'][1] == "anna_s"
    assert by_name["Fatima"][2] == plain(tr(locale, "facilitator"))

    questions = table(files, "questions.csv")
    assert questions[0][:3] == [
        header(locale, "Question"),
        header(locale, "Asked by"),
        header(locale, "Status"),
    ]
    assert len(questions) == 3  # the draft is left out
    anon, named = questions[1], questions[2]
    assert anon[0] == ANONYMOUS_QUESTION and anon[1] == plain(tr(locale, "anonymous"))
    assert anon[5] == "Listen first." and anon[6] == "Fatima"
    assert named[0] == "'" + NAMED_QUESTION and named[1] == 'Smith, Anna O"Neil (@anna_s)'

    [announcement] = table(files, "announcements.csv")[1:]
    assert announcement[0] == "'@everyone: meeting moved"
    assert announcement[2] == "2026-11-20 12:00"  # in the hub's zone
    assert announcement[3:] == ["2", "1", "0", "1", "1", "0"]

    [meeting] = table(files, "meetings.csv")[1:]
    assert meeting[0] == "Peer, observation" and meeting[2] == "2026-11-25 18:00"
    assert meeting[4:] == ["2", "1", "1", "2"]

    polls = table(files, "polls.csv")
    assert polls[1][:3] == ["Best day?", "Monday: 1\n-Friday: 2", "3"]
    assert polls[2][:3] == ["Anon?", "Yes: 4\nNo: 1", "5"]

    [prompt] = table(files, "prompts.csv")[1:]
    assert prompt[0] == "What surprised you this week?"
    assert prompt[3:] == ["3", "5", "1", "1"]

    [survey] = table(files, "surveys.csv")[1:]
    assert survey[0] == "Wellbeing" and survey[5:] == ["2", "1"]


def check_secrets(files: dict[str, bytes], hidden_id: int) -> None:
    """No reflection text and no anonymous asker anywhere in the ZIP (raw and unzipped)."""
    everything = b"".join(files.values())
    for secret in (REFLECTION, "Dana", HIDDEN_NAME, HIDDEN_USERNAME):
        assert secret.encode() not in everything
    for row in table(files, "questions.csv"):
        assert str(hidden_id) not in row


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_facilitator_gets_the_zip_privately(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    group, fatima, members, code = await export_hub(telegram, locale)
    hub_id = await hub_id_of(bot, group)
    hidden = await seed(bot, hub_id, fatima.id, members, code)
    await fatima.send("/export")
    [document] = documents(fatima)
    assert document.file_name is not None and document.file_name.startswith(f"hub-{hub_id}-")
    # The caption: which hub and how many members (the founder and five), zone, what is left out.
    caption = document.text
    assert caption.startswith(members_line(locale, "Chisinau mentors", 6))
    assert "Europe/Chisinau" in caption
    files = unzip(document)
    check_export(files, locale, members)
    check_secrets(files, hidden)
    assert HIDDEN_NAME.encode() not in (document.file_bytes or b"")


async def test_asked_in_a_group_it_goes_privately_in_hebrew(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    group, fatima, members, code = await export_hub(telegram, "he")
    hub_id = await hub_id_of(bot, group)
    hidden = await seed(bot, hub_id, fatima.id, members, code)
    await fatima.send("/export", chat=group)
    assert not [m for m in group.inbox() if m.document]
    assert plain(tr("he", "I've sent you the export in our private chat.")) in group.last().text
    [document] = documents(fatima)
    files = unzip(document)
    check_export(files, "he", members)
    check_secrets(files, hidden)


async def test_members_are_refused(bot: RunningBot, telegram: FakeTelegram) -> None:
    group, _fatima, members, _code = await export_hub(telegram, "en")
    member = members[4]  # Russian
    await member.send("/export")
    assert member.last().text == tr("ru", "Only facilitators can do that.")
    group.add_member(member)
    await member.send("/export", chat=group)
    assert tr("ru", "Only this hub's facilitators can do that.") in group.last().text
    assert not documents(member) and not [m for m in group.inbox() if m.document]


async def test_another_hubs_facilitator_is_refused_and_forged_buttons_too(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    group_a, fatima, _members, _code = await export_hub(telegram, "en")
    group_b, noa, _others, _code_b = await export_hub(telegram, "he", "Haifa mentors")
    hub_a = await hub_id_of(bot, group_a)
    group_a.add_member(noa)
    await noa.send("/export", chat=group_a)
    assert tr("he", "Only this hub's facilitators can do that.") in group_a.last().text
    # Noa runs one hub: /export in private sends hers straight away, nothing from hub A.
    await noa.send("/export")
    [document] = documents(noa)
    assert document.file_name is not None and f"hub-{hub_a}-" not in document.file_name
    # A forged press for hub A, from under Noa's own message.
    answer = await noa.press_data(document, f"ex:{hub_a}")
    assert answer is not None and answer.show_alert
    assert answer.text == tr("he", "Only this hub's facilitators can do that.")
    for forged in ("ex:abc", "ex", "ex:1:2", f"ex:{hub_a + 100}"):
        answer = await noa.press_data(document, forged)
        assert answer is not None and answer.text == tr("he", "This button is no longer valid.")
    assert len(documents(noa)) == 1
    assert not [m for m in group_b.inbox() if m.document]
    assert fatima.id != noa.id


async def test_admin_picks_a_hub(bot: RunningBot, telegram: FakeTelegram) -> None:
    group_a, _fatima, _members, _code = await export_hub(telegram, "en")
    await export_hub(telegram, "ar", "Nazareth mentors")
    hub_a = await hub_id_of(bot, group_a)
    ada = telegram.user("Ada", user_id=ADMIN_ID, language_code="ar")
    await ada.send("/export")
    picker = ada.last()
    assert picker.text == tr("ar", "Which hub?")
    await ada.press_data(picker, f"ex:{hub_a}")
    [document] = documents(ada)
    files = unzip(document)
    people = table(files, "members.csv")
    assert people[0][0] == header("ar", "Name")
    assert len(people) == 1 + 1 + len(AWKWARD)


@pytest.mark.parametrize("locale", ["en", "he"])
async def test_over_telegrams_limit_it_says_so(
    bot: RunningBot, telegram: FakeTelegram, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.handlers import exports as handler
    from bot.services import exports as service

    monkeypatch.setattr(service, "UPLOAD_LIMIT", 100)
    monkeypatch.setattr(handler, "UPLOAD_LIMIT", 100)
    group, fatima, _members, _code = await export_hub(telegram, locale)
    await fatima.send("/export", chat=group)
    assert not documents(fatima)
    text = group.last().text
    assert plain(tr(locale, "I've sent you the export in our private chat.")) not in text
    assert "Chisinau mentors" in text  # which hub
    # and why not, in the reader's language: the whole sentence; the size is the file's own.
    size = "SIZE"  # isolated in right-to-left text as the bot isolates the number
    limit = format_decimal(round(100 / 1024 / 1024, 1), locale=locale)
    why = tr(
        locale,
        "The export of {hub} is {size} MB, more than the {limit} MB Telegram lets a bot "
        "send, so I can't send it. Please ask your network admin for a copy.",
        hub="Chisinau mentors",
        size=size,
        limit=limit,
    )
    pattern = re.escape(why).replace(size, r"\d+(?:[.,]\d+)?")
    assert re.fullmatch(pattern, text), (pattern, text)


async def test_a_second_export_while_one_is_built_waits(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    group, fatima, _members, _code = await export_hub(telegram, "ru")
    hub_id = await hub_id_of(bot, group)
    assert bot.services.exports.begin(fatima.id, hub_id)  # as if a first /export were running
    await fatima.send("/export")
    assert fatima.last().text == tr(
        "ru", "Your export of this hub is on its way; it takes a moment."
    )
    assert not documents(fatima)
    bot.services.exports.end(fatima.id, hub_id)
    await fatima.send("/export")
    assert len(documents(fatima)) == 1


@pytest.mark.telegram_errors(403)
async def test_a_facilitator_who_never_opened_the_private_chat_is_told_how(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    olga = telegram.user("Olga", language_code="ar")
    group = await make_hub(telegram, olga)
    await olga.send("/export", chat=group)
    assert plain(
        tr(
            "ar",
            "I can't write to you privately. Open our private chat, press Start, then try again.",
        )
    ) in plain(group.last().text)
    assert not [m for m in group.inbox() if m.document]
