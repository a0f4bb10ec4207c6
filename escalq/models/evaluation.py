"""The decision gate's answers, one row per evaluation: what the agent sent and what it was told."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Identity, Index, Integer, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ, EnumText, one_of
from escalq.models.enums import Priority, Verdict


class Evaluation(SQLModel, table=True):
    """Never changed: replays re-read `signals` through another policy version."""

    __tablename__ = "evaluations"
    __table_args__ = (
        one_of("decision", Verdict, table="evaluations"),
        one_of("priority", Priority, table="evaluations"),
        Index("ix_evaluations_at", "at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    agent_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("agents.id"), nullable=False))
    at: datetime = Field(sa_type=TIMESTAMPTZ)
    signals: dict[str, Any] = Field(
        sa_column=Column(JSONB, nullable=False), description="The signals as sent, without context_data"
    )
    decision: Verdict = Field(sa_column=Column(EnumText(Verdict), nullable=False))
    rule: str | None = Field(default=None, sa_type=Text, description="None: no rule matched")
    priority: Priority | None = Field(default=None, sa_column=Column(EnumText(Priority)))
    sampled: bool = Field(sa_column=Column(Boolean, nullable=False))
    policy_version: int = Field(sa_column=Column(Integer, nullable=False))
    escalation_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("escalations.id")),
        description="The escalation it opened (or the open one it was folded into)",
    )
