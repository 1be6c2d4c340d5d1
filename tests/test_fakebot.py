"""Tests of the fake Telegram server itself, through PTB's own Bot and raw HTTP.

The e2e tests trust the fake to answer like Telegram; these pin down that behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakebot import CallbackAnswer, FakeTelegram, Limits, Msg, SimUser

Handler = Callable[[Update], Awaitable[None]]


class MiniBot:
    """PTB's polling loop in miniature: each batch is handled before the next getUpdates confirms
    it, so settle() returning means the handler ran."""

    def __init__(self, bot: Bot, handler: Handler | None = None) -> None:
        self.bot = bot
        self.handler = handler
        self.updates: list[Update] = []

    async def run(self) -> None:
        offset = 0
        while True:
            for update in await self.bot.get_updates(offset=offset, timeout=10):
                self.updates.append(update)
                if self.handler is not None:
                    await self.handler(update)
                offset = update.update_id + 1

    def kinds(self) -> list[str]:
        return [next(k for k in u.to_dict() if k != "update_id") for u in self.updates]


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    ) as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def minibot(bot: Bot) -> AsyncIterator[MiniBot]:
    mini = MiniBot(bot)
    task = asyncio.create_task(mini.run())
    yield mini
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
def alice(server: FakeTelegram) -> SimUser:
    """A user who has opened the bot, so it may write to her."""
    user = server.user("Alice", username="alice")
    user.started = True
    return user


async def raw(
    server: FakeTelegram,
    method: str,
    *,
    token: str | None = None,
    http: str = "POST",
    **kwargs: Any,
) -> tuple[int, str, Any]:
    """One HTTP request without PTB: (status, content type, parsed JSON or text)."""
    url = f"{server.api_root}/bot{token or server.token}/{method}"
    async with aiohttp.ClientSession() as session, session.request(http, url, **kwargs) as resp:
        if resp.content_type == "application/json":
            return resp.status, resp.content_type, await resp.json()
        return resp.status, resp.content_type, await resp.text()


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in labels_and_data]
    )


# ---------------------------------------------------------------------- text and HTML


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        (
            "<b>bold</b> <i>it</i> <u>u</u> <s>s</s>",
            "bold it u s",
            [
                {"type": "bold", "offset": 0, "length": 4},
                {"type": "italic", "offset": 5, "length": 2},
                {"type": "underline", "offset": 8, "length": 1},
                {"type": "strikethrough", "offset": 10, "length": 1},
            ],
        ),
        (
            "<strong>a</strong><EM>b</EM><ins>c</ins><del>d</del><strike>e</strike>",
            "abcde",
            [
                {"type": "bold", "offset": 0, "length": 1},
                {"type": "italic", "offset": 1, "length": 1},
                {"type": "underline", "offset": 2, "length": 1},
                {"type": "strikethrough", "offset": 3, "length": 1},
                {"type": "strikethrough", "offset": 4, "length": 1},
            ],
        ),
        (
            "<b>outer <i>inner</i></b> <tg-spoiler>x</tg-spoiler> "
            '<span class="tg-spoiler">y</span>',
            "outer inner x y",
            [
                {"type": "bold", "offset": 0, "length": 11},
                {"type": "italic", "offset": 6, "length": 5},
                {"type": "spoiler", "offset": 12, "length": 1},
                {"type": "spoiler", "offset": 14, "length": 1},
            ],
        ),
        (
            '<code>c</code> <pre>p</pre> <pre><code class="language-python">x = 1</code></pre>',
            "c p x = 1",
            [
                {"type": "code", "offset": 0, "length": 1},
                {"type": "pre", "offset": 2, "length": 1},
                {"type": "pre", "offset": 4, "length": 5, "language": "python"},
            ],
        ),
        (
            '<a href="https://example.com/a?b=1&amp;c=2">link</a> <a>https://t.me</a>',
            "link https://t.me",
            [
                {
                    "type": "text_link",
                    "offset": 0,
                    "length": 4,
                    "url": "https://example.com/a?b=1&c=2",
                },
                {"type": "text_link", "offset": 5, "length": 12, "url": "https://t.me/"},
            ],
        ),
        (
            "<blockquote>q</blockquote>\n<blockquote expandable>e</blockquote>",
            "q\ne",
            [
                {"type": "blockquote", "offset": 0, "length": 1},
                {"type": "expandable_blockquote", "offset": 2, "length": 1},
            ],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "type": "custom_emoji",
                    "offset": 0,
                    "length": 2,
                    "custom_emoji_id": "5368324170671202286",
                }
            ],
        ),
        ("&lt;b&gt; &amp; &quot;q&quot; &#65;&#x42; &foo; &amp", '<b> & "q" AB &foo; &', []),
        (
            "😀 <b>héllo</b> 👍<i>x</i>",
            "😀 héllo 👍x",
            [
                {"type": "bold", "offset": 3, "length": 5},
                {"type": "italic", "offset": 11, "length": 1},
            ],
        ),
        (
            "\n  <b> Title </b>\n\nSee /help, @support_team, #news and https://example.com/x.  \n",
            "Title \n\nSee /help, @support_team, #news and https://example.com/x.",
            [
                {"type": "bold", "offset": 0, "length": 6},
                {"type": "bot_command", "offset": 12, "length": 5},
                {"type": "mention", "offset": 19, "length": 13},
                {"type": "hashtag", "offset": 34, "length": 5},
                {"type": "url", "offset": 44, "length": 21},
            ],
        ),
    ],
)
async def test_html_becomes_plain_text_and_utf16_entities(
    bot: Bot, alice: SimUser, html: str, text: str, entities: list[dict[str, Any]]
) -> None:
    sent = await bot.send_message(alice.id, html, parse_mode="HTML")

    assert (alice.last().text, alice.last().entities) == (text, entities)
    assert alice.last().html == html
    assert sent.text == text


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("é <br>", 'Unsupported start tag "br" at byte offset 3'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            '<a href="x" title>y</a>',
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
async def test_html_errors_are_telegrams(
    server: FakeTelegram, alice: SimUser, html: str, error: str
) -> None:
    status, _, body = await raw(
        server, "sendMessage", data={"chat_id": alice.id, "text": html, "parse_mode": "HTML"}
    )

    assert (status, body) == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": f"Bad Request: can't parse entities: {error}",
        },
    )
    assert alice.inbox() == []


@pytest.mark.parametrize(
    ("text", "parse_mode", "accepted"),
    [
        ("a" * 4096, None, True),
        ("a" * 4097, None, False),
        ("😀" * 2048, None, True),
        ("😀" * 2048 + "a", None, False),
        ("<b>" + "a" * 4096 + "</b>", "HTML", True),
        ("&amp;" * 4097, "HTML", False),
        ("a" * 4096 + "  \n ", None, True),
    ],
)
async def test_text_limit_counts_utf16_units_after_parsing(
    bot: Bot, alice: SimUser, text: str, parse_mode: str | None, accepted: bool
) -> None:
    if accepted:
        await bot.send_message(alice.id, text, parse_mode=parse_mode)
        assert len(alice.inbox()) == 1
    else:
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.send_message(alice.id, text, parse_mode=parse_mode)


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [
        ("", None),
        ("  \n \n", None),
        ("<b> </b>", "HTML"),
        ('<a href="https://x.org"> </a>', "HTML"),
    ],
)
async def test_empty_text_is_rejected(
    bot: Bot, alice: SimUser, text: str, parse_mode: str | None
) -> None:
    with pytest.raises(BadRequest, match=r"^Message text is empty$"):
        await bot.send_message(alice.id, text, parse_mode=parse_mode)


# ---------------------------------------------------------------------- keyboards


@pytest.mark.parametrize(
    ("data", "accepted"),
    [("x" * 64, True), ("x" * 65, False), ("é" * 32, True), ("é" * 33, False)],
)
async def test_callback_data_is_limited_to_64_bytes(
    bot: Bot, alice: SimUser, data: str, accepted: bool
) -> None:
    markup = keyboard(("Go", data))
    if accepted:
        await bot.send_message(alice.id, "pick", reply_markup=markup)
        assert alice.last().button("Go").callback_data == data
    else:
        with pytest.raises(BadRequest, match=r"^Button_data_invalid$"):
            await bot.send_message(alice.id, "pick", reply_markup=markup)


async def test_button_urls_and_reply_keyboards(bot: Bot, alice: SimUser) -> None:
    good = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Site", url="https://example.org")],
            [InlineKeyboardButton("Profile", url="tg://resolve?domain=telegram")],
        ]
    )
    await bot.send_message(alice.id, "links", reply_markup=good)
    assert alice.last().button("Site").url == "https://example.org"

    bad = InlineKeyboardMarkup([[InlineKeyboardButton("FTP", url="ftp://example.org")]])
    with pytest.raises(BadRequest, match=r"^Button_url_invalid$"):
        await bot.send_message(alice.id, "links", reply_markup=bad)

    sent = await bot.send_message(alice.id, "menu", reply_markup=ReplyKeyboardMarkup([["A"]]))
    assert alice.last().reply_markup == {"keyboard": [[{"text": "A"}]]}
    assert alice.last().buttons == []
    assert sent.reply_markup is None  # Telegram returns only inline keyboards in a Message


async def test_button_lookup_prefers_exact_text(bot: Bot, alice: SimUser) -> None:
    markup = keyboard(("English", "en"), ("English (UK)", "uk"), ("Русский", "ru"))
    await bot.send_message(alice.id, "Language?", reply_markup=markup)
    msg = alice.last()

    assert msg.button("English").callback_data == "en"
    assert msg.button("UK").callback_data == "uk"
    with pytest.raises(AssertionError, match=r"'English', 'English \(UK\)', 'Русский'"):
        msg.button("Engl")
    with pytest.raises(AssertionError, match="no single button 'Deutsch'"):
        msg.button("Deutsch")


# ---------------------------------------------------------------------- chats and errors


async def test_private_chat_errors(bot: Bot, server: FakeTelegram, minibot: MiniBot) -> None:
    bob = server.user("Bob")
    with pytest.raises(
        Forbidden, match=r"^Forbidden: bot can't initiate conversation with a user$"
    ):
        await bot.send_message(bob.id, "hi")

    await bob.send("/start")
    await bot.send_message(bob.id, "hi")
    await bob.block()
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.send_message(bob.id, "hi again")
    await bob.unblock()
    await bot.send_message(bob.id, "welcome back")

    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.send_message("@nobody", "hi")
    assert [m.text for m in bob.inbox()] == ["hi", "welcome back"]
    statuses = [
        (u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status)
        for u in minibot.updates
        if u.my_chat_member
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_group_without_the_bot_is_forbidden(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    group = server.group("Mentors", creator=alice)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the group chat$"):
        await bot.send_message(group.id, "hi")

    await group.add_bot(alice)
    await bot.send_message(group.id, "hello group")
    await group.remove_bot(alice)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the group chat$"):
        await bot.send_message(group.id, "hi")

    supergroup = server.group("Hub", creator=alice, supergroup=True)
    await supergroup.add_bot(alice)
    await supergroup.remove_bot(alice, ban=True)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the supergroup chat$"):
        await bot.send_message(supergroup.id, "hi")
    assert [m.text for m in group.inbox()] == ["hello group"]
    assert str(supergroup.id).startswith("-100")
    assert not str(group.id).startswith("-100")


async def test_group_migration(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    group = server.group("Mentors", creator=alice)
    await group.add_bot(alice)
    old_id = group.id

    new_id = await group.migrate_to_supergroup()

    assert (group.id, group.type) == (new_id, "supergroup")
    messages = [u.message for u in minibot.updates if u.message]
    assert (messages[-2].chat.id, messages[-2].migrate_to_chat_id) == (old_id, new_id)
    assert (messages[-1].chat.id, messages[-1].migrate_from_chat_id) == (new_id, old_id)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(old_id, "hi")
    assert migrated.value.new_chat_id == new_id
    assert server.calls_of("sendMessage")[-1].description == (
        "Bad Request: group chat was upgraded to a supergroup chat"
    )
    await bot.send_message(new_id, "hi")
    assert group.last().text == "hi"


async def test_chat_info_members_and_leaving(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    bob, carol, dave = server.user("Bob"), server.user("Carol"), server.user("Dave")
    group = server.group("Mentors", creator=alice, members=[carol], supergroup=True)
    group.add_member(bob, admin=True)
    await group.add_bot(alice)
    group.bot_status = "administrator"

    chat = await bot.get_chat(group.id)
    assert (chat.title, chat.type) == ("Mentors", "supergroup")
    group.username = "mentors_hub"
    assert (await bot.get_chat("@mentors_hub")).id == group.id
    assert (await bot.get_chat(alice.id)).first_name == "Alice"
    statuses = [
        (await bot.get_chat_member(group.id, user_id)).status
        for user_id in (alice.id, bob.id, carol.id, dave.id, server.bot_id)
    ]
    assert statuses == ["creator", "administrator", "member", "left", "administrator"]
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [alice.id, bob.id, server.bot_id]
    assert await bot.get_chat_member_count(group.id) == 4

    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.get_chat(group.id)
    await server.settle()
    assert minibot.updates[-1].my_chat_member.new_chat_member.status == "left"


async def test_privacy_mode_in_groups(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    group = server.group("Mentors", creator=alice)
    await group.add_bot(alice)
    await bot.send_message(group.id, "I am here")

    await alice.send("just chatting", chat=group)
    await alice.send("/ask@other_bot", chat=group)
    await alice.send("/ask@mentorhub_test_bot question", chat=group)
    await alice.send("/help", chat=group)
    await alice.send("answering you", chat=group, reply_to=group.last())
    group.bot_status = "administrator"
    await alice.send("admins see everything", chat=group)

    seen = [u.message.text for u in minibot.updates if u.message and u.message.text]
    assert seen == [
        "/ask@mentorhub_test_bot question",
        "/help",
        "answering you",
        "admins see everything",
    ]


# ---------------------------------------------------------------------- flood control


@pytest.mark.parametrize(
    ("limits", "targets", "retry_after"),
    [
        (Limits(global_per_second=2), ["alice", "bob", "carol"], 1),
        (Limits(private_per_second=1), ["alice", "alice"], 1),
        (Limits(group_per_minute=2), ["group", "group", "group"], 60),
    ],
)
async def test_flood_limits_answer_429(
    bot: Bot,
    server: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    limits: Limits,
    targets: list[str],
    retry_after: int,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta
    chats: dict[str, int] = {}
    for name in ("alice", "bob", "carol"):
        user = server.user(name.title())
        user.started = True
        chats[name] = user.id
    group = server.group("Mentors", creator=server.user("Owner"))
    group.bot_status = "member"
    chats["group"] = group.id
    server.limits = limits

    for name in targets[:-1]:
        await bot.send_message(chats[name], "ok")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(chats[targets[-1]], "too fast")

    assert retry_after - 1 < flood.value.retry_after.total_seconds() <= retry_after
    assert server.rejected_429 == 1
    assert sum(len(v) for v in server.messages.values()) == len(targets) - 1
    server.limits.global_per_second = server.limits.private_per_second = None
    server.limits.group_per_minute = None
    await bot.send_message(chats[targets[-1]], "unlimited again")


async def test_429_answer_shape(server: FakeTelegram, alice: SimUser) -> None:
    server.limits.private_per_second = 1
    await raw(server, "sendMessage", data={"chat_id": alice.id, "text": "one"})

    status, _, body = await raw(server, "sendMessage", data={"chat_id": alice.id, "text": "two"})

    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    edit = {"chat_id": alice.id, "message_id": 1, "text": "edits are not limited"}
    assert (await raw(server, "editMessageText", data=edit))[0] == 200


# ---------------------------------------------------------------------- transport


async def test_network_failure_is_a_bad_gateway(
    bot: Bot, server: FakeTelegram, alice: SimUser
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    async with asyncio.timeout(2):
        await server.wait_for_poller()

    server.set_network_failure(True)

    with pytest.raises(NetworkError, match=r"Bad Gateway \(502\)"):
        await poll
    status, content_type, body = await raw(server, "getMe")
    assert (status, content_type) == (502, "text/html")
    assert "502 Bad Gateway" in body
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(alice.id, "lost")
    assert alice.inbox() == []
    assert server.calls_of("sendMessage")[-1].error_code == 502

    async with asyncio.timeout(1):
        await alice.send("lost in transit")  # settles at once: nothing can reach the bot

    server.set_network_failure(False)
    await bot.send_message(alice.id, "back")
    assert alice.last().text == "back"
    assert [u.message.text for u in await bot.get_updates()] == ["lost in transit"]


async def test_forms_json_get_and_errors(server: FakeTelegram, alice: SimUser) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    form = {"chat_id": str(alice.id), "text": "123", "reply_markup": json.dumps(markup)}
    form["disable_notification"] = "true"
    status, _, body = await raw(server, "sendMessage", data=form)
    assert status == 200
    assert body["result"]["text"] == "123"
    assert server.calls[-1].params == {
        "chat_id": alice.id,
        "text": "123",
        "reply_markup": markup,
        "disable_notification": True,
    }

    status, _, body = await raw(
        server, "SENDMESSAGE", json={"chat_id": alice.id, "text": "json", "reply_markup": markup}
    )
    assert (status, body["result"]["reply_markup"]) == (200, markup)
    assert server.calls[-1].method == "sendMessage"

    status, _, body = await raw(server, "getMe", http="GET")
    assert body["result"]["username"] == server.bot_username
    status, _, body = await raw(server, "getChat", http="GET", params={"chat_id": alice.id})
    assert body["result"]["type"] == "private"

    assert await raw(server, "getMe", token="123:wrong") == (
        401,
        "application/json",
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await raw(server, "sendTelepathy") == (
        404,
        "application/json",
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_invalid_token_in_ptb(server: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=server.base_url):
            pass


# ---------------------------------------------------------------------- getUpdates


async def test_get_updates_offset_and_limit(bot: Bot, server: FakeTelegram, alice: SimUser) -> None:
    sends = [asyncio.create_task(alice.send(f"m{i}")) for i in range(3)]
    assert (await bot.get_webhook_info()).pending_update_count == 3

    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["m0", "m1"]
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in rest] == ["m1", "m2"]
    assert [u.update_id for u in rest] == [first[1].update_id, first[1].update_id + 1]
    assert not any(send.done() for send in sends)

    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    async with asyncio.timeout(2):
        await asyncio.gather(*sends)


async def test_negative_offset_and_allowed_updates(
    bot: Bot, server: FakeTelegram, alice: SimUser
) -> None:
    sends = [asyncio.create_task(alice.send(f"m{i}")) for i in range(3)]
    assert (await bot.get_webhook_info()).pending_update_count == 3
    assert [u.message.text for u in await bot.get_updates(offset=-1)] == ["m2"]
    await bot.get_updates(offset=(await bot.get_updates())[-1].update_id + 1)
    await asyncio.gather(*sends)

    await bot.get_updates(allowed_updates=["callback_query"])
    async with asyncio.timeout(2):
        await alice.send("nobody asked for messages")  # never created, so settled at once
    assert (await bot.get_webhook_info()).pending_update_count == 0

    await bot.get_updates(allowed_updates=[])  # back to Telegram's default set
    send = asyncio.create_task(alice.send("heard"))
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates] == ["heard"]
    await bot.get_updates(offset=updates[-1].update_id + 1)
    await send


async def test_long_poll_wakes_up_on_a_new_update(
    bot: Bot, server: FakeTelegram, alice: SimUser
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    async with asyncio.timeout(2):
        await server.wait_for_poller()
    started = time.monotonic()

    send = asyncio.create_task(alice.send("wake up"))
    updates = await poll

    assert time.monotonic() - started < 1.0  # the poll's timeout is 5 s
    assert [u.message.text for u in updates] == ["wake up"]
    await bot.get_updates(offset=updates[-1].update_id + 1)
    await send


async def test_concurrent_get_updates_and_webhook_conflict(bot: Bot, server: FakeTelegram) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    async with asyncio.timeout(2):
        await server.wait_for_poller()

    async with Bot(server.token, base_url=server.base_url) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request; make sure"):
        await first

    assert await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_long_user_texts_are_split_like_clients_do(
    server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    sent = await alice.send("😀" + "x" * 5000)

    parts = [u.message.text for u in minibot.updates]
    assert [len(p.encode("utf-16-le")) // 2 for p in parts] == [4096, 906]
    assert sent.text == parts[-1]


async def test_settle_returns_at_once_or_fails_clearly(
    server: FakeTelegram, alice: SimUser
) -> None:
    async with asyncio.timeout(0.5):
        await server.settle()  # nothing pending, no hooks

    server.settle_timeout = 0.05
    with pytest.raises(AssertionError, match=r"^bot did not settle within 0\.05 s"):
        await alice.send("anyone?")


async def test_settle_waits_for_a_real_application(server: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_html(
            f"Welcome, <b>{update.effective_user.first_name}</b>!"
        )

    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .job_queue(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    server.settle_hooks.append(app.update_queue.join)
    async with app:
        await app.updater.start_polling(timeout=5)
        await app.start()
        try:
            alice = server.user("Alice")
            await alice.send("/start")
            assert alice.last().text == "Welcome, Alice!"
            assert alice.last().entities == [{"type": "bold", "offset": 9, "length": 5}]
        finally:
            await app.updater.stop()
            await app.stop()


# ---------------------------------------------------------------------- edits and callbacks


async def test_edits_and_message_not_modified(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(alice.id, "Pick", reply_markup=keyboard(("A", "a")))
    not_modified = "^Message is not modified: specified new message content and reply markup"

    with pytest.raises(BadRequest, match=not_modified):
        await bot.edit_message_text(
            "Pick", alice.id, sent.message_id, reply_markup=keyboard(("A", "a"))
        )
    await bot.edit_message_text(
        "Pick", alice.id, sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    with pytest.raises(BadRequest, match=not_modified):
        await bot.edit_message_reply_markup(
            alice.id, sent.message_id, reply_markup=keyboard(("B", "b"))
        )
    edited = await bot.edit_message_text(
        "<b>Picked</b>", alice.id, sent.message_id, parse_mode="HTML"
    )

    msg = alice.last()
    assert (msg.text, msg.buttons, msg.edits) == ("Picked", [], 2)  # no markup: keyboard removed
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.edit_message_text("x", alice.id, 999)


async def test_delete_message(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(alice.id, "temporary")
    msg = alice.last()

    assert await bot.delete_message(alice.id, sent.message_id)

    assert msg.deleted
    assert alice.inbox() == []
    with pytest.raises(BadRequest, match=r"^Message to delete not found$"):
        await bot.delete_message(alice.id, sent.message_id)


async def test_replies_and_deleting_user_messages(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    question = await alice.send("Where do we meet?")

    sent = await bot.send_message(
        alice.id, "In the library", reply_parameters=ReplyParameters(question.message_id)
    )

    assert alice.last().reply_to == question.message_id
    assert sent.reply_to_message.text == "Where do we meet?"
    with pytest.raises(BadRequest, match=r"^Message to be replied not found$"):
        await bot.send_message(alice.id, "?", reply_parameters=ReplyParameters(999))
    lenient = ReplyParameters(999, allow_sending_without_reply=True)
    assert (
        await bot.send_message(alice.id, "ok", reply_parameters=lenient)
    ).reply_to_message is None

    group = server.group("Mentors", creator=alice)
    await group.add_bot(alice)
    command = await alice.send("/help", chat=group)
    with pytest.raises(BadRequest, match=r"^Message can't be deleted$"):
        await bot.delete_message(group.id, command.message_id)
    group.bot_status = "administrator"
    assert await bot.delete_message(group.id, command.message_id)
    assert await bot.delete_message(alice.id, question.message_id)  # private: always allowed


async def test_callback_queries_are_answered_once(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    second_answers: list[str] = []

    async def handler(update: Update) -> None:
        query = update.callback_query
        if query is None or query.data == "ignore":
            return
        if query.data == "long":
            with contextlib.suppress(BadRequest):
                await query.answer("x" * 201)
            return
        await query.answer(f"chose {query.data}", show_alert=query.data == "alert")
        try:
            await query.answer("again")
        except BadRequest as err:
            second_answers.append(err.message)

    minibot.handler = handler
    await bot.send_message(alice.id, "Language?", reply_markup=keyboard(("English", "en")))
    msg = alice.last()

    assert await alice.press(msg, "English") == CallbackAnswer("chose en", show_alert=False)
    assert await alice.press_data(msg, "alert") == CallbackAnswer("chose alert", show_alert=True)
    assert await alice.press_data(msg, "ignore") is None
    assert await alice.press_data(msg, "long") is None
    assert server.calls_of("answerCallbackQuery")[-1].description == "Bad Request: MESSAGE_TOO_LONG"
    assert (
        second_answers
        == ["Query is too old and response timeout expired or query id is invalid"] * 2
    )
    with pytest.raises(BadRequest, match=r"^Query is too old"):
        await bot.answer_callback_query("12345")
    query = next(u.callback_query for u in minibot.updates if u.callback_query)
    assert query.message.text == "Language?"
    assert query.message.from_user.id == server.bot_id


# ---------------------------------------------------------------------- commands, files, polls


async def test_command_validation_and_reading_back(
    bot: Bot, server: FakeTelegram, alice: SimUser
) -> None:
    group = server.group("Mentors", creator=alice)
    group.bot_status = "member"
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands([BotCommand("start", "Запуск")], language_code="ru")
    await bot.set_my_commands(
        [BotCommand("ask", "Ask")], scope=BotCommandScopeChatMember(group.id, alice.id)
    )
    await bot.set_my_commands([BotCommand("me", "Me")], scope=BotCommandScopeChat(alice.id))

    assert server.commands == {
        ("default", ""): [{"command": "start", "description": "Start"}],
        ("default", "ru"): [{"command": "start", "description": "Запуск"}],
        (f"chat_member:{group.id}:{alice.id}", ""): [{"command": "ask", "description": "Ask"}],
        (f"chat:{alice.id}", ""): [{"command": "me", "description": "Me"}],
    }
    assert [c.description for c in await bot.get_my_commands(language_code="ru")] == ["Запуск"]
    assert await bot.get_my_commands(language_code="de") == ()
    assert await bot.delete_my_commands(language_code="ru")
    assert ("default", "ru") not in server.commands

    for name in ("Start", "/start", "x" * 33, "с"):
        with pytest.raises(BadRequest, match=r"^Bot_command_invalid$"):
            await bot.set_my_commands([BotCommand(name, "desc")])
    for description in ("", " ", "d" * 257):
        with pytest.raises(BadRequest, match=r"^Bot_command_description_invalid$"):
            await bot.set_my_commands([BotCommand("ok", description)])
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await bot.set_my_commands([BotCommand("ok", "ok")], scope=BotCommandScopeChat(-1))


async def test_bot_profile_settings(bot: Bot, server: FakeTelegram) -> None:
    assert await bot.set_my_description("Regional mentoring hubs", language_code="en")
    assert await bot.set_my_short_description("Mentoring")
    assert await bot.set_my_name("Mentor Hub")

    assert (await bot.get_my_description("en")).description == "Regional mentoring hubs"
    assert server.short_descriptions == {"": "Mentoring"}
    assert server.names == {"": "Mentor Hub"}
    assert await bot.set_chat_menu_button()
    assert (await bot.get_chat_menu_button()).type == "default"
    assert await bot.log_out()
    assert await bot.close()


async def test_send_document_multipart(bot: Bot, server: FakeTelegram, alice: SimUser) -> None:
    sent = await bot.send_document(
        alice.id,
        document=b"a,b\n1,2\n",
        filename="report.csv",
        caption="<b>Weekly</b> report",
        parse_mode="HTML",
    )

    msg = alice.last()
    assert (msg.file_name, msg.file_bytes, msg.text) == (
        "report.csv",
        b"a,b\n1,2\n",
        "Weekly report",
    )
    assert msg.document is not None
    assert (msg.document["mime_type"], msg.document["file_size"]) == ("text/csv", 8)
    assert msg.entities == [{"type": "bold", "offset": 0, "length": 6}]
    assert (sent.document.file_name, sent.caption) == ("report.csv", "Weekly report")
    assert server.calls_of("sendDocument")[0].params["document"].file_name == "report.csv"

    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"
    again = await bot.send_document(alice.id, document=sent.document.file_id)
    assert again.document.file_unique_id == sent.document.file_unique_id
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_document(alice.id, document=b"x", filename="x.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match=r"^Wrong file identifier/http url specified$"):
        await bot.send_document(alice.id, document="no-such-file-id")


def _png(width: int, height: int) -> bytes:
    """A valid PNG (one colour) of this size, written by hand."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_send_photo_multipart(bot: Bot, server: FakeTelegram, alice: SimUser) -> None:
    png = _png(300, 200)
    sent = await bot.send_photo(
        alice.id, photo=png, filename="chart.png", caption="<i>Chart</i>", parse_mode="HTML"
    )
    msg = alice.last()
    assert msg.photo is not None and msg.file_bytes == png and msg.text == "Chart"
    # PhotoSize, smallest first, never larger than the original
    assert [(p["width"], p["height"]) for p in msg.photo] == [(90, 60), (300, 200)]
    assert (sent.photo[-1].width, sent.caption) == (300, "Chart")
    again = await bot.send_photo(alice.id, photo=sent.photo[-1].file_id)
    assert again.photo[-1].height == 200
    with pytest.raises(BadRequest, match=r"^Image_process_failed$"):
        await bot.send_photo(alice.id, photo=b"not an image", filename="x.png")
    with pytest.raises(BadRequest, match=r"^Photo_invalid_dimensions$"):
        await bot.send_photo(alice.id, photo=_png(2100, 100), filename="wide.png")
    with pytest.raises(BadRequest, match=r"^Wrong file identifier/http url specified$"):
        await bot.send_photo(alice.id, photo="no-such-file-id")


