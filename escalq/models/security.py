"""Sign-in throttling counters and the log of security events (sign-in failures, locks, offboarding)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Identity, Index, Integer, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins of one subject (`account:<email>` or `address:<ip>`) in the current window."""

    __tablename__ = "login_throttles"

    subject: str = Field(sa_type=Text, primary_key=True)
    failures: int = Field(default=0, sa_type=Integer, description="In the window that began at window_start")
    window_start: datetime = Field(sa_type=TIMESTAMPTZ)
    locks: int = Field(default=0, sa_type=Integer, description="Locks in a row: each doubles the next one")
    locked_until: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    last_failure_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class SecurityEvent(SQLModel, table=True):
    """One row per sign-in failure, lock, unlock, offboarding action and rotated secret; append-only."""

    __tablename__ = "security_events"
    __table_args__ = (
        Index("ix_security_events_reviewer_id", "reviewer_id", "id"),
        Index("ix_security_events_at", "at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    at: datetime = Field(sa_type=TIMESTAMPTZ)
    action: str = Field(sa_type=Text)
    reviewer_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("reviewers.id")), description="Whose account"
    )
    subject: str = Field(
        sa_type=Text, description="The email tried or acted on, or an agent's name (snapshot)"
    )
    client_ip: str | None = Field(default=None, sa_type=Text)
    actor_name: str = Field(sa_type=Text, description="Who did it: a reviewer's name, or the system")
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
