"""The audit log as managers read and export it: events with their links in both chains."""

import uuid
from dataclasses import dataclass

from pydantic import BaseModel, Field

from escalq.schemas.escalation import EventOut


class AuditEventOut(EventOut):
    """One audit event, with what `escalq audit verify` checks (see the README's Audit trail)."""

    escalation_id: uuid.UUID
    seq: int = Field(description="Its place in its escalation's chain, from 1")
    prev_hash: str | None = Field(description="The hash of the event before it in its escalation; null for 1")
    hash: str = Field(description="SHA-256 of the event as JSON (without its hash and seal), hex")
    global_seq: int | None = Field(description="Its place in the global chain; null until sealed")
    global_prev_hash: str | None
    global_hash: str | None = Field(description="sha256(global_prev_hash + hash), hex; null until sealed")
    policy_version: int | None = Field(description="The policy version active when it was written")


class AuditPage(BaseModel):
    """One page of the audit log, newest first; pass `next_cursor` back as `cursor` for the next."""

    items: list[AuditEventOut]
    next_cursor: int | None = Field(description="null on the last page")


# The CSV export's columns, in order; details as JSON.
CSV_COLUMNS = [*AuditEventOut.model_fields]


@dataclass(frozen=True)
class AuditRow:
    """One audit event as the admin page lists it: plain strings."""

    id: str
    at: str  # ISO 8601, UTC
    escalation_id: str
    actor: str  # "name (kind)"
    action: str
    change: str  # "assigned → claimed"
    details: str  # JSON
    sealed: bool
