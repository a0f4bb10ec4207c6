"""What the escalation page shows: plain values for the dashboard state."""

from dataclasses import dataclass

from escalq.schemas.queue import EscalationSummary


@dataclass(frozen=True)
class EventRow:
    at: str
    actor: str
    action: str
    from_status: str
    to_status: str
    details: str


@dataclass(frozen=True)
class DeliveryRow:
    attempt: int
    at: str
    url: str
    event_type: str
    outcome: str
    http_status: str
    duration_ms: int
    response: str


@dataclass(frozen=True)
class NotificationRow:
    channel: str
    recipient: str
    kind: str
    status: str
    attempts: int
    error: str
    at: str


@dataclass(frozen=True)
class ContextSection:
    """One top-level key of context_data, pretty-printed; large payloads stay readable key by key."""

    key: str
    json: str
    size: int


@dataclass(frozen=True)
class EscalationView(EscalationSummary):
    category_source: str
    holder: str
    holder_id: str
    holder_since: str
    resolution: str
    resolution_notes: str
    resolved_by: str
    warranted: str  # the resolver's word: yes, no, unsure, or "" when not said
    webhook_url: str
    agent_not_told_at: str  # "" unless its webhook gave up: the agent never heard
    rule: str  # the decision-gate rule that opened it, "" when the agent escalated directly
    sampled: bool  # the gate said continue; opened anyway as an audit sample
    policy_version: int  # the policy version it was opened under (0: before versions existed)
    expires_at: str
    fallback: str
    related_to: str
    related_resolution: str
    context_size: int
    context: list[ContextSection]
    events: list[EventRow]
    deliveries: list[DeliveryRow]
    notifications: list[NotificationRow]
