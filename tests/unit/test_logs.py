import logging

import pytest

from bot.logs import protect_secret

TOKEN = "123456789:AAHsecretsecretsecretsecretsecret"


def test_token_is_removed_from_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    protect_secret(TOKEN)
    log = logging.getLogger("httpx")
    with caplog.at_level(logging.DEBUG):
        log.info("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
        try:
            raise RuntimeError(f"url /bot{TOKEN}/sendMessage")
        except RuntimeError:
            log.exception("failed")
    assert "[token]" in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in (r.exc_text or "") for r in caplog.records)


def test_other_token_shaped_strings_are_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    protect_secret("")
    with caplog.at_level(logging.INFO):
        logging.getLogger("x").info("token 987654321:ZZZZZZZZZZZZZZZZZZZZZZZZZZ leaked")
    assert "ZZZZ" not in caplog.text
