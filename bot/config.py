"""Settings: a TOML file turned into typed, validated dataclasses, with environment overrides.

Every key is documented in ``config.example.toml``. Validation names the key and what is wrong, and
never echoes the token.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "ru", "ro", "nl", "he", "ar")
DEFAULT_CONFIG_PATH = "config.toml"
ENV_PREFIX = "MENTORHUB_"


class ConfigError(ValueError):
    """Raised when the configuration cannot be used; the message names the key."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    # The Bot API server's root: Telegram's, a self-hosted telegram-bot-api, or a test server.
    api_base_url: str = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    # Seconds one getUpdates call may wait for news (long polling adds no delay of its own).
    poll_timeout: int = 30

    @property
    def api_root(self) -> str:
        """The server root without a trailing ``/bot``, which PTB's base_url convention adds."""
        root = self.api_base_url.rstrip("/")
        return root.removesuffix("/bot")

    @property
    def base_url(self) -> str:
        return f"{self.api_root}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_root}/file/bot"


@dataclass(frozen=True)
class WebhookConfig:
    url: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str = ""


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = "mentorhub.sqlite3"
    busy_timeout_ms: int = 5000


@dataclass(frozen=True)
class I18nConfig:
    default_locale: str = "en"


@dataclass(frozen=True)
class AccessConfig:
    admins: tuple[int, ...] = ()
    group_admins_can_create_hubs: bool = True


@dataclass(frozen=True)
class DefaultsConfig:
    timezone: str = "UTC"


@dataclass(frozen=True)
class DeliveryConfig:
    # Telegram allows about 30 messages per second overall; stay below it.
    messages_per_second: float = 25.0
    private_chat_per_second: float = 1.0
    group_per_minute: float = 20.0
    max_attempts: int = 5
    # First wait before retrying a network failure; it doubles with each attempt.
    retry_backoff_seconds: float = 2.0


@dataclass(frozen=True)
class PromptsConfig:
    # How late a prompt may still go out (the bot was down); later occurrences are skipped.
    grace_hours: float = 3.0
    # How often unanswered prompts are checked for their one nudge.
    nudge_check_minutes: float = 5.0


@dataclass(frozen=True)
class ReflectionsConfig:
    # Messages a member sends within this many minutes of the last one join the same reflection.
    window_minutes: int = 10


@dataclass(frozen=True)
class RetentionConfig:
    # Finished deliveries to private chats older than this many days are deleted every day.
    days: int = 90
    hour: int = 4  # the UTC hour of the daily clean-up


