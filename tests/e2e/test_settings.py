"""A member's settings and a hub's settings, with buttons and with typed values."""

from tests.conftest import RunningBot
from tests.e2e.test_hubs import make_hub
from tests.fakebot import FakeTelegram


async def test_timezone_by_name_and_near_miss(bot: RunningBot, telegram: FakeTelegram) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/timezone europe/amsterdam")
    assert "Your time zone is now Europe/Amsterdam" in alice.last().text
    await alice.send("/timezone Europe/Chisinu")
    suggestion = alice.last()
    assert "I don't know the time zone Europe/Chisinu" in suggestion.text
    await alice.press(suggestion, "Europe/Chisinau")
    assert "Europe/Chisinau" in alice.last().text
    assert (await bot.services.users.get(alice.id)).timezone == "Europe/Chisinau"
    await alice.send("/timezone Mars/Olympus Mons")
    assert "Continent/City" in alice.last().text
    assert (await bot.services.users.get(alice.id)).timezone == "Europe/Chisinau"


async def test_timezone_asks_and_takes_the_next_message(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    rivka = telegram.user("Rivka", language_code="he")
    await rivka.send("/timezone")
    assert rivka.last().button("Asia/Jerusalem")
    await rivka.send("Asia/Jerusalem")
    assert (await bot.services.users.get(rivka.id)).timezone == "Asia/Jerusalem"
    await rivka.send("Asia/Jerusalem")  # no longer awaited: a stray message gets the hint
    assert "/help" in rivka.last().text


async def test_settings_show_language_and_local_time(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    ivan = telegram.user("Ivan", language_code="ru")
    await ivan.send("/timezone Europe/Moscow")
    await ivan.send("/settings")
    text = ivan.last().text
    assert "Русский" in text
    assert "Europe/Moscow" in text
    await ivan.press(ivan.last(), ivan.last().buttons[0][0].text)  # Language
    assert ivan.last().button("✓ Русский")  # the language in use is marked


async def test_hubsettings_buttons_and_arguments(bot: RunningBot, telegram: FakeTelegram) -> None:
    owner = telegram.user("Olga", language_code="en")
    group = await make_hub(telegram, owner)
    hub = await bot.services.hubs.for_chat(group.id)
    await owner.send("/start")
    await owner.send("/hubsettings")
    panel = owner.last()
    assert "Approve questions before posting: off" in panel.text
    await owner.press(panel, "☐ Question approval")
    assert "Approve questions before posting: on" in owner.last().text
    await owner.press(owner.last(), "Language")
    await owner.press(owner.last(), "Română")
    assert (await bot.services.hubs.get(hub.id)).locale == "ro"
    await owner.press(owner.last(), "Time zone")
    await owner.send("Europe/Bucharest")
    assert (await bot.services.hubs.get(hub.id)).timezone == "Europe/Bucharest"
    await owner.send("/hubsettings timezone Asia/Nowhere")
    assert "I don't recognise the time zone" in owner.last().text
    await owner.send("/hubsettings moderation off")
    assert not (await bot.services.hubs.get(hub.id)).moderation
    await owner.send("/hubsettings colour blue")
    assert "/hubsettings timezone" in owner.last().text
