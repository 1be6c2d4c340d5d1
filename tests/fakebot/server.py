"""A fake Telegram Bot API server over real HTTP, for running the real PTB Application in tests.

The bot talks to it through ``base_url``; tests drive simulated users (see simulator.py) and
wait with `FakeTelegram.settle`. Answers, JSON shapes and error texts follow the Bot API.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import itertools
import json
import logging
import math
import mimetypes
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from .html import HtmlParseError, finalize, parse_html, split_utf16, utf16_len
from .simulator import JSON, CallbackAnswer, Msg, SimGroup, SimUser, chat_member_json

_LOGGER = logging.getLogger(__name__)

BOT_FIRST_NAME = "Mentor Hub"
TEST_TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuv"

# Parameters PTB sends JSON-encoded in form bodies.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "options",
        "menu_button",
        "question_entities",
        "explanation_entities",
    }
)
_INT_FIELDS = frozenset(
    {
        "user_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "message_thread_id",
        "open_period",
        "close_date",
        "cache_time",
        "max_connections",
        "correct_option_id",
    }
)
_CHAT_ID_FIELDS = frozenset({"chat_id", "from_chat_id"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "is_anonymous",
        "allows_multiple_answers",
        "allows_revoting",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "is_closed",
    }
)
# Kept as strings even when a JSON body carries a number.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "callback_query_id",
        "url",
        "question",
        "type",
        "description",
        "short_description",
        "name",
        "language_code",
        "file_id",
        "secret_token",
    }
)
# Telegram's default when allowed_updates is empty: everything but these.
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "callback_game",
    "pay",
    "copy_text",
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_ACCEPTED_GIFTS = {
    "unlimited_gifts": True,
    "limited_gifts": True,
    "unique_gifts": True,
    "premium_subscription": True,
    "gifts_from_channels": True,
}
_BAD_GATEWAY = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
    "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class ApiError(Exception):
    """A Bot API error answer; the HTTP status equals error_code like Telegram's."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Limits:
    """Flood limits for sending methods; None means unlimited. Mutable while the bot runs.

    Rates below one per unit become one message per 1/rate units (e.g. 0.5/s: one per 2 s).
    """

    global_per_second: float | None = None
    private_per_second: float | None = None
    group_per_minute: float | None = None


@dataclass
class ApiCall:
    """One request the bot made and how the fake answered it."""

    method: str
    params: JSON
    ok: bool
    error_code: int | None
    description: str | None
    at: float


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    file_name: str
    mime_type: str
    data: bytes = field(repr=False)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, read from its header; None if it is neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 < len(data) and data[at] == 0xFF:
            marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                return (
                    int.from_bytes(data[at + 7 : at + 9], "big"),
                    int.from_bytes(data[at + 5 : at + 7], "big"),
                )
            at += 2 + length
    return None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes = field(repr=False)
    folder: str = "documents"

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.file_unique_id}_{self.file_name}"


def _capacity(rate: float, unit: float) -> tuple[int, float]:
    """(messages, window seconds) of a sliding window for `rate` per `unit` seconds."""
    return (math.floor(rate), unit) if rate >= 1 else (1, unit / rate)


def _inline(markup: JSON | None) -> JSON | None:
    """The part of a markup that a Message carries: only inline keyboards."""
    return markup if markup and "inline_keyboard" in markup else None


