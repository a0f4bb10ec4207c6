"""The bodies of the webhooks escalq sends to agents, for the OpenAPI document's `webhooks`."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from escalq.models import Priority, Status


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    escalation_id: uuid.UUID
    source_agent: str
    priority: Priority
    status: Status
    created_at: datetime
    context_data: dict[str, Any] = Field(description="As it is now, with any context added since")


class ResolvedEvent(_Event):
    """A human decided: act on `resolution`."""

    type: Literal["escalation.resolved"]
    resolution: str
    resolution_notes: str | None
    resolved_at: datetime
    resolved_by: uuid.UUID
    resolved_by_name: str


class ExpiredEvent(_Event):
    """Nobody claimed it before its deadline: do your `fallback`."""

    type: Literal["escalation.expired"]
    fallback: str | None
    expires_at: datetime
    expired_at: datetime


class InfoRequestedEvent(_Event):
    """A reviewer asks a question; answer it with POST `answer_path` (the context route)."""

    type: Literal["escalation.info_requested"]
    question: str | None
    reviewer: str
    reviewer_id: uuid.UUID
    requested_at: datetime
    answer_path: str
