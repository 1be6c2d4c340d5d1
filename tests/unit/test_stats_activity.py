"""What counts as "active" for /stats: what a person did, not what happened to them."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.handlers.gate import counts_as_activity

WHEN = datetime(2026, 12, 1, tzinfo=UTC)
GROUP = Chat(-100, Chat.SUPERGROUP)
ANNA = User(7, "Anna", False)


def update_with(**fields: object) -> Update:
    return Update(1, message=Message(1, WHEN, GROUP, from_user=ANNA, **fields))  # type: ignore[arg-type]


def test_writing_counts() -> None:
    assert counts_as_activity(update_with(text="hello"))


def test_joining_or_leaving_is_not_activity() -> None:
    assert not counts_as_activity(update_with(new_chat_members=(ANNA,)))
    assert not counts_as_activity(update_with(left_chat_member=ANNA))
    assert not counts_as_activity(update_with(new_chat_title="Mentors"))
    assert not counts_as_activity(update_with(pinned_message=Message(2, WHEN, GROUP, text="x")))
