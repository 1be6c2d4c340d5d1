import logging

from bot.logs import TokenRedactingFilter

TOKEN = "123456789:AAHsecretsecretsecretsecretsecret"


def _record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    return logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, msg, args, (type(exc), exc, None) if exc else None
    )


def test_token_is_removed_from_messages_arguments_and_tracebacks() -> None:
    redactor = TokenRedactingFilter(TOKEN)
    record = _record("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    assert redactor.filter(record)
    assert TOKEN not in record.getMessage()
    assert "[token]" in record.getMessage()
    failing = _record("failed", exc=RuntimeError(f"url /bot{TOKEN}/sendMessage"))
    redactor.filter(failing)
    assert failing.exc_text is not None
    assert TOKEN not in failing.exc_text


def test_other_token_shaped_strings_are_redacted_too() -> None:
    record = _record("token 987654321:ZZZZZZZZZZZZZZZZZZZZZZZZZZ leaked")
    TokenRedactingFilter("").filter(record)
    assert "ZZZZ" not in record.getMessage()
