"""Settings, read once from the environment (and `.env`) when first asked for."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/escalq"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


class Settings(BaseSettings):
    """escalq's configuration; `DATABASE_URL` and `REDIS_URL` keep their conventional names."""

    model_config = SettingsConfigDict(env_prefix="ESCALQ_", env_file=".env", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    redis_url: str = Field(DEFAULT_REDIS_URL, validation_alias="REDIS_URL")
    public_url: str = "http://localhost:3000"
    max_body_bytes: int = 1_048_576

    # Outbound webhooks (Standard Webhooks): per-attempt timeout and the delays before each retry.
    webhook_timeout_s: float = 10.0
    retry_delays_s: list[float] = [5, 300, 1800, 7200, 18000, 36000]
    allow_private_webhooks: bool = False

    # Queue plumbing: how long a worker may hold a task, how often the sweep and timeout checks run.
    task_lease_s: float = 300.0
    sweep_interval_s: int = 30
    timeout_check_interval_s: int = 60

    # Urgent notifications; a channel that is not configured is skipped.
    slack_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "escalq@localhost"
    smtp_timeout_s: float = 10.0

    # Categorization: without an API key a local, deterministic categorizer is used.
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = 30.0

    # Priority timeouts, in minutes since creation without a claim.
    urgent_oncall_after_min: float = 60
    high_bump_after_min: float = 240
    medium_managers_after_min: float = 1440


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
