"""The core flows in every language: the right catalog, valid HTML, isolated names in RTL."""

import pytest

from bot.config import SUPPORTED_LOCALES
from bot.i18n import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE
from tests.conftest import RunningBot, tr
from tests.e2e.test_hubs import invite_link
from tests.fakebot import FakeTelegram


def plain(locale: str, text: str) -> str:
    """Isolates are invisible; compare text without them in LTR expectations."""
    return text.replace(FIRST_STRONG_ISOLATE, "").replace(POP_DIRECTIONAL_ISOLATE, "")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_join_help_hubs_and_settings_in_every_language(
    bot: RunningBot, telegram: FakeTelegram, locale: str
) -> None:
    owner = telegram.user("Olga", language_code=locale)
    group = telegram.group("Hub group", creator=owner)
    await group.add_bot(by=owner)
    await owner.send("/newhub Mentors 2026", chat=group)
    assert (
        tr(
            locale,
            "This group is now the hub <b>{hub}</b>, and you are its facilitator.",
            hub="Mentors 2026",
        )
        in group.last().text
    )
    await owner.send("/invite", chat=group)
    code = invite_link(telegram, group.last().text).rsplit("=", 1)[1]

    member = telegram.user("Sam", language_code=locale)
    await member.send(f"/start {code}")
    assert (
        tr(locale, "Welcome to <b>{hub}</b>! You are now a member.", hub="Mentors 2026")
        in member.last().text
    )
    await member.send("/help")
    assert tr(locale, "<b>For everyone</b>") in member.last().text
    assert tr(locale, "<b>For facilitators</b>") not in member.last().text
    await member.send("/hubs")
    assert tr(locale, "<b>Your hubs</b>") in member.last().text
    await member.send("/settings")
    assert (
        tr(
            locale,
            "Time zone: {timezone} (it's {time} there now)",
            timezone="Europe/Chisinau",
            time="",
        )
        .split("(")[0]
        .strip()
        in member.last().text
    )

    await owner.send("/members", chat=group)
    members = group.last().text
    assert "2" in members
    if locale in ("he", "ar"):
        assert f"{FIRST_STRONG_ISOLATE}Sam{POP_DIRECTIONAL_ISOLATE}" in members
    else:
        assert FIRST_STRONG_ISOLATE not in members
    failed = [(c.method, c.description) for c in telegram.calls if not c.ok]
    assert failed == []
