import logging

import pytest
from telegram.error import BadRequest

from bot.logs import protect_secret

TOKEN = "123456789:AAHsecretsecretsecretsecretsecret"


def test_token_is_removed_from_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    protect_secret(TOKEN)
    log = logging.getLogger("httpx")
    # On httpx itself: `python -m bot` (run in-process by other tests) quietens it to WARNING.
    with caplog.at_level(logging.DEBUG, logger="httpx"):
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


def test_exception_messages_stay_out_of_tracebacks_and_arguments(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """They may quote what a person typed; the frames and the exception types are kept."""
    protect_secret("")
    text = "my private reflection about a colleague"
    log = logging.getLogger("bot.test")
    with caplog.at_level(logging.INFO, logger="bot.test"):
        try:
            try:
                raise BadRequest(f"Can't parse entities: {text}")
            except BadRequest as exc:
                raise ValueError(text) from exc
        except ValueError as exc:
            log.exception("failed")
            log.warning("could not: %s", exc)
    assert text not in caplog.text
    assert "telegram.error.BadRequest: Can't parse entities" in caplog.text
    assert "direct cause" in caplog.text
    assert "could not: ValueError" in caplog.text
    assert "test_exception_messages_stay_out" in caplog.text  # the frames are kept
