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
    max_context_bytes: int = 65_536
    max_description_chars: int = 20_000
    # How deep a JSON request body may nest objects and arrays (the body itself is level 1); deeper
    # bodies get 422 before anything parses them. Capped well below the recursion of the JSON and
    # pydantic code that handles accepted bodies (pydantic serializes at most 255 levels).
    max_json_depth: int = Field(32, ge=2, le=128)

    # Agents re-escalating in loops: per-agent limits on attempts (new and repeated escalations), how
    # alike two descriptions must be (0-100) to count as the same issue, and how long after a
    # resolution a repeat is flagged as a suspected loop.
    agent_rate_per_minute: int = 30
    agent_daily_budget: int = 1_000
    similarity_threshold: float = 90
    loop_window_min: float = 60

    # Outbound webhooks (Standard Webhooks): per-attempt timeout and the delays before each retry.
    webhook_timeout_s: float = 10.0
    retry_delays_s: list[float] = [5, 300, 1800, 7200, 18000, 36000]
    allow_private_webhooks: bool = False

    # Queue plumbing: how long a worker may hold a task, how often the sweep, timeout and expiry checks run.
    task_lease_s: float = 300.0
    sweep_interval_s: int = 30
    timeout_check_interval_s: int = 60
    metrics_refresh_interval_s: int = 60
    expiry_check_interval_s: int = 60

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

    # Expiry: unclaimed this long after creation (unless the agent asked otherwise), an escalation expires
    # and the agent is told to use its fallback.
    expire_urgent_after_min: float = 240
    expire_high_after_min: float = 1440
    expire_medium_after_min: float = 4320
    expire_low_after_min: float = 10080


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
