from pathlib import Path

import pytest

from bot.config import ConfigError, config_from_mapping, load_config

TOKEN = "123456789:AAHsecretsecretsecretsecretsecret"
EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_example_config_with_token_from_environment_is_valid() -> None:
    config = load_config(EXAMPLE, {"BOT_TOKEN": TOKEN})
    assert config.telegram.token == TOKEN
    assert config.telegram.base_url == "https://api.telegram.org/bot"
    assert config.telegram.base_file_url == "https://api.telegram.org/file/bot"
    assert config.i18n.default_locale == "en"
    assert config.delivery.messages_per_second == 25


def test_bot_config_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "other.toml"
    file.write_text(f'[telegram]\ntoken = "{TOKEN}"\n[defaults]\ntimezone = "Asia/Jerusalem"\n')
    config = load_config(None, {"BOT_CONFIG": str(file)})
    assert config.defaults.timezone == "Asia/Jerusalem"


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nothere\.toml not found"):
        load_config(tmp_path / "nothere.toml", {})


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({}, "telegram.token: missing"),
        ({"defaults": {"timezone": "Mars/Olympus"}}, "defaults.timezone: unknown time zone"),
        ({"i18n": {"default_locale": "de"}}, "i18n.default_locale: unknown locale"),
        ({"access": {"admins": "123"}}, "access.admins: expected a list of integers"),
        ({"access": {"admins": [1, "2"]}}, "access.admins: expected a list of integers"),
        (
            {"access": {"group_admins_can_create_hubs": "yes"}},
            "access.group_admins_can_create_hubs",
        ),
        ({"webhook": {"port": "8443"}}, "webhook.port: expected an integer"),
        ({"telegram": {"mode": "push"}}, "telegram.mode: must be one of"),
        ({"telegram": {"tokn": "x"}}, "telegram.tokn: unknown key"),
        ({"telegramm": {}}, r"\[telegramm\]: unknown section"),
        ({"telegram": {"api_base_url": "ftp://x"}}, "telegram.api_base_url"),
        ({"telegram": {"mode": "webhook"}}, "webhook.url: an https://"),
        ({"delivery": {"messages_per_second": 0}}, "delivery.messages_per_second"),
    ],
)
def test_invalid_config_names_the_key_and_never_the_token(raw: dict, key: str) -> None:
    env = {} if key.startswith("telegram.token") else {"BOT_TOKEN": TOKEN}
    with pytest.raises(ConfigError, match=key) as excinfo:
        config_from_mapping(raw, env)
    assert TOKEN not in str(excinfo.value)


def test_environment_overrides_any_key() -> None:
    config = config_from_mapping(
        {"telegram": {"token": "1:from-file"}, "database": {"path": "file.sqlite3"}},
        {
            "BOT_TOKEN": TOKEN,
            "MENTORHUB_DATABASE_PATH": "/data/hub.sqlite3",
            "MENTORHUB_ACCESS_ADMINS": "[11, 22]",
            "MENTORHUB_TELEGRAM_API_BASE_URL": "http://localhost:8081/bot/",
        },
    )
    assert config.telegram.token == TOKEN
    assert config.database.path == "/data/hub.sqlite3"
    assert config.access.admins == (11, 22)
    assert config.telegram.base_url == "http://localhost:8081/bot"


def test_bad_environment_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"access\.admins"):
        config_from_mapping({}, {"BOT_TOKEN": TOKEN, "MENTORHUB_ACCESS_ADMINS": "[1, oops"})


def test_redacted_hides_secrets() -> None:
    config = config_from_mapping({"webhook": {"secret_token": "s3cret"}}, {"BOT_TOKEN": TOKEN})
    text = repr(config.redacted())
    assert TOKEN not in text
    assert "s3cret" not in text
