"""Work that must happen after a change commits: recorded in PostgreSQL, executed by RQ workers."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Identity, Index, Integer, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ, EnumText, one_of


class TaskKind(StrEnum):
    webhook = "webhook"
    notification = "notification"
    categorize = "categorize"


class TaskStatus(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


class Task(SQLModel, table=True):
    """One unit of outbound work; the sweep re-enqueues any that Redis lost or whose worker died."""

    __tablename__ = "tasks"
    __table_args__ = (
        one_of("kind", TaskKind, table="tasks"),
        one_of("status", TaskStatus, table="tasks"),
        Index("ix_tasks_due", "status", "next_attempt_at"),
        Index("ix_tasks_escalation_id", "escalation_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: TaskKind = Field(sa_column=Column(EnumText(TaskKind), nullable=False))
    escalation_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("escalations.id"))
    )
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    )
    status: TaskStatus = Field(sa_column=Column(EnumText(TaskStatus), nullable=False))
    attempts: int = Field(default=0, sa_type=Integer)
    next_attempt_at: datetime = Field(sa_type=TIMESTAMPTZ)
    lease_until: datetime | None = Field(
        default=None, sa_type=TIMESTAMPTZ, description="A worker holds it until"
    )
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    finished_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class WebhookDelivery(SQLModel, table=True):
    """One attempt to deliver a webhook, kept for the dashboard and for debugging receivers."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_escalation_id", "escalation_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    task_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("tasks.id"), nullable=False, index=True))
    escalation_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("escalations.id"), nullable=False))
    event_type: str = Field(sa_type=Text)
    url: str = Field(sa_type=Text)
    attempt: int = Field(sa_type=Integer)
    at: datetime = Field(sa_type=TIMESTAMPTZ)
    duration_ms: int = Field(sa_type=Integer)
    http_status: int | None = Field(default=None, sa_type=Integer)
    response_excerpt: str | None = Field(default=None, sa_type=Text, description="First 1 KiB of the answer")
    error: str | None = Field(default=None, sa_type=Text)
    outcome: str = Field(sa_type=Text, description="succeeded, retrying, gone, failed, superseded or died")


class Channel(StrEnum):
    slack = "slack"
    email = "email"


class NotificationStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Notification(SQLModel, table=True):
    """A message to people about an escalation, on one channel to one recipient."""

    __tablename__ = "notifications"
    __table_args__ = (
        one_of("channel", Channel, table="notifications"),
        one_of("status", NotificationStatus, table="notifications"),
        Index("ix_notifications_escalation_id", "escalation_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    escalation_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("escalations.id"), nullable=False))
    channel: Channel = Field(sa_column=Column(EnumText(Channel), nullable=False))
    recipient: str = Field(sa_type=Text)
    kind: str = Field(sa_type=Text, description="urgent_created, oncall_timeout or manager_timeout")
    status: NotificationStatus = Field(sa_column=Column(EnumText(NotificationStatus), nullable=False))
    error: str | None = Field(default=None, sa_type=Text)
    attempts: int = Field(default=0, sa_type=Integer)
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    sent_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
