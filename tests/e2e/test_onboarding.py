"""A new member's first minutes: /start, the language picker, /help by role, bad input."""

from bot.i18n import FIRST_STRONG_ISOLATE as FSI
from tests.conftest import ADMIN_ID, RunningBot
from tests.fakebot import FakeTelegram


async def test_start_welcomes_and_offers_languages(bot: RunningBot, telegram: FakeTelegram) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/start")
    welcome = alice.last()
    assert "Welcome to Mentor Hub, Alice!" in welcome.text
    assert "You are not in a hub yet" in welcome.text
    assert [b.text for row in welcome.buttons for b in row] == [
        "✓ English",
        "Русский",
        "Română",
        "Nederlands",
        "עברית",
        "العربية",
    ]


async def test_start_speaks_telegrams_language_right_to_left(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    dana = telegram.user("Dana", language_code="he")
    await dana.send("/start")
    text = dana.last().text
    assert "Mentor Hub" in text
    assert f"{FSI}Dana" in text  # the Latin name is isolated inside the Hebrew sentence
    assert "Welcome" not in text


async def test_choosing_a_language_switches_at_once_and_sticks(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/language")
    answer = await alice.press(alice.last(), "Русский")
    assert answer is not None
    assert "Язык" in alice.last().text or "язык" in alice.last().text
    assert alice.last().button("✓ Русский")
    await alice.send("/help")
    assert "/hubs" in alice.last().text
    assert "For everyone" not in alice.last().text  # in Russian now, not English
    row = await bot.services.users.get(alice.id)
    assert row.locale == "ru"


async def test_help_depends_on_the_role(bot: RunningBot, telegram: FakeTelegram) -> None:
    member = telegram.user("Mia", language_code="en")
    await member.send("/help")
    text = member.last().text
    assert "/hubs" in text
    assert "/members" not in text
    assert "/newhub" not in text
    admin = telegram.user("Ada", language_code="en", user_id=ADMIN_ID)
    await admin.send("/help")
    text = admin.last().text
    assert "/members" in text
    assert "/promote" in text
    assert "For network admins" in text


async def test_unknown_and_malformed_commands_get_a_clear_answer(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/frobnicate now")
    assert "I don't know that command" in alice.last().text
    await alice.send("/start !!!<b>not-a-code</b>")
    assert "invite link doesn't work" in alice.last().text
    assert "<b>not-a-code</b>" in alice.last().text  # shown as text, not markup
    nour = telegram.user("Nour", language_code="ar")
    await nour.send("/frobnicate")
    assert "/help" in nour.last().text
    assert "I don't know" not in nour.last().text


async def test_html_and_huge_text_from_a_user_are_harmless(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    alice = telegram.user("Alice <script>&", language_code="en")
    await alice.send("<i>hello</i> & " + "x" * 5000)
    assert "/help" in alice.last().text
    await alice.send("/start")
    assert "Alice <script>&" in alice.last().text
    await alice.send("/timezone " + "<b>" * 1000)
    assert "I don't recognise the time zone" in alice.last().text
    failed = [c for c in telegram.calls if not c.ok]
    assert failed == [], [(c.method, c.description) for c in failed]


async def test_forged_and_stale_buttons_are_refused(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    alice = telegram.user("Alice", language_code="en")
    await alice.send("/language")
    for data in ("lang:xx", "lang:en:extra", "nonsense", "hs:notanumber:tz", "inv:999999"):
        answer = await alice.press_data(alice.last(), data)
        assert answer is not None
        assert "no longer valid" in (answer.text or "")
    assert (await bot.services.users.get(alice.id)).locale is None


async def test_command_menus_are_set_per_language_and_scope(
    bot: RunningBot, telegram: FakeTelegram
) -> None:
    private_ru = telegram.commands[("all_private_chats", "ru")]
    assert {c["command"] for c in private_ru} >= {"start", "help", "hubs", "language", "timezone"}
    assert all(c["description"] for c in private_ru)
    private_en = telegram.commands[("all_private_chats", "en")]
    assert private_en != private_ru
    admins = telegram.commands[("all_chat_administrators", "he")]
    assert "newhub" in {c["command"] for c in admins}
    assert "members" not in {c["command"] for c in telegram.commands[("all_group_chats", "")]}
