"""Fixtures: a fake Telegram server, and the real Application running against it over HTTP."""

from __future__ import annotations

import functools
import html
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from bot.app import ALLOWED_UPDATES, build_application
from bot.clock import Clock
from bot.config import Config, config_from_mapping
from bot.context import BotApplication
from bot.i18n import gettext, ngettext, use_locale
from tests.fakebot import FakeTelegram

# Opt in to PTB's timedelta durations, as ``python -m bot`` does.
os.environ.setdefault("PTB_TIMEDELTA", "true")

ADMIN_ID = 999


@functools.cache
def _plural_forms() -> dict[str, tuple[str, str]]:
    """Each form of every plural message in the template, mapped to its (singular, plural)."""
    with (Path(__file__).parent.parent / "locales" / "messages.pot").open("rb") as file:
        catalog = read_po(file)
    pairs = [message.id for message in catalog if isinstance(message.id, tuple)]
    return {form: (pair[0], pair[1]) for pair in pairs for form in pair}


def tr(locale: str, message: str, **params: object) -> str:
    """What the bot says for ``message`` in ``locale``, as plain text (tags removed).

    A plural message given with ``count`` is translated with the locale's plural rules, as the
    bot's ``ngettext`` does, whichever of its two English forms the test names.
    """
    pair = _plural_forms().get(message)
    with use_locale(locale):
        if pair is not None and isinstance(params.get("count"), int):
            text = ngettext(pair[0], pair[1], params["count"], **params)  # type: ignore[arg-type]
        else:
            text = gettext(message, **params)
        return re.sub(r"<[^>]+>", "", html.unescape(text))


@pytest.fixture
async def telegram(request: pytest.FixtureRequest) -> AsyncIterator[FakeTelegram]:
    """The fake Bot API. A test fails if the bot made a request Telegram refused with a 4xx,
    unless it declares the codes it provokes: ``@pytest.mark.telegram_errors(403, 429)``.
    """
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    marker = request.node.get_closest_marker("telegram_errors")
    expected = set(marker.args) if marker is not None else set()
    refused = [
        f"{call.method} -> {call.error_code} {call.description}"
        for call in server.calls
        if call.error_code is not None
        and 400 <= call.error_code < 500
        and call.error_code not in expected
    ]
    assert not refused, "Telegram refused requests of the bot:\n" + "\n".join(refused)


@pytest.fixture
def make_config(telegram: FakeTelegram, tmp_path: Path) -> Callable[..., Config]:
    """Config pointing at the fake server, with sections overridable per test."""

    def make(**sections: dict[str, Any]) -> Config:
        raw: dict[str, dict[str, Any]] = {
            "telegram": {
                "token": telegram.token,
                "api_base_url": telegram.api_root,
                "poll_timeout": 5,
            },
            "database": {"path": str(tmp_path / "hub.sqlite3"), "busy_timeout_ms": 200},
            "access": {"admins": [ADMIN_ID], "group_admins_can_create_hubs": True},
            "defaults": {"timezone": "Europe/Chisinau"},
            # Far above the fake's limits: tests measure behaviour, not pace.
            "delivery": {
                "messages_per_second": 1000,
                "private_chat_per_second": 1000,
                "group_per_minute": 60000,
                "retry_backoff_seconds": 0.05,
            },
        }
        for name, values in sections.items():
            raw[name] = {**raw.get(name, {}), **values}
        return config_from_mapping(raw, {})

    return make


@dataclass
class RunningBot:
    """The Application started as ``run_polling`` starts it, minus the signal handling."""

    app: BotApplication
    server: FakeTelegram
    stopped: bool = False

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0,
            timeout=5,
            allowed_updates=ALLOWED_UPDATES,
            # What run_polling passes: polling errors go to the error handler.
            error_callback=lambda exc: app.create_task(app.process_error(update=None, error=exc)),
        )
        await app.start()
        self.server.settle_hooks += [app.update_queue.join, self.services.delivery.idle]

    async def stop(self) -> None:
        app = self.app
        self.stopped = True
        for hook in (app.update_queue.join, self.services.delivery.idle):
            if hook in self.server.settle_hooks:
                self.server.settle_hooks.remove(hook)
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)

    @property
    def services(self) -> Any:
        return self.app.bot_data.services


@pytest.fixture
async def start_bot(
    telegram: FakeTelegram, make_config: Callable[..., Config]
) -> AsyncIterator[Callable[..., Any]]:
    """Start the bot (optionally with a config); whatever still runs is stopped at the end."""
    running: list[RunningBot] = []

    async def start(config: Config | None = None, clock: Clock | None = None) -> RunningBot:
        bot = RunningBot(build_application(config or make_config(), clock=clock), telegram)
        await bot.start()
        running.append(bot)
        return bot

    yield start
    for bot in reversed(running):
        if not bot.stopped:
            await bot.stop()


@pytest.fixture
async def bot(start_bot: Callable[..., Any]) -> RunningBot:
    """The bot with the default test config, already running."""
    return await start_bot()
