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


@dataclass(frozen=True)
class AgentRow:
    id: str
    name: str
    disabled: bool
    key_prefixes: str  # comma-joined visible prefixes of the keys that still work
    created_at: str  # ISO 8601
    previous_secret_until: str  # ISO 8601: until then the old webhook secret signs too; "" when it does not
