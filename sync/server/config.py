"""Server settings (pydantic-settings): flags override ``LOYALTY_SERVER_*`` variables."""

from __future__ import annotations

from pydantic import SecretStr
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
