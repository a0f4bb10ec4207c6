"""Settings, read once from the environment (and `.env`) when first asked for."""

from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/escalq"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


class Settings(BaseSettings):
    """escalq's configuration; `DATABASE_URL` and `REDIS_URL` keep their conventional names."""

    model_config = SettingsConfigDict(env_prefix="ESCALQ_", env_file=".env", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    redis_url: str = Field(DEFAULT_REDIS_URL, validation_alias="REDIS_URL")
    public_url: str = "http://localhost:3000"
    # Other origins (scheme://host[:port]) whose pages may call the API and open the app's socket with
    # credentials, besides public_url's; for a second name of the same site. Never "*".
    cors_origins: list[str] = []
    max_body_bytes: int = 1_048_576
    max_context_bytes: int = 65_536
    max_description_chars: int = 20_000
    # How deep a JSON request body may nest objects and arrays (the body itself is level 1); deeper
    # bodies get 422 before anything parses them. Capped well below the recursion of the JSON and
    # pydantic code that handles accepted bodies (pydantic serializes at most 255 levels).
    max_json_depth: int = Field(32, ge=2, le=128)

    # Sign-in throttling: this many failed attempts within the window lock the account (or, at the
    # address limit, every sign-in from that client address) for login_lock_min, doubling with each
    # lock in a row up to login_lock_max_min. Unknown emails are counted like real ones.
    login_max_failures: int = 5
    login_address_max_failures: int = 50
    login_window_min: float = 15
    login_lock_min: float = 5
    login_lock_max_min: float = 60
    # Dashboard sessions end after this many idle minutes, and in any case this many hours after sign-in.
    session_idle_min: float = 60
    session_max_hours: float = 12
    # Reverse proxies in front of the app that append to X-Forwarded-For (Reflex's trusted_proxy_hops):
    # 0 ignores the header, so a client cannot pick the address its sign-in failures count against.
    trusted_proxy_hops: int = 0

    # Agents re-escalating in loops: per-agent limits on attempts (new and repeated escalations; well
    # above a busy agent: a safety net, repeats are folded first; an admin can set an agent's own), how
    # alike two descriptions must be (0-100) for the worker to flag a near repeat as a loop, and how
    # long after a resolution a repeat is flagged as a suspected loop.
    agent_rate_per_minute: int = 600
    agent_daily_budget: int = 50_000
    similarity_threshold: float = 90
    loop_window_min: float = 60

    # Outbound webhooks (Standard Webhooks): per-attempt timeout and the delays before each retry.
    webhook_timeout_s: float = 10.0
    retry_delays_s: list[float] = [5, 300, 1800, 7200, 18000, 36000]
    allow_private_webhooks: bool = False

    # Agents waiting on an escalation's event stream get a comment this often, so proxies keep it open.
    sse_heartbeat_s: float = 15.0
    # Long polls and streams one API key may hold open at once on one backend process; more get 429.
    max_waits_per_key: int = 100

    # Secrets at rest: comma-separated Fernet keys; the first encrypts, every one decrypts, so a new key
    # goes first and the old one stays until `escalq secrets rotate-key` has re-encrypted everything.
    secret_key: SecretStr | None = None
    # After an agent's webhook secret is rotated, deliveries carry both signatures for this many hours.
    webhook_secret_overlap_h: float = 24.0

    # Queue plumbing: how long a worker may hold a task, how often the sweep, timeout and expiry checks run.
    task_lease_s: float = 300.0
    sweep_interval_s: int = 30
    timeout_check_interval_s: int = 60
    metrics_refresh_interval_s: int = 60
    expiry_check_interval_s: int = 60
    audit_seal_interval_s: int = 60  # how often the audit log's global chain is sealed

    # Urgent notifications; a channel that is not configured is skipped.
    slack_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "escalq@localhost"
    smtp_timeout_s: float = 10.0
    # Private networks (CIDRs or single addresses) that the integrations configured here (Slack, SMTP,
    # the OpenAI base URL) may reach anyway, e.g. ["127.0.0.1/32"] for a relay on this host. Any other
    # address they resolve to must be public; agent webhooks never use this list.
    integrations_private_networks: list[IPvAnyNetwork] = []

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

    # Policies (escalq.services.policies): with approval on, a second admin approves a version before it
    # can be activated; running processes re-read the active version at most this many seconds late.
    policy_approval: bool = False
    policy_cache_s: float = Field(5.0, ge=0)

    @field_validator("cors_origins")
    @classmethod
    def _origins_only(cls, values: list[str]) -> list[str]:
        return [origin_of(value, exact=True) for value in values]

    def allowed_origins(self) -> list[str]:
        """The browser origins trusted with credentials: public_url's, then cors_origins."""
        return list(dict.fromkeys([origin_of(self.public_url), *self.cors_origins]))


def origin_of(url: str, *, exact: bool = False) -> str:
    """The origin (scheme://host[:port], as a browser sends it) of an http(s) URL.

    With `exact`, anything beyond the origin (a path, a query, userinfo, "*") is refused with a ValueError.
    """
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1 or "@" in parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) origin such as https://escalq.example.com")
    if exact and (parts.path not in ("", "/") or parts.query or parts.fragment):
        raise ValueError(f"{url!r} is not an origin: leave out the path, as in https://escalq.example.com")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
