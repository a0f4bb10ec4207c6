"""The bodies of the webhooks escalq sends to agents, for the OpenAPI document's `webhooks`."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from escalq.models import Priority, Status

# Sent as Python's isoformat writes it (+00:00 for UTC), as agents have always received it.
EventTime = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]


class Event(BaseModel):
    """What every event says of its escalation."""

    model_config = ConfigDict(extra="forbid")

    escalation_id: uuid.UUID
    source_agent: str
    priority: Priority
    status: Status
    created_at: EventTime
    context_data: dict[str, Any] = Field(description="As it is now, with any context added since")


class ResolvedEvent(Event):
    """A human decided: act on `resolution`."""

    type: Literal["escalation.resolved"]
    resolution: str
    resolution_notes: str | None
    resolved_at: EventTime
    resolved_by: uuid.UUID
    resolved_by_name: str


class ExpiredEvent(Event):
    """Nobody claimed it before its deadline: do your `fallback`."""

    type: Literal["escalation.expired"]
    fallback: str | None
    expires_at: EventTime
    expired_at: EventTime


class InfoRequestedEvent(Event):
    """A reviewer asks a question; answer it with POST `answer_path` (the context route)."""

    type: Literal["escalation.info_requested"]
    question: str | None
    reviewer: str
    reviewer_id: uuid.UUID
    requested_at: EventTime
    answer_path: str
