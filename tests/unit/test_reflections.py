"""The reflection service: one reflection per prompt sent, the follow-up window, parts, sharing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import MovableClock
from bot.db import Database
from bot.db.hubs import HubRepository
from bot.db.memberships import MembershipRepository
from bot.db.reflections import PartKind, ReflectionRepository
from bot.db.users import UserRepository
from bot.services.reflections import (
    MAX_TEXT,
    NewPart,
    ReflectionError,
    ReflectionService,
    post_text,
    utf16_len,
)
from bot.services.users import UserService

START = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
ANA, BOB = 501, 502
GROUP = -4000001001


@dataclass(frozen=True)
class Send:
    send_id: int
    prompt_id: int
    user_id: int
    hub_id: int
    hub_name: str
    prompt_status: str
    prompt_text: str
    occurrence: date
    status: str
    is_member: bool

    def text_in(self, locale: str) -> str:
        return self.prompt_text  # a typed prompt: the same in every language


class FakePrompts:
    """The prompt service's send API over a dict (its real version lives on the core branch)."""

    def __init__(self) -> None:
        self.sends: dict[int, Send] = {}

    async def send_for_reply(self, user_id: int, message_id: int) -> Send | None:
        return None

    async def send_context(self, send_id: int) -> Send | None:
        return self.sends.get(send_id)

    async def mark_answered(self, send_id: int) -> bool:
        if self.sends[send_id].status != "sent":
            return False
        self.sends[send_id] = replace(self.sends[send_id], status="answered")
        return True

    async def mark_skipped(self, send_id: int) -> bool:
        send = self.sends[send_id]
        if send.status != "sent":
            return False
        self.sends[send_id] = replace(send, status="skipped")
        return True


@dataclass
class World:
    db: Database
    clock: MovableClock
    prompts: FakePrompts
    service: ReflectionService
    hub_id: int

    async def send(self, user_id: int, text: str = "What surprised you this week?") -> int:
        now = START.strftime("%Y-%m-%dT%H:%M:%SZ")
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                """INSERT INTO prompts (hub_id, text, created_at) VALUES (?, ?, ?)""",
                (self.hub_id, text, now),
            )
            prompt_id = cursor.lastrowid
            cursor = await conn.execute(
                """INSERT INTO prompt_sends (prompt_id, user_id, occurrence, sent_at)
                   VALUES (?, ?, '2026-12-07', ?)""",
                (prompt_id, user_id, now),
            )
            send_id = cursor.lastrowid
        assert prompt_id is not None and send_id is not None
        self.prompts.sends[send_id] = Send(
            send_id, prompt_id, user_id, self.hub_id, "Chisinau mentors", "active", text,
            date(2026, 12, 7), "sent", True,
        )  # fmt: skip
        return send_id


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    db = Database(tmp_path / "r.sqlite3")
    await db.open()
    try:
        users = UserRepository(db)
        for uid, name in ((ANA, "Ana"), (BOB, "Bob")):
            await users.upsert_profile(uid, name, "Popescu", name.lower(), "en", started=True)
        hubs, memberships = HubRepository(db), MembershipRepository(db)
        hub_id = await hubs.create(
            name="Chisinau mentors",
            code="abc123",
            chat_id=GROUP,
            timezone="Europe/Chisinau",
            locale="en",
            created_by=ANA,
        )
        await memberships.add(hub_id, BOB)
        clock, prompts = MovableClock(START), FakePrompts()
        user_service = UserService(
            users, default_locale="en", default_timezone="UTC", admins=frozenset()
        )
        service = ReflectionService(
            db,
            ReflectionRepository(db),
            hubs,
            memberships,
            user_service,
            prompts,
            clock=clock,
            window=timedelta(minutes=10),
        )
        yield World(db, clock, prompts, service, hub_id)
    finally:
        await db.close()


def text(value: str, message_id: int = 1) -> NewPart:
    return NewPart(PartKind.TEXT, value, message_id)


