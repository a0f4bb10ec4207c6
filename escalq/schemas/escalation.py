"""What agents send and what they get back."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from escalq.models import ActorKind, Priority, Status

MAX_NOTES_CHARS = 20_000
MAX_URL_CHARS = 2_048
MAX_EXPIRES_IN_S = 90 * 24 * 3600
_http_url = TypeAdapter(AnyHttpUrl)


def _http_url_text(value: str) -> str:
    """Accept only absolute http(s) URLs, but keep the caller's spelling."""
    _http_url.validate_python(value)
    return value


def _no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL characters; refuse them rather than fail on insert."""
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\u0000) characters")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _json_without_nul(value: dict[str, Any]) -> dict[str, Any]:
    """jsonb cannot hold NUL characters in keys or strings either."""
    if _has_nul(value):
        raise ValueError("must not contain NUL (\\u0000) characters in any key or string")
    return value


WebhookUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_URL_CHARS), AfterValidator(_http_url_text)
]


class EscalationCreate(BaseModel):
    """An agent's request for a human decision."""

    model_config = ConfigDict(extra="forbid")

    issue_description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_nul)
    ] = Field(description="What the agent needs a human to decide (size limit: 413 with the numbers)")
    priority: Priority
    context_data: Annotated[dict[str, Any], AfterValidator(_json_without_nul)] = Field(
        default_factory=dict, description="Any JSON object the reviewer needs"
    )
    webhook_url: WebhookUrl | None = Field(
        default=None, description="Where the decision is POSTed (http/https)"
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="Give up at this time if nobody claimed it (default: per priority)"
    )
    expires_in: int | None = Field(
        default=None, gt=0, le=MAX_EXPIRES_IN_S, description="Or give up this many seconds from now"
    )
    fallback: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = (
        Field(
            default=None,
            description="What the agent will do if it expires (e.g. reject, proceed); sent back then",
        )
    )
    dedupe_key: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = Field(default=None, description="Same key as an open escalation of this agent: folded into it")
    source_agent: Annotated[str, AfterValidator(_no_nul)] | None = Field(
        default=None, description="Optional; must equal the calling key's agent name if given"
    )

    @model_validator(mode="after")
    def _one_expiry(self) -> "EscalationCreate":
        if self.expires_at is not None and self.expires_in is not None:
            raise ValueError("give expires_at or expires_in, not both")
        return self


class ResolveIn(BaseModel):
    """A reviewer's decision."""

    model_config = ConfigDict(extra="forbid")

    resolution: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_no_nul)
    ] = Field(description="Short outcome, e.g. approved, rejected, answered")
    resolution_notes: Annotated[
        str, StringConstraints(max_length=MAX_NOTES_CHARS), AfterValidator(_no_nul)
    ] = ""


class EscalationOut(BaseModel):
    """An escalation as the API shows it; timestamps are ISO-8601 in UTC."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_agent: str
    issue_description: str
    priority: Priority
    context_data: dict[str, Any]
    status: Status
    assigned_to: uuid.UUID | None
    created_at: datetime
    assigned_at: datetime | None
    claimed_at: datetime | None
    resolved_at: datetime | None
    resolved_by: uuid.UUID | None
    resolution: str | None
    resolution_notes: str | None
    webhook_url: str | None
    category: str | None
    bumped_at: datetime | None
    expires_at: datetime | None
    fallback: str | None
    dedupe_key: str | None
    repeat_count: int
    loop_suspected: bool
    related_to: uuid.UUID | None
    info_question: str | None


class PoolStatus(BaseModel):
    """Who can take it: how many reviewers are in the pool, and whether anyone is on call now."""

    active_reviewers: int
    on_call_now: bool


class EscalationCreated(EscalationOut):
    """The create answer: 201 for a new escalation, 200 with duplicate=true for a folded repeat."""

    duplicate: bool
    pool: PoolStatus


class EventOut(BaseModel):
    """One entry of the audit log."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_kind: ActorKind
    actor_id: uuid.UUID | None
    actor_name: str
    action: str
    from_status: Status | None
    to_status: Status
    details: dict[str, Any]


class EscalationDetail(EscalationOut):
    """An escalation with its audit trail, oldest event first."""

    events: list[EventOut]


class EscalationPage(BaseModel):
    """One page of a listing; pass `next_cursor` back as `cursor` for the next."""

    items: list[EscalationOut]
    next_cursor: str | None


class RedeliveryOut(BaseModel):
    """A queued redelivery of an escalation's webhook event."""

    delivery_id: uuid.UUID
    message_id: str
    url: str
