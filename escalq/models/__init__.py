"""SQLModel tables and enums; no queries live here."""

from escalq.models.enums import OPEN_STATUSES, PRIORITY_RANK, STATUS_RANK, ActorKind, Priority, Role, Status
from escalq.models.escalation import Escalation, EscalationEvent
from escalq.models.outbox import (
    Channel,
    Notification,
    NotificationStatus,
    Task,
    TaskKind,
    TaskStatus,
    WebhookDelivery,
)
from escalq.models.people import Agent, ApiKey, Reviewer, ReviewerSession

__all__ = [
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "STATUS_RANK",
    "ActorKind",
    "Agent",
    "ApiKey",
    "Channel",
    "Escalation",
    "EscalationEvent",
    "Notification",
    "NotificationStatus",
    "Priority",
    "Reviewer",
    "ReviewerSession",
    "Role",
    "Status",
    "Task",
    "TaskKind",
    "TaskStatus",
    "WebhookDelivery",
]
