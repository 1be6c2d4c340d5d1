import asyncio

from telegram import Chat, Message, Update, User

from bot.updates import PerSenderUpdateProcessor


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "U", False)
    message = Message(update_id, None, Chat(user_id, Chat.PRIVATE), from_user=user, text="hi")  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def test_one_senders_updates_run_in_order_and_others_run_alongside() -> None:
    processor = PerSenderUpdateProcessor(16)
    log: list[str] = []
    gate = asyncio.Event()

    async def slow(name: str) -> None:
        log.append(f"{name} start")
        await gate.wait()
        log.append(f"{name} end")

    async def fast(name: str) -> None:
        log.append(name)

    async with processor:
        first = asyncio.create_task(processor.process_update(_update(1, 10), slow("a1")))
        second = asyncio.create_task(processor.process_update(_update(2, 10), fast("a2")))
        other = asyncio.create_task(processor.process_update(_update(3, 20), fast("b1")))
        await other
        assert log == ["a1 start", "b1"]  # b1 did not wait for alice; a2 did
        gate.set()
        await asyncio.gather(first, second)
    assert log == ["a1 start", "b1", "a1 end", "a2"]
    assert processor._locks == {}  # idle senders are forgotten