async def test_messages_within_the_window_are_one_reflection(world: World) -> None:
    service, clock = world.service, world.clock
    send_id = await world.send(BOB)
    first = await service.answer(BOB, send_id, text("We tried peer observation.", 10))
    assert first.created and first.share_problem is None
    assert world.prompts.sends[send_id].status == "answered"

    clock.advance(timedelta(minutes=9))
    second = await service.follow_up(BOB, text("It went better than I feared.", 11))
    assert second is not None and second.reflection.id == first.reflection.id
    clock.advance(timedelta(minutes=9))  # the window counts from the last part, not the first
    voice = NewPart(PartKind.VOICE, "", 12, "AwACvoice")
    third = await service.follow_up(BOB, voice)
    assert third is not None and third.reflection.id == first.reflection.id

    clock.advance(timedelta(minutes=10, seconds=1))
    assert await service.follow_up(BOB, text("Unrelated.", 13)) is None
    page = await service.journal(BOB, 0)
    assert page.total == 1
    (entry,) = page.entries
    assert [(p.kind, p.text, p.file_id) for p in entry.parts] == [
        (PartKind.TEXT, "We tried peer observation.", None),
        (PartKind.TEXT, "It went better than I feared.", None),
        (PartKind.VOICE, "", "AwACvoice"),
    ]
    assert entry.text == "We tried peer observation.\n\nIt went better than I feared."
    assert entry.reflection.prompt_text == "What surprised you this week?"
    assert entry.reflection.hub_name == "Chisinau mentors"


async def test_a_reply_to_the_prompt_joins_its_reflection_at_any_time(world: World) -> None:
    service, clock = world.service, world.clock
    send_id = await world.send(BOB)
    first = await service.answer(BOB, send_id, text("Part one.", 10))
    clock.advance(timedelta(days=2))
    later = await service.answer(BOB, send_id, NewPart(PartKind.PHOTO, "Our board", 20, "AgAC"))
    assert later.reflection.id == first.reflection.id and not later.created
    other = await service.answer(BOB, await world.send(BOB, "Another prompt"), text("New.", 21))
    assert other.created and other.reflection.id != first.reflection.id
    # the newest first
    assert [e.reflection.id for e in (await service.journal(BOB, 0)).entries] == [
        other.reflection.id,
        first.reflection.id,
    ]


async def test_follow_up_without_any_reflection_is_none(world: World) -> None:
    assert await world.service.follow_up(BOB, text("hello")) is None
    # Not judged as a reflection at all: no "too long" or "empty" for stray messages.
    assert await world.service.follow_up(BOB, text("x" * (MAX_TEXT + 1))) is None
    assert await world.service.follow_up(BOB, text("\u200b")) is None


async def test_someone_elses_or_unknown_send_is_refused(world: World) -> None:
    send_id = await world.send(BOB)
    for user, sid in ((ANA, send_id), (BOB, 9999)):
        with pytest.raises(ReflectionError) as refused:
            await world.service.answer(user, sid, text("mine now"))
        assert refused.value.reason == "not-found"
        with pytest.raises(ReflectionError):
            await world.service.skip(user, sid)
    assert (await world.service.journal(ANA, 0)).total == 0
    assert world.prompts.sends[send_id].status == "sent"


async def test_empty_and_over_long_text(world: World) -> None:
    send_id = await world.send(BOB)
    with pytest.raises(ReflectionError) as empty:
        await world.service.answer(BOB, send_id, text("  \n "))
    assert empty.value.reason == "empty"
    with pytest.raises(ReflectionError) as long:
        await world.service.answer(BOB, send_id, text("x" * (MAX_TEXT + 1)))
    assert long.value.reason == "too-long"
    await world.service.answer(BOB, send_id, text("y" * (MAX_TEXT - 5)))
    with pytest.raises(ReflectionError) as full:
        await world.service.follow_up(BOB, text("more than five"))
    assert full.value.reason == "full"
    (entry,) = (await world.service.journal(BOB, 0)).entries
    assert len(entry.parts) == 1  # the refused part left nothing behind


async def test_skip_once_and_not_after_answering(world: World) -> None:
    service = world.service
    send_id = await world.send(BOB)
    assert await service.skip(BOB, send_id) == "skipped"
    assert await service.skip(BOB, send_id) == "already"
    answered = await world.send(BOB)
    await service.answer(BOB, answered, text("Done."))
    assert await service.skip(BOB, answered) == "answered"
    assert world.prompts.sends[answered].status == "answered"


