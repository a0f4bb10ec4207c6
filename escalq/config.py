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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