@pytest.mark.parametrize(
    ("question", "options", "error"),
    [
        ("", ["a", "b"], "poll question must be non-empty"),
        ("q" * 301, ["a", "b"], "poll question length must not exceed 300"),
        ("q", ["a"], "poll must have at least 2 option"),
        ("q", [str(i) for i in range(13)], "poll can't have more than 12 options"),
        ("q", ["a", ""], "poll options must be non-empty"),
        ("q", ["a", "b" * 101], "poll options length must not exceed 100"),
    ],
)
async def test_send_poll_validation(
    bot: Bot, server: FakeTelegram, alice: SimUser, question: str, options: list[str], error: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_poll(alice.id, question, options)
    assert server.calls_of("sendPoll")[-1].description == f"Bad Request: {error}"


async def test_polls_votes_and_stopping(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    options = [InputPollOption(f"option {i}" + "x" * 90) for i in range(11)] + ["plain string"]
    sent = await bot.send_poll(alice.id, "q" * 300, options, is_anonymous=False)
    assert len(sent.poll.options) == 12
    poll_msg = alice.last()

    await alice.vote(poll_msg, [11])
    await alice.vote(poll_msg, [])

    answers = [u.poll_answer for u in minibot.updates if u.poll_answer]
    assert [(a.user.id, a.option_ids) for a in answers] == [(alice.id, (11,)), (alice.id, ())]
    polls = [u.poll for u in minibot.updates if u.poll]
    assert [p.options[11].voter_count for p in polls] == [1, 0]
    stopped = await bot.stop_poll(alice.id, sent.message_id)
    assert stopped.is_closed
    assert poll_msg.poll is not None
    assert poll_msg.poll["is_closed"]
    with pytest.raises(BadRequest, match=r"^Poll has already been closed$"):
        await bot.stop_poll(alice.id, sent.message_id)
    with pytest.raises(AssertionError, match="closed"):
        await alice.vote(poll_msg, [0])


# ---------------------------------------------------------------------- updates PTB must parse


async def test_every_simulated_update_parses_in_ptb(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    """MiniBot fetches through PTB's get_updates, which runs Update.de_json on each update."""
    bob = server.user("Bob", language_code=None, last_name="Builder")
    group = server.group("Mentors", creator=alice, members=[bob])
    await bot.send_message(alice.id, "Question?", reply_markup=keyboard(("Yes", "yes")))
    question = alice.last()

    await alice.send("/start")
    reply = await alice.send("an answer", reply_to=question)
    await alice.press(question, "Yes")
    await alice.block()
    await alice.unblock()
    await group.add_bot(bob)
    await bob.send("/help", chat=group)
    poll = await bot.send_poll(group.id, "Meet?", ["Mon", "Tue"], is_anonymous=False)
    await bob.vote(group.last(), [0])
    await group.migrate_to_supergroup()
    await group.remove_bot(alice)

    assert minibot.kinds() == [
        "message",
        "message",
        "callback_query",
        "my_chat_member",
        "my_chat_member",
        "my_chat_member",
        "message",
        "message",
        "poll_answer",
        "poll",
        "message",
        "message",
        "my_chat_member",
    ]
    updates = minibot.updates
    assert updates[0].message.entities[0].type == "bot_command"
    replied = updates[1].message.reply_to_message
    assert (replied.message_id, replied.from_user.is_bot, replied.text) == (
        question.message_id,
        True,
        "Question?",
    )
    assert reply.reply_to == question.message_id
    assert updates[2].callback_query.data == "yes"
    assert updates[6].message.new_chat_members[0].id == server.bot_id
    assert updates[7].message.from_user.last_name == "Builder"
    assert updates[8].poll_answer.poll_id == poll.poll.id
    assert updates[10].message.migrate_to_chat_id == group.id
    assert updates[12].my_chat_member.new_chat_member.status == "left"


def test_msg_json_is_a_copy_with_only_inline_keyboards() -> None:
    chat = {"id": 1001, "type": "private", "first_name": "Alice"}
    sender = {"id": 1, "is_bot": True, "first_name": "Mentor Hub", "username": "hub_bot"}
    msg = Msg(
        chat,
        7,
        sender,
        1_700_000_000,
        text="hi",
        reply_markup={"keyboard": [[{"text": "A"}]]},
        edit_date=1_700_000_100,
    )

    as_json = msg.to_json()

    assert as_json == {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": chat,
        "from": sender,
        "text": "hi",
        "edit_date": 1_700_000_100,
    }
    assert as_json["chat"] is not msg.chat  # queued updates must not change with later edits
    assert (msg.chat_id, msg.sender_id, msg.from_bot) == (1001, 1, True)


async def test_voice_and_photo_from_a_user(
    bot: Bot, server: FakeTelegram, alice: SimUser, minibot: MiniBot
) -> None:
    prompt = await bot.send_message(alice.id, "What went well?")
    voice = await alice.send_voice(12, reply_to=alice.last())
    photo = await alice.send_photo("Our <b>board</b> today")
    bare = await alice.send_photo()

    first, second, third = (u.message for u in minibot.updates[-3:])
    assert first is not None and second is not None and third is not None
    assert first.voice is not None and first.voice.mime_type == "audio/ogg"
    assert first.voice.duration.total_seconds() == 12  # type: ignore[union-attr]
    assert first.reply_to_message is not None
    assert first.reply_to_message.message_id == prompt.message_id
    assert (first.text, first.caption) == (None, None)
    assert second.caption == "Our <b>board</b> today"  # a user's caption is plain text
    assert [size.width for size in second.photo] == [90, 320, 1280]
    assert third.caption is None and third.photo
    assert voice.voice is not None and photo.photo is not None and bare.text == ""
    file = await bot.get_file(first.voice.file_id)
    assert bytes(await file.download_as_bytearray()).startswith(b"OggS")
    largest = await bot.get_file(second.photo[-1].file_id)
    assert largest.file_path is not None and largest.file_path.endswith(".jpg")
