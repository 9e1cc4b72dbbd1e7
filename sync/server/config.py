"""Server settings (pydantic-settings): flags override ``LOYALTY_SERVER_*`` variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///loyalty-server.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_SERVER_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    admin_token: SecretStr | None = None
    enrol_code_ttl_seconds: int = 24 * 3600
    pull_page_size: int = 500
    log_level: str = "INFO"
    timezone: str = "Asia/Taipei"
    #: an online authorisation (hold) stops reducing the available balance after this long
    hold_seconds: int = Field(default=15 * 60, ge=1)
    #: after this many failed credential / enrolment-code attempts from one address within
    #: the window, that address gets 429 until the window has passed (0: no limit)
    auth_failure_limit: int = Field(default=10, ge=0)
    auth_failure_window_seconds: int = Field(default=300, ge=1)
