"""Rows the admin page shows: plain values only, never ORM objects."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewerRow:
    id: str
    email: str
    display_name: str
    role: str
    active: bool
    on_call: bool
    disabled: bool = False  # offboarded: sign-in, keys and sessions refused
    locked_until: str = ""  # ISO 8601 end of a sign-in lock, "" when not locked


@dataclass(frozen=True)
class AgentRow:
    id: str
    name: str
    disabled: bool
    key_prefixes: str  # comma-joined visible prefixes of the keys that still work
    created_at: str  # ISO 8601
    previous_secret_until: str  # ISO 8601: until then the old webhook secret signs too; "" when it does not
    rate_per_minute: str  # its own limit, "" for the setting's
    daily_budget: str  # likewise
    has_context_schema: bool = False  # its context_data must follow a JSON Schema


@dataclass(frozen=True)
class KeyRow:
    """One API key of a reviewer: never the key, only its visible prefix."""

    prefix: str
    created_at: str  # ISO 8601
    revoked_at: str  # ISO 8601, "" while it works
