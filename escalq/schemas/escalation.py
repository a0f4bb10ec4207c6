"""What agents send and what they get back."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic.config import JsonDict

from escalq.models import ActorKind, Priority, Status, Warranted
from escalq.schemas.inputs import NonBlank, UtcDatetime

MAX_NOTES_CHARS = 20_000
MAX_URL_CHARS = 2_048
MAX_EXPIRES_IN_S = 90 * 24 * 3600
_http_url = TypeAdapter(AnyHttpUrl)
# An absolute http(s) URL with a host name (its last label not numeric), a dotted IPv4 address or a
# bracketed IPv6 address, an optional port, and no user:password@ (nor a backslash, which parsers read
# differently). Every URL matching it parses as http(s); surrounding whitespace is dropped. Which
# addresses may be reached is urls.check_on_create's call.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = rf"(?:{_LABEL}\.)*[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_H = r"[0-9A-Fa-f]{1,4}"
_IPV6 = "|".join(
    [
        rf"(?:{_H}:){{7}}{_H}",
        rf"(?:{_H}:){{1,7}}:",
        rf"(?:{_H}:){{1,6}}:{_H}",
        *(rf"(?:{_H}:){{1,{6 - n}}}(?::{_H}){{1,{n + 1}}}" for n in range(1, 6)),
        rf":(?:(?::{_H}){{1,7}}|:)",
        rf"(?:{_H}:){{6}}{_IPV4}",
        rf"::(?:[Ff]{{4}}(?::0{{1,4}})?:)?{_IPV4}",
        rf"(?:{_H}:){{1,4}}:{_IPV4}",
    ]
)
_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0))?"
WEBHOOK_URL_PATTERN = (
    rf"^\s*[Hh][Tt][Tt][Pp][Ss]?://(?:{_HOST_NAME}|{_IPV4}|\[(?:{_IPV6})\]){_PORT}"
    r"(?:[/?#][^\s\x00-\x1f\x7f\\]*)?\s*$"
)
_webhook_url = re.compile(WEBHOOK_URL_PATTERN)


def _webhook_url_text(value: str) -> str:
    """Keep the caller's spelling of a URL that matches the pattern (and so parses as http(s))."""
    if _webhook_url.fullmatch(value) is None:
        raise ValueError(
            "must be an absolute http(s) URL with a host name or IPv4 address, without user:password@"
        )
    stripped = value.strip()
    _http_url.validate_python(stripped)
    return stripped


WebhookUrl = Annotated[
    str,
    Field(max_length=MAX_URL_CHARS, json_schema_extra={"pattern": WEBHOOK_URL_PATTERN}),
    AfterValidator(_webhook_url_text),
]
# JSON Schema for "not both expires_at and expires_in": null counts as not given, as in the validator.
ONE_EXPIRY: JsonDict = {
    "not": {
        "required": ["expires_at", "expires_in"],
        "properties": {"expires_at": {"type": "string"}, "expires_in": {"type": "integer"}},
    }
}


class EscalationOptions(BaseModel):
    """What an agent may say about an escalation besides its description and priority (POST
    /api/escalations, and POST /api/evaluate when it opens one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=ONE_EXPIRY)

    context_data: dict[str, Any] = Field(
        default_factory=dict,
        description="Any JSON object the reviewer needs (size limit: 413 with the numbers)",
    )
    webhook_url: WebhookUrl | None = Field(
        default=None, description="Where the decision is POSTed (http/https)"
    )
    expires_at: UtcDatetime | None = Field(
        default=None,
        description="Give up at this time if nobody claimed it (default: per priority); not with expires_in",
    )
    expires_in: int | None = Field(
        default=None,
        gt=0,
        le=MAX_EXPIRES_IN_S,
        description="Or give up this many seconds from now; not with expires_at",
    )
    fallback: Annotated[str, Field(max_length=64), NonBlank()] | None = Field(
        default=None,
        description="What the agent will do if it expires (e.g. reject, proceed); sent back then",
    )
    dedupe_key: Annotated[str, Field(max_length=200), NonBlank()] | None = Field(
        default=None, description="Same key as an open escalation of this agent: folded into it"
    )

    @model_validator(mode="after")
    def _one_expiry(self) -> "EscalationOptions":
        if self.expires_at is not None and self.expires_in is not None:
            raise ValueError("give expires_at or expires_in, not both")
        return self


IssueDescription = Annotated[str, NonBlank()]
ISSUE_DESCRIPTION = "What the agent needs a human to decide (size limit: 413 with the numbers)"


class EscalationCreate(EscalationOptions):
    """An agent's request for a human decision."""

    issue_description: IssueDescription = Field(description=ISSUE_DESCRIPTION)
    priority: Priority
    source_agent: str | None = Field(
        default=None, description="Optional; must equal the calling key's agent name if given"
    )


class ResolveIn(BaseModel):
    """A reviewer's decision."""

    model_config = ConfigDict(extra="forbid")

    resolution: Annotated[str, Field(max_length=64), NonBlank()] = Field(
        description="Short outcome, e.g. approved, rejected, answered"
    )
    resolution_notes: Annotated[str, Field(max_length=MAX_NOTES_CHARS)] = ""
    warranted: Warranted | None = Field(
        None,
        description="Was escalating warranted? yes, no or unsure; feeds the metrics' escalation precision",
    )


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
    warranted: Warranted | None
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
    rule: str | None
    sampled: bool


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
