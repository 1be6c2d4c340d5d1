"""The simulated Telegram world: messages as users see them, users and groups that act.

The FakeTelegram server owns all state; these objects keep a reference to it and turn a story
step (``await alice.send("/start")``) into the updates Telegram would produce, then wait for
the bot to settle so the next line of the test sees the bot's reaction.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeTelegram

JSON = dict[str, Any]


@dataclass(frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot passed to answerCallbackQuery: the toast or alert the user saw."""

    text: str | None
    show_alert: bool = False
    url: str | None = None


@dataclass
class Msg:
    """A message as its chat shows it; bot messages are updated in place by edits and deletes."""

    chat: JSON
    message_id: int
    sender: JSON
    date: int
    text: str = ""
    html: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    edits: int = 0
    edit_date: int | None = None
    deleted: bool = False
    document: JSON | None = None
    voice: JSON | None = None
    photo: list[JSON] | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    poll: JSON | None = None
    reply_to: int | None = None
    reply_to_message: JSON | None = field(default=None, repr=False)
    service: JSON = field(default_factory=dict)
    protected: bool = False

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def sender_id(self) -> int:
        return int(self.sender["id"])

    @property
    def from_bot(self) -> bool:
        return bool(self.sender["is_bot"])

    @property
    def file_name(self) -> str | None:
        return self.document.get("file_name") if self.document else None

    @property
    def buttons(self) -> list[list[Button]]:
        """The inline keyboard rows (reply keyboards are not part of the message)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row] for row in rows
        ]

    def button(self, text_or_substring: str) -> Button:
        """The button with exactly this text, else the only one containing it."""
        flat = [b for row in self.buttons for b in row]
        for candidates in (
            [b for b in flat if b.text == text_or_substring],
            [b for b in flat if text_or_substring in b.text],
        ):
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                break
        raise AssertionError(
            f"no single button {text_or_substring!r} on message {self.message_id} "
            f"({self.text[:60]!r}); buttons: {[b.text for b in flat]}"
        )

    def to_json(self, *, with_reply: bool = True) -> JSON:
        """The Telegram Message object (a deep copy, so later edits don't leak into it)."""
        result: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat,
            "from": self.sender,
        }
        text_key, entities_key = "text", "entities"
        if self.document is not None:
            result["document"] = self.document
            text_key, entities_key = "caption", "caption_entities"
        if self.voice is not None:
            result["voice"] = self.voice
            text_key, entities_key = "caption", "caption_entities"
        if self.photo is not None:
            result["photo"] = self.photo
            text_key, entities_key = "caption", "caption_entities"
        if self.poll is not None:
            result["poll"] = self.poll
        if self.text:
            result[text_key] = self.text
        if self.entities:
            result[entities_key] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            result["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            result["edit_date"] = self.edit_date
        if self.protected:
            result["has_protected_content"] = True
        if with_reply and self.reply_to_message is not None:
            result["reply_to_message"] = self.reply_to_message
        result.update(self.service)
        return copy.deepcopy(result)


def chat_member_json(status: str, user: JSON, *, supergroup: bool = False) -> JSON:
    """A ChatMember object with the fields PTB requires for each status."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
        if supergroup:
            member["can_manage_topics"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member


@dataclass(eq=False)
class SimUser:
    """A Telegram user who talks to the bot in private and in groups."""

    server: FakeTelegram = field(repr=False)
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    started: bool = False
    blocked: bool = False

    def to_json(self) -> JSON:
        """The User object."""
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user

    def chat_json(self) -> JSON:
        """The private Chat object of this user's chat with the bot."""
        chat: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key) is not None:
                chat[key] = getattr(self, key)
        return chat

    async def send(
        self, text: str, *, chat: SimGroup | None = None, reply_to: Msg | None = None
    ) -> Msg:
        """Writes to the bot (private by default) or into a group, and waits for the bot.

        Returns the message sent; of a text the client had to split, the last part.
        """
        message = self.post(text, chat=chat, reply_to=reply_to)
        await self.server.settle()
        return message

    def post(self, text: str, *, chat: SimGroup | None = None, reply_to: Msg | None = None) -> Msg:
        """Writes to the bot without waiting for it: for load, or updates that race."""
        if chat is None:
            assert not self.blocked, f"{self.first_name} blocked the bot; unblock() first"
            self.started = True
        else:
            assert self.id in chat.members, f"{self.first_name} is not in {chat.title!r}"
        where: SimUser | SimGroup = chat or self
        if reply_to is not None:
            assert reply_to.chat_id == where.id, "can only reply to a message of the same chat"
            assert not reply_to.deleted, "can't reply to a deleted message"
        messages = self.server._user_messages(where, self, text, reply_to)
        for msg in messages:
            self.server._deliver_message(where, msg)
        return messages[-1]

    async def send_voice(
        self, duration: int = 7, *, caption: str = "", reply_to: Msg | None = None
    ) -> Msg:
        """Records a voice note in the private chat (an OGG/Opus file, as Telegram's clients do)."""
        return await self._send_media(reply_to, caption, voice=duration)

    async def send_photo(self, caption: str = "", *, reply_to: Msg | None = None) -> Msg:
        """Sends a photo in the private chat, optionally with a caption (up to 1024 characters)."""
        return await self._send_media(reply_to, caption, photo=True)

    async def _send_media(self, reply_to: Msg | None, caption: str, **media: Any) -> Msg:
        assert not self.blocked, f"{self.first_name} blocked the bot; unblock() first"
        self.started = True
        if reply_to is not None:
            assert reply_to.chat_id == self.id, "can only reply to a message of the same chat"
            assert not reply_to.deleted, "can't reply to a deleted message"
        message = self.server._user_media(self, caption, reply_to, **media)
        self.server._deliver_message(self, message)
        await self.server.settle()
        return message

    async def press(self, message: Msg, button: str) -> CallbackAnswer | None:
        """Presses an inline button; returns the bot's answerCallbackQuery, None if unanswered."""
        found = message.button(button)
        assert found.callback_data is not None, f"{found.text!r} is not a callback button"
        return await self.press_data(message, found.callback_data)

    async def press_data(self, message: Msg, data: str) -> CallbackAnswer | None:
        """Sends a callback query with any data, e.g. a forged or outdated payload."""
        assert not message.deleted, "can't press a button on a deleted message"
        assert message.from_bot, "only bot messages carry inline keyboards"
        assert self.server._can_see(self, message.chat_id), (
            f"{self.first_name} can't see message {message.message_id}"
        )
        query_id = self.server._new_callback_query()
        payload = {
            "id": query_id,
            "from": self.to_json(),
            "message": message.to_json(),
            "chat_instance": str(message.chat_id * 7919 + 104729),
            "data": data,
        }
        self.server._push_update("callback_query", payload)
        await self.server.settle()
        return self.server._callback_answers[query_id]

    def inbox(self) -> list[Msg]:
        """The bot's messages in this user's private chat, current state, deleted ones left out."""
        return [m for m in self.server.messages.get(self.id, []) if m.from_bot and not m.deleted]

    def last(self) -> Msg:
        """The bot's latest message in the private chat."""
        inbox = self.inbox()
        assert inbox, f"the bot has not written to {self.first_name}"
        return inbox[-1]

    async def block(self) -> None:
        """Blocks the bot: sends fail with 403 and the bot gets a my_chat_member update."""
        self.blocked = True
        self._private_status_changed("member", "kicked")
        await self.server.settle()

    async def unblock(self) -> None:
        """Unblocks the bot (the user has to write again for the bot to hear from them)."""
        self.blocked = False
        self._private_status_changed("kicked", "member")
        await self.server.settle()

    def _private_status_changed(self, old: str, new: str) -> None:
        bot = self.server._bot_json()
        self.server._push_update(
            "my_chat_member",
            {
                "chat": self.chat_json(),
                "from": self.to_json(),
                "date": self.server._now(),
                "old_chat_member": chat_member_json(old, bot),
                "new_chat_member": chat_member_json(new, bot),
            },
        )

    async def vote(self, poll_message: Msg, option_ids: list[int]) -> None:
        """Votes (an empty list retracts); the bot gets poll_answer (non-anonymous) and poll."""
        assert poll_message.poll is not None, "not a poll message"
        self.server._vote(self, poll_message, option_ids)
        await self.server.settle()


