from telegram import MessageEntity, Update

from bot.incoming import without_leading_marks


def _update(text: str, entities: list[dict] | None = None) -> Update:
    message = {
        "message_id": 1,
        "date": 1764900000,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "Dana"},
        "text": text,
    }
    if entities is not None:
        message["entities"] = entities
    return Update.de_json({"update_id": 9, "message": message}, None)


def test_a_copied_lrm_is_dropped_and_the_command_moves_to_offset_0() -> None:
    # Telegram marks the command after an LRM (a format character) at offset 1.
    update = _update(
        "\u200e/ask how? #tag",
        [
            {"type": "bot_command", "offset": 1, "length": 4},
            {"type": "hashtag", "offset": 11, "length": 4},
        ],
    )
    cleaned = without_leading_marks(update)
    assert isinstance(cleaned, Update) and cleaned.message is not None
    assert cleaned.message.text == "/ask how? #tag"
    assert [(e.type, e.offset, e.length) for e in cleaned.message.entities] == [
        (MessageEntity.BOT_COMMAND, 0, 4),
        (MessageEntity.HASHTAG, 10, 4),
    ]
    assert cleaned.message.chat.id == 5 and cleaned.update_id == 9


def test_marks_and_isolates_together_and_a_missing_entity_is_added() -> None:
    cleaned = without_leading_marks(_update("\u2068\u200f\u061c/help@mentor_bot please"))
    assert isinstance(cleaned, Update) and cleaned.message is not None
    assert cleaned.message.text == "/help@mentor_bot please"
    assert [(e.type, e.offset, e.length) for e in cleaned.message.entities] == [
        (MessageEntity.BOT_COMMAND, 0, 16)
    ]


def test_other_messages_are_left_as_they_are() -> None:
    for text in ("/ask fine", "\u200fשלום /ask", "\u200e 12/03", "plain"):
        update = _update(text)
        assert without_leading_marks(update) is update
    assert without_leading_marks("not an update") == "not an update"
