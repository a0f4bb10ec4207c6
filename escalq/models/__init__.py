"""SQLModel tables and enums; no queries live here."""

from escalq.models.admin_event import AdminEvent
from escalq.models.enums import OPEN_STATUSES, PRIORITY_RANK, STATUS_RANK, ActorKind, Priority, Role, Status
from escalq.models.escalation import ContextUpdate, Escalation, EscalationEvent, IdempotencyKey
from escalq.models.oncall import OncallMember, OncallOverride, OncallRotation
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
    "AdminEvent",
    "Agent",
    "ApiKey",
    "Channel",
    "ContextUpdate",
    "Escalation",
    "EscalationEvent",
    "IdempotencyKey",
    "Notification",
    "NotificationStatus",
    "OncallMember",
    "OncallOverride",
    "OncallRotation",
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