@dataclass(eq=False)
class SimGroup:
    """A basic group or supergroup; the bot is in it only after add_bot()."""

    server: FakeTelegram = field(repr=False)
    id: int
    title: str
    type: str
    creator_id: int
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    bot_status: str = "left"
    username: str | None = None

    def chat_json(self) -> JSON:
        """The Chat object."""
        chat: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.username is not None:
            chat["username"] = self.username
        return chat

    def add_member(self, user: SimUser, *, admin: bool = False) -> None:
        """Puts a user into the group (no update: the bot only hears about itself)."""
        self.members.add(user.id)
        if admin:
            self.admins.add(user.id)

    def status_of(self, user_id: int) -> str:
        """The ChatMember status of a user."""
        if user_id == self.creator_id:
            return "creator"
        if user_id in self.admins:
            return "administrator"
        return "member" if user_id in self.members else "left"

    async def add_bot(self, by: SimUser) -> None:
        """`by` adds the bot: my_chat_member plus the new_chat_members service message."""
        assert by.id in self.members, f"{by.first_name} is not in {self.title!r}"
        assert self.bot_status in ("left", "kicked"), "the bot is already in the group"
        self._bot_status_changed("member", by)
        msg = self.server._new_message(
            self, by.to_json(), service={"new_chat_members": [self.server._bot_json()]}
        )
        self.server._deliver_message(self, msg)
        await self.server.settle()

    async def remove_bot(self, by: SimUser, *, ban: bool = False) -> None:
        """`by` removes the bot (status left, or kicked with ban=True)."""
        assert self.bot_status in ("member", "administrator"), "the bot is not in the group"
        self._bot_status_changed("kicked" if ban else "left", by)
        self.server._new_message(
            self, by.to_json(), service={"left_chat_member": self.server._bot_json()}
        )
        await self.server.settle()

    def _bot_status_changed(self, new: str, by: SimUser) -> None:
        old, self.bot_status = self.bot_status, new
        self.server._bot_status_update(self, old, new, by.to_json())

    async def migrate_to_supergroup(self) -> int:
        """Telegram's upgrade: service messages in both chats, the old id answers 400 afterwards."""
        assert self.type == "group", "only basic groups migrate"
        creator = self.server._users[self.creator_id].to_json()
        old_id = self.id
        new_id = self.server._new_supergroup_id()
        msg = self.server._new_message(self, creator, service={"migrate_to_chat_id": new_id})
        self.server._deliver_message(self, msg)
        self.server._migrate(self, new_id)
        msg = self.server._new_message(self, creator, service={"migrate_from_chat_id": old_id})
        self.server._deliver_message(self, msg)
        await self.server.settle()
        return new_id

    def inbox(self) -> list[Msg]:
        """The bot's messages in the group, current state, deleted ones left out."""
        return [m for m in self.server.messages.get(self.id, []) if m.from_bot and not m.deleted]

    def last(self) -> Msg:
        """The bot's latest message in the group."""
        inbox = self.inbox()
        assert inbox, f"the bot has not written to {self.title!r}"
        return inbox[-1]