def _check_markup(markup: Any) -> JSON | None:
    """Validates reply_markup like Telegram (buttons, callback data, URLs)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for button in itertools.chain.from_iterable(rows):
            _check_button(button)
    elif not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
        raise _bad("can't parse reply keyboard markup JSON object")
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [a for a in _BUTTON_ACTIONS if a in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad("can't parse inline keyboard button: only one of the optional fields is allowed")
    data = button.get("callback_data")
    if "callback_data" in button and not (
        isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64
    ):
        raise _bad("BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and not (
        isinstance(url, str) and re.match(r"(?i)(https?://[^/\s]+|tg://\S+)", url)
    ):
        raise _bad("BUTTON_URL_INVALID")


def _normalize(raw: dict[str, Any]) -> JSON:
    """Turns form values (all strings) or JSON values into the types Telegram reads."""
    params: JSON = {}
    for name, value in raw.items():
        if isinstance(value, UploadedFile) or value is None:
            params[name] = value
        elif name in _JSON_FIELDS and isinstance(value, str):
            try:
                params[name] = json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {name} JSON object") from None
        elif name in _CHAT_ID_FIELDS:
            text = str(value)
            params[name] = int(text) if re.fullmatch(r"-?\d+", text) else text
        elif name in _INT_FIELDS:
            try:
                params[name] = int(value)
            except (TypeError, ValueError):
                raise _bad(f"invalid {name} specified") from None
        elif name in _BOOL_FIELDS:
            params[name] = value if isinstance(value, bool) else str(value).lower() in ("true", "1")
        elif name in _STRING_FIELDS and not isinstance(value, str):
            params[name] = json.dumps(value) if isinstance(value, dict | list) else str(value)
        else:
            params[name] = value
    return params


class FakeTelegram:
    """The fake Bot API: HTTP endpoints for the bot, state and update production for tests."""

    def __init__(
        self,
        *,
        token: str = TEST_TOKEN,
        bot_username: str = "mentorhub_test_bot",
        bot_id: int = 777000111,
        limits: Limits | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.limits = limits or Limits()
        # Telegram's privacy mode: in groups the bot only gets commands, replies to it and
        # service messages, unless it is an administrator.
        self.privacy_mode = True
        self.calls: list[ApiCall] = []
        # Called with every recorded API call, e.g. to time replies in a benchmark.
        self.call_listeners: list[Callable[[ApiCall], None]] = []
        self.messages: dict[int, list[Msg]] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.webhook_url: str | None = None
        self.settle_hooks: list[Callable[[], Awaitable[None]]] = []
        self.settle_timeout = 10.0
        self.rejected_429 = 0

        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._migrated: dict[int, int] = {}
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._next_message_id: dict[int, int] = {}
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(500_000_000)
        self._produced = 0
        self._allowed: frozenset[str] | None = None
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._waiting_polls = 0
        self._closing = False
        self._failing = False
        self._next_failures: dict[str, list[tuple[int, int, int | None]]] = {}
        self._callback_ids = itertools.count(4_713_000_000_000_000_001)
        self._callback_answers: dict[str, CallbackAnswer | None] = {}
        self._votes: dict[str, dict[int, list[int]]] = {}
        self._poll_ids = itertools.count(5_300_000_000_000_000_001)
        self._files: dict[str, _StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._sent_all: deque[float] = deque(maxlen=4096)
        self._sent_by_chat: dict[int, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, Callable[[JSON], Awaitable[Any]]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getWebhookInfo": self._get_webhook_info,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "getFile": self._get_file,
                "sendPoll": self._send_poll,
                "stopPoll": self._stop_poll,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getChatMemberCount": self._get_chat_member_count,
                "leaveChat": self._leave_chat,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
                "setMyDescription": self._setter(self.descriptions, "description"),
                "getMyDescription": self._getter(self.descriptions, "description"),
                "setMyShortDescription": self._setter(self.short_descriptions, "short_description"),
                "getMyShortDescription": self._getter(self.short_descriptions, "short_description"),
                "setMyName": self._setter(self.names, "name"),
                "getMyName": self._getter(self.names, "name"),
            }.items()
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Serves on 127.0.0.1 at a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        # handler_cancellation: a long poll whose client went away must not linger.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Answers pending long polls and shuts the server down."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def api_root(self) -> str:
        assert self._port is not None, "FakeTelegram.start() has not been awaited"
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """PTB's base_url."""
        return self.api_root + "/bot"

    @property
    def base_file_url(self) -> str:
        """PTB's base_file_url."""
        return self.api_root + "/file/bot"

    # ----------------------------------------------------------------- test-facing API

    def user(
        self,
        first_name: str,
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        user_id: int | None = None,
    ) -> SimUser:
        """A new Telegram user (who has not opened the bot yet)."""
        uid = next(self._user_ids) if user_id is None else user_id
        assert uid not in self._users, f"user id {uid} already exists"
        user = SimUser(self, uid, first_name, last_name, username, language_code)
        self._users[uid] = user
        return user

    def group(
        self,
        title: str,
        *,
        creator: SimUser,
        members: Iterable[SimUser] = (),
        supergroup: bool = False,
    ) -> SimGroup:
        """A new group without the bot; supergroups get -100… ids like Telegram's."""
        gid = self._new_supergroup_id() if supergroup else -(4_000_001_000 + next(self._group_ids))
        group = SimGroup(
            self, gid, title, "supergroup" if supergroup else "group", creator.id, {creator.id}
        )
        for member in members:
            group.add_member(member)
        self._groups[gid] = group
        return group

    def set_network_failure(self, failing: bool) -> None:
        """While True every request, pending long polls included, gets a proxy's 502 page."""
        self._failing = failing
        self._notify()

    def fail_next(
        self, method: str, *codes: int, retry_after: int = 1, chat_id: int | None = None
    ) -> None:
        """The next calls of ``method`` (camelCase) fail, one code each, in order: 429 is flood
        control (retry after ``retry_after`` s), 502 a broken proxy's page (as
        ``set_network_failure`` gives). With ``chat_id``, only calls for that chat (a group's
        own flood control)."""
        assert all(code in (429, 502) for code in codes), "429 or 502"
        failures = self._next_failures.setdefault(method, [])
        failures.extend((c, retry_after, chat_id) for c in codes)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The calls of one method (Telegram's camelCase name)."""
        return [c for c in self.calls if c.method == method]

    # The deadline is part of settle's contract (a clear AssertionError instead of a hang).
    async def settle(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Waits until the bot fetched every produced update and the settle hooks returned.

        An update counts as fetched once a getUpdates confirms it with a higher offset; PTB
        queues a batch before asking for the next, so the hooks (e.g. update_queue.join) then
        see it. Repeats when the bot's own actions produced new updates meanwhile.
        While the network is failing nothing can reach the bot, so only the hooks are awaited;
        the pending updates are waited for by the first settle after the network is back.
        The default timeout is `settle_timeout`, which the simulator's actions use too.
        """
        timeout = self.settle_timeout if timeout is None else timeout

        def quiet() -> bool:
            return not self._updates or self._failing

        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self._wait_until(quiet)
                    produced = self._produced
                    for hook in self.settle_hooks:
                        await hook()
                    if self._produced == produced and quiet():
                        return
        except TimeoutError:
            raise AssertionError(
                f"bot did not settle within {timeout} s: "
                f"{len(self._updates)} update(s) not confirmed by getUpdates"
            ) from None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Waits until ``predicate()`` holds after some API call, e.g. a bot in another process
        has replied; AssertionError after ``timeout`` (default ``settle_timeout``)."""
        try:
            async with asyncio.timeout(self.settle_timeout if timeout is None else timeout):
                await self._wait_until(predicate)
        except TimeoutError:
            raise AssertionError("the awaited condition never held") from None

    async def wait_for_poller(self) -> None:
        """Returns once a getUpdates long poll is waiting (wrap in asyncio.timeout)."""
        await self._wait_until(lambda: self._waiting_polls > 0)

    # ----------------------------------------------------------------- simulator support

    def _now(self) -> int:
        return int(time.time())

    def _notify(self) -> None:
        """Wakes everything waiting on a state change (long polls, settle)."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, predicate: Callable[[], bool]) -> None:
        while not predicate():
            await self._changed.wait()

    def _bot_json(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": self.bot_username,
        }

    def _new_supergroup_id(self) -> int:
        return -(1_001_000_000_000 + next(self._group_ids))

    def _push_update(self, kind: str, payload: JSON) -> None:
        """Queues an update unless the bot's allowed_updates excludes its kind (Telegram then
        never creates it)."""
        allowed = kind not in _NOT_BY_DEFAULT if self._allowed is None else kind in self._allowed
        if not allowed:
            return
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._produced += 1
        self._notify()

    def _new_message(self, chat: SimUser | SimGroup, sender: JSON, **fields: Any) -> Msg:
        """Stores a message with the chat's next message id."""
        message_id = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = message_id + 1
        msg = Msg(chat.chat_json(), message_id, sender, self._now(), **fields)
        self.messages.setdefault(chat.id, []).append(msg)
        return msg

    def _user_messages(
        self, chat: SimUser | SimGroup, user: SimUser, text: str, reply_to: Msg | None
    ) -> list[Msg]:
        """Stores what a user's client sends: texts over 4096 characters become several
        messages, the first one carrying the reply."""
        plain, _ = finalize(text, [])
        assert plain, "Telegram clients don't send empty messages"
        messages = []
        for part in split_utf16(plain, 4096):
            part_text, entities = finalize(part, [])
            if not part_text:
                continue
            messages.append(
                self._new_message(
                    chat,
                    user.to_json(),
                    text=part_text,
                    entities=entities,
                    reply_to=reply_to.message_id if reply_to else None,
                    reply_to_message=reply_to.to_json(with_reply=False) if reply_to else None,
                )
            )
            reply_to = None
        return messages

    def _store_file(self, name: str, mime: str, data: bytes, folder: str) -> _StoredFile:
        number = next(self._file_ids)
        prefixes = {"voice": "AwACAgIAAxkBAAI", "photos": "AgACAgIAAxkBAAI"}
        prefix = prefixes.get(folder, "BQACAgIAAxkBAAI")
        stored = _StoredFile(
            f"{prefix}{number:08d}fake", f"AgAD{number:06d}", name, mime, data, folder
        )
        self._files[stored.file_id] = stored
        return stored

    def _user_media(
        self,
        user: SimUser,
        caption: str,
        reply_to: Msg | None,
        *,
        voice: int | None = None,
        photo: bool = False,
    ) -> Msg:
        """Stores a voice note or a photo a user sends privately, as Telegram's Message shows it:
        a Voice object, or the PhotoSize array (smallest first), the caption and its entities."""
        text, entities = finalize(caption, [])
        assert utf16_len(text) <= 1024, "captions have at most 1024 characters"
        fields: dict[str, Any] = {}
        if voice is not None:
            stored = self._store_file("voice.oga", "audio/ogg", b"OggS" + bytes(64), "voice")
            fields["voice"] = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": voice,
                "mime_type": "audio/ogg",
                "file_size": len(stored.data),
            }
        if photo:
            sizes = []
            for width, height in ((90, 67), (320, 240), (1280, 960)):
                stored = self._store_file(
                    f"photo_{width}.jpg", "image/jpeg", b"\xff\xd8" + bytes(width // 10), "photos"
                )
                sizes.append(
                    {
                        "file_id": stored.file_id,
                        "file_unique_id": stored.file_unique_id,
                        "width": width,
                        "height": height,
                        "file_size": len(stored.data),
                    }
                )
            fields["photo"] = sizes
        return self._new_message(
            user,
            user.to_json(),
            text=text,
            entities=entities,
            reply_to=reply_to.message_id if reply_to else None,
            reply_to_message=reply_to.to_json(with_reply=False) if reply_to else None,
            **fields,
        )

    def _deliver_message(self, chat: SimUser | SimGroup, msg: Msg) -> None:
        """Produces the message update if the bot gets to see this message."""
        if isinstance(chat, SimGroup) and not self._bot_sees(chat, msg):
            return
        self._push_update("message", msg.to_json())

    def _bot_sees(self, group: SimGroup, msg: Msg) -> bool:
        if group.bot_status not in ("member", "administrator"):
            return False
        if not self.privacy_mode or group.bot_status == "administrator" or msg.service:
            return True
        if msg.reply_to_message is not None and msg.reply_to_message["from"]["id"] == self.bot_id:
            return True
        command = next(
            (e for e in msg.entities if e["type"] == "bot_command" and e["offset"] == 0), None
        )
        if command is None:
            return False
        _, _, addressee = msg.text[: command["length"]].partition("@")
        return addressee.lower() in ("", self.bot_username.lower())

    def _bot_status_update(self, group: SimGroup, old: str, new: str, actor: JSON) -> None:
        bot = self._bot_json()
        supergroup = group.type == "supergroup"
        self._push_update(
            "my_chat_member",
            {
                "chat": group.chat_json(),
                "from": actor,
                "date": self._now(),
                "old_chat_member": chat_member_json(old, bot, supergroup=supergroup),
                "new_chat_member": chat_member_json(new, bot, supergroup=supergroup),
            },
        )

    def _migrate(self, group: SimGroup, new_id: int) -> None:
        del self._groups[group.id]
        self._migrated[group.id] = new_id
        group.id = new_id
        group.type = "supergroup"
        self._groups[new_id] = group

    def _can_see(self, user: SimUser, chat_id: int) -> bool:
        """Whether the user is in the chat (an upgraded group's old id counts as the new one)."""
        group = self._groups.get(self._migrated.get(chat_id, chat_id))
        return chat_id == user.id or (group is not None and user.id in group.members)

    def _new_callback_query(self) -> str:
        query_id = str(next(self._callback_ids))
        self._callback_answers[query_id] = None
        return query_id

    def _vote(self, user: SimUser, msg: Msg, option_ids: list[int]) -> None:
        poll = msg.poll
        assert poll is not None
        assert not poll["is_closed"], "the poll is closed"
        assert self._can_see(user, msg.chat_id), f"{user.first_name} can't see this poll"
        count = len(poll["options"])
        assert all(0 <= i < count for i in option_ids), f"options are 0..{count - 1}"
        assert len(set(option_ids)) == len(option_ids), "an option can be chosen once"
        assert len(option_ids) <= 1 or poll["allows_multiple_answers"], "single-answer poll"
        votes = self._votes.setdefault(poll["id"], {})
        assert user.id not in votes or poll["allows_revoting"], "this poll forbids revoting"
        for i in votes.pop(user.id, []):
            poll["options"][i]["voter_count"] -= 1
        if option_ids:
            votes[user.id] = list(option_ids)
            for i in option_ids:
                poll["options"][i]["voter_count"] += 1
        poll["total_voter_count"] = len(votes)
        if not poll["is_anonymous"]:
            self._push_update(
                "poll_answer",
                {
                    "poll_id": poll["id"],
                    "user": user.to_json(),
                    "option_ids": list(option_ids),
                    "option_persistent_ids": [
                        poll["options"][i]["persistent_id"] for i in option_ids
                    ],
                },
            )
        self._push_update("poll", copy.deepcopy(poll))

    # ----------------------------------------------------------------- HTTP layer

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        stored = next((f for f in self._files.values() if f.path == path), None)
        if request.match_info["token"] != self.token or stored is None:
            return await self._handle_unknown(request)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Query string plus a JSON, urlencoded or multipart body, like Telegram accepts."""
        raw: dict[str, Any] = dict(request.query.items())
        if not request.can_read_body:
            return raw
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON encoded request body") from None
            if not isinstance(body, dict):
                raise _bad("can't parse JSON encoded request body")
            raw.update(body)
        else:
            for name, value in (await request.post()).items():
                if isinstance(value, FileField):
                    mime = value.content_type
                    if not mime or mime == "application/octet-stream":
                        mime = mimetypes.guess_type(value.filename)[0] or "application/octet-stream"
                    raw[name] = UploadedFile(value.filename, mime, value.file.read())
                else:
                    raw[name] = value
        return raw

    async def _handle_api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        name, handler = self._methods.get(method.lower(), (method, None))
        params: JSON = {}
        result: Any = None
        if self._failing:
            with contextlib.suppress(ApiError):
                params = _normalize(await self._read_params(request))
            return self._bad_gateway(name, params, at)
        error: ApiError | None = None
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            params = _normalize(await self._read_params(request))
            failures = self._next_failures.get(name, [])
            failure = next(
                (f for f in failures if f[2] is None or f[2] == params.get("chat_id")), None
            )
            if failure is not None:
                failures.remove(failure)
                code, wait, _chat = failure
                if code == 502:
                    return self._bad_gateway(name, params, at)
                self.rejected_429 += 1
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
            result = await handler(params)
        except ApiError as err:
            error = err
        except Exception as err:
            _LOGGER.exception("fake Telegram failed on %s", name)
            error = ApiError(500, f"Internal Server Error: fake bug: {err!r}")
        if self._failing:  # a long poll was waiting when the network broke
            return self._bad_gateway(name, params, at)
        if error is None:
            self._record(ApiCall(name, params, True, None, None, at))
            return web.json_response({"ok": True, "result": result})
        self._record(ApiCall(name, params, False, error.code, error.description, at))
        body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.code)

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        for listener in self.call_listeners:
            listener(call)
        self._notify()

    def _bad_gateway(self, name: str, params: JSON, at: float) -> web.Response:
        """What a broken proxy in front of Telegram answers: an HTML page, not JSON."""
        self._record(ApiCall(name, params, False, 502, "Bad Gateway", at))
        return web.Response(status=502, text=_BAD_GATEWAY, content_type="text/html")

    # ----------------------------------------------------------------- chats

    def _lookup_chat(self, chat_id: Any) -> SimUser | SimGroup:
        """Finds a chat the bot can address; errors for unknown, migrated and left groups."""
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            name = chat_id.lower()
            group = next(
                (g for g in self._groups.values() if g.username and f"@{g.username}" == name), None
            )
            if group is None:
                raise _bad("chat not found")
            chat_id = group.id
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._users.get(chat_id) or self._groups.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if isinstance(chat, SimGroup) and chat.bot_status in ("left", "kicked"):
            kind = "supergroup" if chat.type == "supergroup" else "group"
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return chat

    def _writable_chat(self, params: JSON) -> SimUser | SimGroup:
        """A chat the bot may write into: private chats need a user who started and not blocked."""
        chat = self._lookup_chat(params.get("chat_id"))
        if isinstance(chat, SimUser):
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _find_message(self, chat_id: int, message_id: Any) -> Msg | None:
        return next(
            (
                m
                for m in self.messages.get(chat_id, [])
                if m.message_id == message_id and not m.deleted
            ),
            None,
        )

    def _check_rate(self, chat: SimUser | SimGroup) -> None:
        """Sliding-window flood control; a rejected call records nothing."""
        now = time.monotonic()
        per_chat = self._sent_by_chat.setdefault(chat.id, deque(maxlen=4096))
        windows = [(self._sent_all, self.limits.global_per_second, 1.0)]
        if isinstance(chat, SimUser):
            windows.append((per_chat, self.limits.private_per_second, 1.0))
        else:
            windows.append((per_chat, self.limits.group_per_minute, 60.0))
        retry_after = 0
        for stamps, rate, unit in windows:
            if rate is None:
                continue
            allowed, span = _capacity(rate, unit)
            recent = [t for t in stamps if t > now - span]
            if len(recent) >= allowed:
                frees_at = recent[len(recent) - allowed] + span
                retry_after = max(retry_after, math.ceil(frees_at - now), 1)
        if retry_after:
            self.rejected_429 += 1
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        self._sent_all.append(now)
        per_chat.append(now)

    def _format(self, params: JSON, *, caption: bool = False) -> tuple[str, list[JSON]]:
        """Parses text or caption by parse_mode into (plain text, entities) and checks limits."""
        raw = params.get("caption" if caption else "text") or ""
        parse_mode = params.get("parse_mode") or ""
        given = params.get("caption_entities" if caption else "entities")
        if given:
            if not isinstance(given, list) or not all(
                isinstance(e, dict)
                and isinstance(e.get("offset"), int)
                and isinstance(e.get("length"), int)
                and isinstance(e.get("type"), str)
                for e in given
            ):
                raise _bad("can't parse entities JSON object")
            text, entities = raw, given
        elif parse_mode.lower() == "html":
            try:
                text, entities = parse_html(raw)
            except HtmlParseError as err:
                raise _bad(f"can't parse entities: {err}") from None
        elif parse_mode.lower() in ("markdown", "markdownv2"):
            raise _bad(
                f"the fake Telegram server implements only HTML, not parse_mode {parse_mode}"
            )
        elif parse_mode:
            raise _bad("unsupported parse_mode")
        else:
            text, entities = raw, []
        text, entities = finalize(text, entities)
        if not caption and not text:
            raise _bad("message text is empty")
        if utf16_len(text) > (1024 if caption else 4096):
            raise _bad("message caption is too long" if caption else "message is too long")
        return text, [filled for e in entities if (filled := self._fill_mention(e)) is not None]

    def _fill_mention(self, entity: JSON) -> JSON | None:
        """text_mention entities carry the whole User; unknown users drop the entity."""
        if entity["type"] != "text_mention":
            return entity
        user = self._users.get(entity.get("user", {}).get("id"))
        return {**entity, "user": user.to_json()} if user else None

    def _reply_target(self, chat: SimUser | SimGroup, params: JSON) -> Msg | None:
        reply = params.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            raise _bad("can't parse reply parameters JSON object")
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self._find_message(chat.id, message_id)
        allow_missing = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply"
        )
        if target is None and not allow_missing:
            raise _bad("message to be replied not found")
        return target

    def _bot_message(self, chat: SimUser | SimGroup, params: JSON, **fields: Any) -> Msg:
        """Validates markup and reply, applies flood control, stores the bot's message."""
        markup = _check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        self._check_rate(chat)
        return self._new_message(
            chat,
            self._bot_json(),
            reply_markup=markup,
            reply_to=reply_to.message_id if reply_to else None,
            reply_to_message=reply_to.to_json(with_reply=False) if reply_to else None,
            protected=bool(params.get("protect_content")),
            **fields,
        )

    def _editable(self, params: JSON) -> Msg:
        """The bot's own message that an edit method targets."""
        chat = self._writable_chat(params)
        if params.get("message_id") is None:
            raise _bad("message identifier is not specified")
        msg = self._find_message(chat.id, params["message_id"])
        if msg is None:
            raise _bad("message to edit not found")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        return msg

    # ----------------------------------------------------------------- methods

    async def _true(self, params: JSON) -> bool:
        return True

    async def _get_me(self, params: JSON) -> JSON:
        return {
            **self._bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._allowed is not None:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    def _set_allowed(self, allowed: Any) -> None:
        """Empty list: Telegram's default set; None: keep the previous setting."""
        if allowed is None:
            return
        if not isinstance(allowed, list) or not all(isinstance(k, str) for k in allowed):
            raise _bad("can't parse allowed_updates JSON object")
        self._allowed = frozenset(allowed) or None

    def _drop_pending(self, params: JSON) -> None:
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._notify()

    async def _set_webhook(self, params: JSON) -> bool:
        url = params.get("url") or ""
        if url and not url.lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url or None
        self._set_allowed(params.get("allowed_updates"))
        self._drop_pending(params)
        return True

    async def _delete_webhook(self, params: JSON) -> bool:
        self.webhook_url = None
        self._drop_pending(params)
        return True

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset:
            if offset < 0:
                del self._updates[: max(len(self._updates) + offset, 0)]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._set_allowed(params.get("allowed_updates"))
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(params.get("timeout") or 0, 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self._closing or self._failing:
                return []
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if self._updates:
                return self._updates[:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            self._waiting_polls += 1
            self._notify()
            changed = self._changed
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await changed.wait()
            finally:
                self._waiting_polls -= 1

    async def _send_message(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        text, entities = self._format(params)
        msg = self._bot_message(chat, params, text=text, html=params.get("text"), entities=entities)
        return msg.to_json()

    async def _edit_message_text(self, params: JSON) -> JSON:
        msg = self._editable(params)
        if any(x is not None for x in (msg.document, msg.poll, msg.voice, msg.photo)):
            raise _bad("there is no text in the message to edit")
        text, entities = self._format(params)
        markup = _check_markup(params.get("reply_markup"))
        if markup is not None and _inline(markup) is None:
            raise _bad("inline keyboard expected")
        if (text, entities, markup) == (msg.text, msg.entities, _inline(msg.reply_markup)):
            raise self._not_modified()
        self._check_edit_rate(params)
        msg.text, msg.entities, msg.reply_markup = text, entities, markup
        msg.html = params.get("text")
        return self._edited(msg)

    async def _edit_message_reply_markup(self, params: JSON) -> JSON:
        msg = self._editable(params)
        markup = _check_markup(params.get("reply_markup"))
        if markup is not None and _inline(markup) is None:
            raise _bad("inline keyboard expected")
        if markup == _inline(msg.reply_markup):
            raise self._not_modified()
        self._check_edit_rate(params)
        msg.reply_markup = markup
        return self._edited(msg)

    def _check_edit_rate(self, params: JSON) -> None:
        """A group's edits count against its messages a minute, as Telegram counts them."""
        chat = self._lookup_chat(params.get("chat_id"))
        if isinstance(chat, SimGroup):
            self._check_rate(chat)

    @staticmethod
    def _not_modified() -> ApiError:
        return _bad(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )

    def _edited(self, msg: Msg) -> JSON:
        msg.edits += 1
        msg.edit_date = self._now()
        return msg.to_json()

    async def _delete_message(self, params: JSON) -> bool:
        chat = self._lookup_chat(params.get("chat_id"))
        msg = self._find_message(chat.id, params.get("message_id"))
        if msg is None:
            raise _bad("message to delete not found")
        if isinstance(chat, SimGroup) and not msg.from_bot and chat.bot_status != "administrator":
            raise _bad("message can't be deleted")
        msg.deleted = True
        return True

    async def _answer_callback_query(self, params: JSON) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._callback_answers or self._callback_answers[query_id] is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and utf16_len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self._callback_answers[query_id] = CallbackAnswer(
            text or None, bool(params.get("show_alert")), params.get("url")
        )
        return True

    async def _send_document(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        document = params.get("document")
        if isinstance(document, UploadedFile):
            if not document.data:
                raise _bad("file must be non-empty")
            number = next(self._file_ids)
            stored = _StoredFile(
                f"BQACAgIAAxkBAAI{number:08d}fake",
                f"AgAD{number:06d}",
                document.file_name,
                document.mime_type,
                document.data,
            )
            self._files[stored.file_id] = stored
        elif document is None or document == "":
            raise _bad("there is no document in the request")
        elif document in self._files:
            stored = self._files[document]
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        caption, entities = self._format(params, caption=True)
        info = {
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        msg = self._bot_message(
            chat,
            params,
            text=caption,
            html=params.get("caption"),
            entities=entities,
            document=info,
            file_bytes=stored.data,
        )
        return msg.to_json()

    async def _send_photo(self, params: JSON) -> JSON:
        """sendPhoto as Telegram documents it: a new photo is uploaded as multipart/form-data
        (at most 10 MB, width + height at most 10000, ratio at most 20); a file_id re-sends.
        Telegram re-encodes it and answers with several PhotoSize (smallest first)."""
        chat = self._writable_chat(params)
        photo = params.get("photo")
        if isinstance(photo, UploadedFile):
            if not photo.data:
                raise _bad("file must be non-empty")
            if len(photo.data) > 10 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            size = image_size(photo.data)
            if size is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            stored = self._store_file(photo.file_name, photo.mime_type, photo.data, "photos")
        elif not photo:
            raise _bad("there is no photo in the request")
        elif photo in self._files and self._files[photo].folder == "photos":
            stored = self._files[photo]
            size = image_size(stored.data)
            assert size is not None
            width, height = size
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        sizes = []
        for side in (90, 320, 800, 1280):
            scale = min(1.0, side / max(width, height))
            size_id = stored.file_id if scale == 1.0 else f"{stored.file_id}s{side}"
            unique_id = stored.file_unique_id if scale == 1.0 else f"{stored.file_unique_id}s{side}"
            # Each size is a file of its own (here: the same bytes) that can be sent again.
            self._files.setdefault(
                size_id, dataclasses.replace(stored, file_id=size_id, file_unique_id=unique_id)
            )
            sizes.append(
                {
                    "file_id": size_id,
                    "file_unique_id": unique_id,
                    "width": round(width * scale),
                    "height": round(height * scale),
                    "file_size": len(stored.data),
                }
            )
            if scale == 1.0:
                break
        caption, entities = self._format(params, caption=True)
        msg = self._bot_message(
            chat,
            params,
            text=caption,
            html=params.get("caption"),
            entities=entities,
            photo=sizes,
            file_bytes=stored.data,
        )
        return msg.to_json()

    async def _get_file(self, params: JSON) -> JSON:
        stored = self._files.get(params.get("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    @staticmethod
    def _poll_text(raw: str, parse_mode: object) -> str:
        """A poll's question or option as Telegram shows it: parsed when a parse mode is set."""
        mode = str(parse_mode or "").lower()
        if not mode:
            return raw
        if mode != "html":
            raise _bad(f"the fake Telegram server implements only HTML, not parse_mode {mode}")
        try:
            return parse_html(raw)[0]
        except HtmlParseError as err:
            raise _bad(f"can't parse question entities: {err}") from None

    async def _send_poll(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        question = self._poll_text(params.get("question") or "", params.get("question_parse_mode"))
        if not question.strip():
            raise _bad("poll question must be non-empty")
        if utf16_len(question) > 300:
            raise _bad("poll question length must not exceed 300")
        options = params.get("options")
        if not isinstance(options, list):
            raise _bad("can't parse options JSON object")
        texts = [
            self._poll_text(o.get("text", ""), o.get("text_parse_mode"))
            if isinstance(o, dict)
            else str(o)
            for o in options
        ]
        if len(texts) < 2:
            raise _bad("poll must have at least 2 option")
        if len(texts) > 12:
            raise _bad("poll can't have more than 12 options")
        if not all(t.strip() for t in texts):
            raise _bad("poll options must be non-empty")
        if any(utf16_len(t) > 100 for t in texts):
            raise _bad("poll options length must not exceed 100")
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise _bad("poll type is invalid")
        poll: JSON = {
            "id": str(next(self._poll_ids)),
            "question": question,
            "options": [
                {"text": t, "voter_count": 0, "persistent_id": str(i)} for i, t in enumerate(texts)
            ],
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed")),
            "is_anonymous": params.get("is_anonymous", True),
            "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
            "allows_revoting": params.get("allows_revoting", poll_type == "regular"),
            "members_only": False,
        }
        for key in ("open_period", "close_date"):
            if params.get(key) is not None:
                poll[key] = params[key]
        return self._bot_message(chat, params, poll=poll).to_json()

    async def _stop_poll(self, params: JSON) -> JSON:
        chat = self._writable_chat(params)
        msg = self._find_message(chat.id, params.get("message_id"))
        if msg is None or msg.poll is None or not msg.from_bot:
            raise _bad("message with poll to stop not found")
        if msg.poll["is_closed"]:
            raise _bad("poll has already been closed")
        markup = _check_markup(params.get("reply_markup"))
        msg.poll["is_closed"] = True
        if markup is not None:
            msg.reply_markup = markup
        return copy.deepcopy(msg.poll)

    async def _get_chat(self, params: JSON) -> JSON:
        chat = self._lookup_chat(params.get("chat_id"))
        return {
            **chat.chat_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict(_ACCEPTED_GIFTS),
        }

    def _member(self, chat: SimUser | SimGroup, user_id: Any) -> JSON:
        group = chat if isinstance(chat, SimGroup) else None
        supergroup = group is not None and group.type == "supergroup"
        if user_id == self.bot_id:
            status = group.bot_status if group else "member"
            return chat_member_json(status, self._bot_json(), supergroup=supergroup)
        user = self._users.get(user_id)
        if user is None or (group is None and user is not chat):
            raise _bad("user not found")
        status = group.status_of(user.id) if group else "member"
        return chat_member_json(status, user.to_json(), supergroup=supergroup)

    async def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._lookup_chat(params.get("chat_id"))
        if params.get("user_id") is None:
            raise _bad("user_id is empty")
        return self._member(chat, params["user_id"])

    async def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat = self._lookup_chat(params.get("chat_id"))
        if isinstance(chat, SimUser):
            raise _bad("there are no administrators in the private chat")
        ids = [chat.creator_id, *sorted(chat.admins - {chat.creator_id})]
        if chat.bot_status == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat, i) for i in ids]

    async def _get_chat_member_count(self, params: JSON) -> int:
        chat = self._lookup_chat(params.get("chat_id"))
        if isinstance(chat, SimUser):
            return 2
        return len(chat.members) + 1  # the bot is a member, or _lookup_chat refused

    async def _leave_chat(self, params: JSON) -> bool:
        chat = self._lookup_chat(params.get("chat_id"))
        if isinstance(chat, SimUser):
            raise _bad("chat member status can't be changed in private chats")
        old, chat.bot_status = chat.bot_status, "left"
        self._bot_status_update(chat, old, "left", self._bot_json())
        return True

    def _scope_key(self, scope: Any) -> str:
        """'type', 'type:<chat_id>' or 'type:<chat_id>:<user_id>' of a BotCommandScope."""
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind not in ("chat", "chat_administrators", "chat_member"):
            return kind
        chat_id = scope.get("chat_id")
        chat = self._lookup_chat(int(chat_id) if re.fullmatch(r"-?\d+", str(chat_id)) else chat_id)
        if kind != "chat_member":
            return f"{kind}:{chat.id}"
        if scope.get("user_id") not in self._users:
            raise _bad("user not found")
        return f"{kind}:{chat.id}:{scope['user_id']}"

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        stored = []
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            description = command.get("description", "") if isinstance(command, dict) else ""
            if not _COMMAND.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256 or len(description) > 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        if stored:
            self.commands[key] = stored
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        return [dict(c) for c in self.commands.get(key, [])]

    async def _delete_my_commands(self, params: JSON) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.commands.pop(key, None)
        return True

    async def _set_chat_menu_button(self, params: JSON) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._lookup_chat(chat_id).id
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}

    def _setter(self, store: dict[str, str], key: str) -> Callable[[JSON], Awaitable[bool]]:
        async def setter(params: JSON) -> bool:
            value = params.get(key) or ""
            language = params.get("language_code") or ""
            if value:
                store[language] = value
            else:
                store.pop(language, None)
            return True

        return setter

    def _getter(self, store: dict[str, str], key: str) -> Callable[[JSON], Awaitable[JSON]]:
        async def getter(params: JSON) -> JSON:
            return {key: store.get(params.get("language_code") or "", "")}

        return getter