async def test_share_once_named_or_anonymous(world: World) -> None:
    service = world.service
    saved = await service.answer(BOB, await world.send(BOB), text("Feedback <works> & helps"))
    with pytest.raises(ReflectionError) as foreign:
        await service.share(ANA, saved.reflection.id, anonymous=True)
    assert foreign.value.reason == "not-found"
    await service.share(BOB, saved.reflection.id, anonymous=True)
    with pytest.raises(ReflectionError) as again:
        await service.share(BOB, saved.reflection.id, anonymous=False)
    assert again.value.reason == "shared"
    rows = await world.db.fetch_all("SELECT * FROM outbox WHERE kind = 'reflection'")
    assert len(rows) == 1
    (row,) = rows
    assert row["chat_id"] == GROUP and row["user_id"] is None
    assert "Feedback &lt;works&gt; &amp; helps" in row["text"]
    for leak in ("Bob", "bob", str(BOB)):
        assert leak not in row["text"]

    named = await service.answer(BOB, await world.send(BOB), text("Named this time"))
    await service.share(BOB, named.reflection.id, anonymous=False)
    post = await world.db.fetch_value(
        "SELECT text FROM outbox WHERE key = ?", (f"reflection:{named.reflection.id}",)
    )
    assert "Bob Popescu" in post and "@bob" not in post


async def test_no_sharing_after_leaving_or_when_withdrawn_or_voice_only(world: World) -> None:
    service, prompts = world.service, world.prompts
    send_id = await world.send(BOB)
    saved = await service.answer(BOB, send_id, text("Kept."))
    prompts.sends[send_id] = replace(prompts.sends[send_id], prompt_status="deleted")
    assert (await service.answer(BOB, send_id, text("More."))).share_problem == "withdrawn"

    voice_only = await service.answer(
        BOB, await world.send(BOB), NewPart(PartKind.VOICE, "", 5, "AwAC")
    )
    with pytest.raises(ReflectionError) as no_text:
        await service.share(BOB, voice_only.reflection.id, anonymous=True)
    assert no_text.value.reason == "no-text"

    await MembershipRepository(world.db).remove(world.hub_id, BOB)
    with pytest.raises(ReflectionError) as left:
        await service.share(BOB, saved.reflection.id, anonymous=True)
    assert left.value.reason == "left"
    assert await world.db.fetch_value("SELECT COUNT(*) FROM outbox") == 0


async def test_journal_pages(world: World) -> None:
    service = world.service
    for number in range(7):
        world.clock.advance(timedelta(hours=1))
        await service.answer(BOB, await world.send(BOB), text(f"Reflection {number}"))
    first, last = await service.journal(BOB, 0), await service.journal(BOB, 99)
    assert (first.pages, first.total, last.page) == (3, 7, 2)
    assert [e.text for e in first.entries] == ["Reflection 6", "Reflection 5", "Reflection 4"]
    assert [e.text for e in last.entries] == ["Reflection 0"]
    assert len(await service.everything(BOB)) == 7
    assert (await service.journal(ANA, 0)).pages == 1


def test_the_group_post_fits_one_message() -> None:
    post = post_text("P" * 1000, "😀" * MAX_TEXT, None)
    assert utf16_len(post) <= 4096
    assert post.endswith("…")


def test_a_journal_page_of_long_emoji_reflections_fits_one_message() -> None:
    from bot.db.reflections import PartRow, ReflectionRow
    from bot.handlers.journal import page_text
    from bot.i18n import use_locale
    from bot.services.reflections import Entry, JournalPage

    entries = []
    for number in range(3):
        reflection = ReflectionRow(
            number, BOB, 1, None, "🌱" * 1000, START, START, START, True, "Hub"
        )
        part = PartRow(number, number, PartKind.TEXT, "😀\n" * 1300, None, 1, START)
        entries.append(Entry(reflection, [part]))
    for locale in ("en", "he"):
        with use_locale(locale):
            text = page_text(JournalPage(entries, 0, 1, 3), "Asia/Jerusalem")
        assert utf16_len(text) <= 4096, locale
        assert text.count("😀") >= 3


def test_the_window_setting_is_validated() -> None:
    from bot.config import ConfigError, config_from_mapping

    base = {"telegram": {"token": "123:abc"}}
    assert config_from_mapping(base).reflections.window_minutes == 10
    assert (
        config_from_mapping(
            {**base, "reflections": {"window_minutes": 3}}
        ).reflections.window_minutes
        == 3
    )
    with pytest.raises(ConfigError, match=r"reflections\.window_minutes"):
        config_from_mapping({**base, "reflections": {"window_minutes": 0}})
