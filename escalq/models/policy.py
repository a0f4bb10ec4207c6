"""Policy versions: immutable documents, one of them active."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, Text, Uuid, false, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ


class PolicyVersion(SQLModel, table=True):
    """A policy document as proposed; only `approved_*`, `active` and `activated_at` ever change."""

    __tablename__ = "policy_versions"
    __table_args__ = (
        # Exactly one active version: activation turns the old one off and the new one on in one transaction.
        Index("uq_policy_versions_active", "active", unique=True, postgresql_where=text("active")),
    )

    number: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    document: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    author_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid, ForeignKey("reviewers.id")),
        description="None: made from the environment",
    )
    author_name: str = Field(sa_type=Text, description="Who proposed it (snapshot)")
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=text("''")))
    approved_by: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, ForeignKey("reviewers.id")))
    approved_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    active: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    activated_at: datetime | None = Field(
        default=None, sa_type=TIMESTAMPTZ, description="When it last became the active one"
    )