@dataclass(frozen=True)
class BackupsConfig:
    # Where the daily copies go ("" turns them off); relative to the database's folder.
    folder: str = "backups"
    keep: int = 7  # the newest copies kept; older ones are deleted
    hour: int = 3  # the UTC hour of the daily backup


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    i18n: I18nConfig = field(default_factory=I18nConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    defaults: DefaultsConfig = field(default_factory=DefaultsConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    prompts: PromptsConfig = field(default_factory=PromptsConfig)
    reflections: ReflectionsConfig = field(default_factory=ReflectionsConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    backups: BackupsConfig = field(default_factory=BackupsConfig)

    def redacted(self) -> dict[str, dict[str, Any]]:
        """Return the settings as a dict safe to print: secrets masked."""
        out: dict[str, dict[str, Any]] = {}
        for section in fields(self):
            values = dict(vars(getattr(self, section.name)))
            for secret in ("token", "secret_token"):
                if values.get(secret):
                    values[secret] = "***"
            out[section.name] = values
        return out


def load_config(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    """Read, override from the environment and validate; raise ConfigError naming the key."""
    env = os.environ if environ is None else environ
    file = Path(path or env.get("BOT_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} not found (copy config.example.toml)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    return config_from_mapping(raw, env)


def config_from_mapping(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """Build a Config from parsed TOML plus environment overrides."""
    env = {} if environ is None else environ
    sections: dict[str, Any] = {}
    hints = get_type_hints(Config)
    for key in raw:
        if key not in hints:
            raise ConfigError(f"[{key}]: unknown section (known: {', '.join(hints)})")
    for name, section_type in hints.items():
        table = raw.get(name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"[{name}]: expected a table")
        sections[name] = _build_section(name, section_type, table, env)
    config = Config(**sections)
    _validate(config)
    return config


def _build_section(name: str, cls: type, table: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    assert is_dataclass(cls)
    hints = get_type_hints(cls)
    for key in table:
        if key not in hints:
            raise ConfigError(f"{name}.{key}: unknown key (known: {', '.join(hints)})")
    values: dict[str, Any] = {}
    for key, hint in hints.items():
        env_name = f"{ENV_PREFIX}{name}_{key}".upper()
        if name == "telegram" and key == "token" and env.get("BOT_TOKEN"):
            values[key] = env["BOT_TOKEN"]
        elif env_name in env:
            values[key] = _parse_env(f"{name}.{key}", env[env_name], hint)
        elif key in table:
            values[key] = _coerce(f"{name}.{key}", table[key], hint)
    return cls(**values)


def _parse_env(key: str, text: str, hint: Any) -> Any:
    if hint is str or get_origin(hint) is Literal:
        return _coerce(key, text, hint)
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(f"{key}: environment value is not a TOML literal") from None
    return _coerce(key, value, hint)


def _coerce(key: str, value: Any, hint: Any) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        allowed = get_args(hint)
        if value not in allowed:
            raise ConfigError(
                f"{key}: must be one of {', '.join(map(repr, allowed))}, got {value!r}"
            )
        return value
    if origin is tuple:
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise ConfigError(f"{key}: expected a list of integers (Telegram user ids)")
        return tuple(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {type(value).__name__}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {type(value).__name__}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {type(value).__name__}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {type(value).__name__}")
        return value
    raise ConfigError(f"{key}: unsupported setting type")  # pragma: no cover


def _validate(config: Config) -> None:
    token = config.telegram.token
    if not token:
        raise ConfigError("telegram.token: missing; set it in the config file or in BOT_TOKEN")
    if any(ch.isspace() or ch == "/" for ch in token):
        raise ConfigError("telegram.token: malformed (it contains spaces or slashes)")
    if not config.telegram.api_base_url.startswith(("http://", "https://")):
        raise ConfigError("telegram.api_base_url: must start with http:// or https://")
    if config.telegram.poll_timeout < 0:
        raise ConfigError("telegram.poll_timeout: must not be negative")
    if config.telegram.mode == "webhook":
        if not config.webhook.url.startswith("https://"):
            raise ConfigError("webhook.url: an https:// address is required in webhook mode")
        if not 1 <= config.webhook.port <= 65535:
            raise ConfigError("webhook.port: must be between 1 and 65535")
    if config.i18n.default_locale not in SUPPORTED_LOCALES:
        raise ConfigError(
            f"i18n.default_locale: unknown locale {config.i18n.default_locale!r} "
            f"(supported: {', '.join(SUPPORTED_LOCALES)})"
        )
    try:
        ZoneInfo(config.defaults.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"defaults.timezone: unknown time zone {config.defaults.timezone!r} "
            "(use an IANA name such as Europe/Chisinau)"
        ) from None
    if not config.database.path:
        raise ConfigError("database.path: must not be empty")
    delivery = config.delivery
    for key in (
        "messages_per_second",
        "private_chat_per_second",
        "group_per_minute",
        "retry_backoff_seconds",
    ):
        if getattr(delivery, key) <= 0:
            raise ConfigError(f"delivery.{key}: must be greater than zero")
    if delivery.max_attempts < 1:
        raise ConfigError("delivery.max_attempts: must be at least 1")
    if config.prompts.grace_hours < 0:
        raise ConfigError("prompts.grace_hours: must not be negative")
    if config.prompts.nudge_check_minutes <= 0:
        raise ConfigError("prompts.nudge_check_minutes: must be greater than zero")
    if not 1 <= config.reflections.window_minutes <= 1440:
        raise ConfigError("reflections.window_minutes: must be between 1 and 1440")
    if config.retention.days < 1:
        raise ConfigError("retention.days: must be at least 1")
    if config.backups.keep < 1:
        raise ConfigError("backups.keep: must be at least 1")
    for key in ("retention.hour", "backups.hour"):
        section, name = key.split(".")
        if not 0 <= getattr(getattr(config, section), name) <= 23:
            raise ConfigError(f"{key}: must be between 0 and 23 (an hour, UTC)")
