"""Escalations and their append-only audit log."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ, EnumText, one_of
from escalq.models.enums import OPEN_STATUSES, ActorKind, Priority, Status, Warranted

_OPEN = "(" + ", ".join(f"'{status.value}'" for status in OPEN_STATUSES) + ")"


class Escalation(SQLModel, table=True):
    __tablename__ = "escalations"
    __table_args__ = (
        one_of("priority", Priority, table="escalations"),
        one_of("status", Status, table="escalations"),
        one_of("warranted", Warranted, table="escalations"),
        Index("ix_escalations_status", "status"),
        Index("ix_escalations_priority", "priority"),
        Index("ix_escalations_created_at", "created_at"),
        Index("ix_escalations_source_agent", "source_agent"),
        Index("ix_escalations_assigned_to", "assigned_to"),
        Index("ix_escalations_expires_at", "expires_at"),
        Index("ix_escalations_rule", "rule", postgresql_where=text("rule IS NOT NULL")),
        Index("ix_escalations_agent_dedupe_key", "source_agent", "dedupe_key"),
        Index("ix_escalations_agent_issue_key", "source_agent", "issue_key"),
        # One open escalation per agent and issue: a concurrent repeat collides here and is folded.
        Index(
            "uq_escalations_open_repeat_key",
            "source_agent",
            "repeat_key",
            unique=True,
            postgresql_where=text(f"status IN {_OPEN} AND dedupe_key IS NULL"),
        ),
        Index(
            "uq_escalations_open_dedupe_key",
            "source_agent",
            "dedupe_key",
            unique=True,
            postgresql_where=text(f"status IN {_OPEN} AND dedupe_key IS NOT NULL"),
        ),
        Index(
            "ix_escalations_agent_not_told_at",
            "agent_not_told_at",
            postgresql_where=text("agent_not_told_at IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    source_agent: str = Field(sa_column=Column(Text, ForeignKey("agents.name"), nullable=False))
    issue_description: str = Field(sa_type=Text)
    priority: Priority = Field(sa_column=Column(EnumText(Priority), nullable=False))
    context_data: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
    status: Status = Field(sa_column=Column(EnumText(Status), nullable=False))
    assigned_to: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, ForeignKey("reviewers.id")))
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    assigned_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    claimed_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    resolved_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    resolved_by: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, ForeignKey("reviewers.id")))
    resolution: str | None = Field(default=None, sa_type=Text)
    resolution_notes: str | None = Field(default=None, sa_type=Text)
    warranted: Warranted | None = Field(
        default=None,
        sa_column=Column(EnumText(Warranted)),
        description="The resolver's word on whether escalating was warranted (escalation precision)",
    )
    webhook_url: str | None = Field(default=None, sa_type=Text)
    category: str | None = Field(default=None, sa_type=Text, description="Short reason, for the top-10 list")
    category_source: str | None = Field(default=None, sa_type=Text, description="openai:<model> or local")
    bumped_at: datetime | None = Field(
        default=None, sa_type=TIMESTAMPTZ, description="High, stale: sorts as urgent"
    )
    oncall_notified_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    managers_notified_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    expires_at: datetime | None = Field(
        default=None, sa_type=TIMESTAMPTZ, description="Unclaimed past it: expired"
    )
    fallback: str | None = Field(default=None, sa_type=Text, description="What the agent does if it expires")
    expired_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    dedupe_key: str | None = Field(default=None, sa_type=Text)
    issue_key: str | None = Field(
        default=None, sa_type=Text, description="The description's words as a digest (services.repeats)"
    )
    repeat_key: str | None = Field(default=None, sa_type=Text, description="issue_key and the context")
    repeat_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    last_repeated_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    loop_suspected: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    related_to: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("escalations.id")),
        description="The earlier one it repeats",
    )
    info_question: str | None = Field(default=None, sa_type=Text, description="Open question to the agent")
    info_requested_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("reviewers.id"))
    )
    agent_not_told_at: datetime | None = Field(
        default=None,
        sa_type=TIMESTAMPTZ,
        description="The last webhook attempt gave up: the agent never heard",
    )
    policy_version: int | None = Field(
        default=None,
        sa_column=Column(Integer),
        description="The policy version it was opened under (policy_versions.number)",
    )
    rule: str | None = Field(
        default=None, sa_type=Text, description="The decision gate's rule that opened it (POST /api/evaluate)"
    )
    sampled: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="Opened by the gate's audit sampling of a continue decision",
    )


class EscalationEvent(SQLModel, table=True):
    """One row per status change, written in the same transaction; never updated or deleted.

    Each row is a link of two hash chains (escalq.services.trail): its escalation's, which a trigger
    fills in at the insert (`seq`, `prev_hash`, `hash`), and the global one, which the sealer adds later
    (`global_*`, the only columns that may ever be set after the insert, and only once).
    """

    __tablename__ = "escalation_events"
    __table_args__ = (
        one_of("actor_kind", ActorKind, table="escalation_events"),
        Index("ix_escalation_events_escalation_id", "escalation_id", "id"),
        Index("ix_escalation_events_actor_at", "actor_id", "at"),
        Index("ix_escalation_events_at", "at"),
        # The chain's order, and no fork: two events can never follow the same one.
        Index("uq_escalation_events_chain", "escalation_id", "seq", unique=True),
        Index("uq_escalation_events_global_seq", "global_seq", unique=True),
        Index("ix_escalation_events_unsealed", "id", postgresql_where=text("global_seq IS NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    escalation_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("escalations.id"), nullable=False))
    at: datetime = Field(sa_type=TIMESTAMPTZ)
    actor_kind: ActorKind = Field(sa_column=Column(EnumText(ActorKind), nullable=False))
    actor_id: uuid.UUID | None = None
    actor_name: str = Field(sa_type=Text, description="Who, as shown to people (snapshot)")
    action: str = Field(sa_type=Text)
    from_status: Status | None = Field(default=None, sa_column=Column(EnumText(Status)))
    to_status: Status = Field(sa_column=Column(EnumText(Status), nullable=False))
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
    # Set by the database (trigger escalation_events_chain), whatever the insert says.
    seq: int | None = Field(
        default=None,
        sa_column=Column(Integer, nullable=False, server_default=FetchedValue()),
        description="Its place in its escalation's chain, from 1",
    )
    prev_hash: str | None = Field(
        default=None, sa_column=Column(Text, server_default=FetchedValue()), description="None for seq 1"
    )
    hash: str | None = Field(
        default=None, sa_column=Column(Text, nullable=False, server_default=FetchedValue())
    )
    # Set once by the sealer, after commit.
    global_seq: int | None = Field(default=None, sa_column=Column(BigInteger))
    global_prev_hash: str | None = Field(default=None, sa_type=Text)
    global_hash: str | None = Field(default=None, sa_type=Text)
    # Filled in by the database (the active version as the row is written): no round trip for the writer.
    policy_version: int | None = Field(
        default=None, sa_column=Column(Integer, server_default=text("active_policy_version()"))
    )


class ContextUpdate(SQLModel, table=True):
    """What an agent added to an escalation's context later (answers to questions); never changed."""

    __tablename__ = "context_updates"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    escalation_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("escalations.id"), nullable=False, index=True)
    )
    at: datetime = Field(sa_type=TIMESTAMPTZ)
    data: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    note: str | None = Field(default=None, sa_type=Text)


class IdempotencyKey(SQLModel, table=True):
    """The first answer to an agent's request with an Idempotency-Key, replayed for its retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("agent_id", "key", name="uq_idempotency_keys_agent_key"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    agent_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False)
    )
    key: str = Field(sa_type=Text)
    request_hash: str = Field(sa_type=Text)
    status_code: int = Field(sa_type=Integer)
    response: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
