"""Configuration from the environment and ``.env`` (pydantic-settings).

Platform settings keep the platforms' conventional names (``SLACK_BOT_TOKEN``,
``FEISHU_APP_ID``…); everything of coordbot's own starts with ``COORDBOT_``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers.web_access import BOARD_LINK_MINUTES, MAX_BOARD_LINK_MINUTES, WebAccess


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///coordbot.db", validation_alias=_alias("COORDBOT_DATABASE_URL"))
    timezone: str = Field("UTC", validation_alias=_alias("COORDBOT_TIMEZONE"))
    language: str = Field("en", validation_alias=_alias("COORDBOT_LANGUAGE"))
    admin_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_alias("COORDBOT_ADMIN_IDS")
    )
    log_level: str = Field("INFO", validation_alias=_alias("COORDBOT_LOG_LEVEL"))
    metrics: bool = Field(False, validation_alias=_alias("COORDBOT_METRICS"))  # GET /metrics
    log_format: Literal["text", "json"] = Field("text", validation_alias=_alias("COORDBOT_LOG_FORMAT"))
    slash_command: str = Field("/coord", validation_alias=_alias("COORDBOT_SLASH_COMMAND"))
    # The address of `coordbot serve` as people's browsers reach it (board links, calendar feeds).
    public_url: str | None = Field(None, validation_alias=_alias("COORDBOT_PUBLIC_URL"))
    board: bool = Field(True, validation_alias=_alias("COORDBOT_BOARD"))  # off: no web board
    board_link_minutes: int = Field(
        BOARD_LINK_MINUTES,
        ge=1,
        le=MAX_BOARD_LINK_MINUTES,
        validation_alias=_alias("COORDBOT_BOARD_LINK_MINUTES"),
    )  # how long a `/coord board` link opens

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_alias("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(None, validation_alias=_alias("SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_alias("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_alias("SLACK_API_URL"))
    slack_client_id: str | None = Field(None, validation_alias=_alias("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(None, validation_alias=_alias("SLACK_CLIENT_SECRET"))

    feishu_app_id: str | None = Field(None, validation_alias=_alias("FEISHU_APP_ID"))
    feishu_app_secret: SecretStr | None = Field(None, validation_alias=_alias("FEISHU_APP_SECRET"))
    feishu_verification_token: SecretStr | None = Field(
        None, validation_alias=_alias("FEISHU_VERIFICATION_TOKEN")
    )
    feishu_encrypt_key: SecretStr | None = Field(None, validation_alias=_alias("FEISHU_ENCRYPT_KEY"))
    feishu_domain: str = Field("https://open.feishu.cn", validation_alias=_alias("FEISHU_DOMAIN"))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("en", "zh"):
            raise ValueError("must be 'en' or 'zh'")
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must be an http:// or https:// address, such as https://coordbot.example.com")
        return value

    @property
    def web_access(self) -> WebAccess:
        return WebAccess(public_url=self.public_url, board=self.board, link_minutes=self.board_link_minutes)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def slack_configured(self) -> bool:
        return (
            bool(self.slack_bot_token or self.slack_client_id) and bool(self.slack_signing_secret)
        ) or bool(self.slack_app_token and self.slack_bot_token)

    @property
    def feishu_configured(self) -> bool:
        return bool(self.feishu_app_id and self.feishu_app_secret)

    @property
    def any_platform(self) -> bool:
        return self.slack_configured or self.feishu_configured

    def half_configured(self) -> list[str]:
        """A sentence for each platform some of whose settings are set, but not enough to run it."""
        found = []
        slack = {
            "SLACK_BOT_TOKEN": self.slack_bot_token,
            "SLACK_SIGNING_SECRET": self.slack_signing_secret,
            "SLACK_APP_TOKEN": self.slack_app_token,
            "SLACK_CLIENT_ID": self.slack_client_id,
        }
        if any(slack.values()) and not self.slack_configured:
            needs = (
                "SLACK_SIGNING_SECRET" if self.slack_bot_token or self.slack_client_id else "SLACK_BOT_TOKEN"
            )
            found.append(f"Slack is off: {_names_set(slack)} set, but not {needs}")
        feishu = {"FEISHU_APP_ID": self.feishu_app_id, "FEISHU_APP_SECRET": self.feishu_app_secret}
        if any(feishu.values()) and not self.feishu_configured:
            needs = "FEISHU_APP_SECRET" if self.feishu_app_id else "FEISHU_APP_ID"
            found.append(f"Feishu is off: {_names_set(feishu)} set, but not {needs}")
        return found


def _names_set(values: dict[str, object]) -> str:
    names = [name for name, value in values.items() if value]
    return f"{', '.join(names)} {'is' if len(names) == 1 else 'are'}"


class SettingsError(Exception):
    """A bad setting, described in one line that names it (never its secret value)."""


DATABASE_SETTING = "COORDBOT_DATABASE_URL"
DATABASE_CHECK_TIMEOUT = 10  # seconds to wait for a PostgreSQL server at start


def check_database(url: str) -> None:
    """Open the database once at start; a URL that cannot be opened is a bad setting.

    Raises :class:`SettingsError` naming the setting, the URL without its password, and the
    reason: a missing folder, refused credentials, a server that does not answer.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from storage.db import Database

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(f"bad setting {DATABASE_SETTING}: not a database URL") from None
    shown = parsed.render_as_string(hide_password=True)

    def failed(reason: str) -> SettingsError:
        return SettingsError(f"cannot open {DATABASE_SETTING} ({shown}): {reason}")

    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().absolute().parent
        if not folder.is_dir():
            raise failed(f"the folder {folder} does not exist")
    try:
        database = Database(url)  # the engine coordbot would use, for its driver and URL
        database.dispose()
        options = {} if sqlite else {"connect_timeout": DATABASE_CHECK_TIMEOUT}
        engine = create_engine(database.url, poolclass=NullPool, connect_args=options)
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
        finally:
            engine.dispose()
    except ImportError as exc:
        raise failed(f"no database driver for {parsed.drivername} ({exc})") from None
    except SQLAlchemyError as exc:
        raise failed(error_reason(getattr(exc, "orig", None) or exc)) from None


def error_reason(error: object) -> str:
    """The first line of an error's message (a driver's message may run to several)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:300]


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"bad setting {name}: {first['msg']}") from None
