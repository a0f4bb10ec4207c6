"""The admin audit log: changes to agents and people that no escalation's trail records."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Identity, Index, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ, EnumText, one_of
from escalq.models.enums import ActorKind


class AdminEvent(SQLModel, table=True):
    """One admin action (e.g. a rotated webhook secret); never updated or deleted, never holds a secret."""

    __tablename__ = "admin_events"
    __table_args__ = (
        one_of("actor_kind", ActorKind, table="admin_events"),
        Index("ix_admin_events_subject", "subject_id", "id"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    at: datetime = Field(sa_type=TIMESTAMPTZ)
    actor_kind: ActorKind = Field(sa_column=Column(EnumText(ActorKind), nullable=False))
    actor_id: uuid.UUID | None = None
    actor_name: str = Field(sa_type=Text, description="Who, as shown to people (snapshot)")
    action: str = Field(sa_type=Text)
    subject_kind: str = Field(sa_type=Text, description="What was changed: agent, reviewer")
    subject_id: uuid.UUID
    subject_name: str = Field(sa_type=Text)
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
