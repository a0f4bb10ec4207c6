"""SQLModel tables and enums; no queries live here."""

from escalq.models.enums import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    STATUS_RANK,
    UNCLAIMED,
    ActorKind,
    Priority,
    Role,
    Status,
    Verdict,
    Warranted,
)
from escalq.models.escalation import ContextUpdate, Escalation, EscalationEvent, IdempotencyKey
from escalq.models.evaluation import Evaluation
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
from escalq.models.policy import PolicyVersion
from escalq.models.security import LoginThrottle, SecurityEvent

__all__ = [
    "OPEN_STATUSES",
    "PRIORITY_RANK",
    "STATUS_RANK",
    "UNCLAIMED",
    "ActorKind",
    "Agent",
    "ApiKey",
    "Channel",
    "ContextUpdate",
    "Escalation",
    "EscalationEvent",
    "Evaluation",
    "IdempotencyKey",
    "LoginThrottle",
    "Notification",
    "NotificationStatus",
    "OncallMember",
    "OncallOverride",
    "OncallRotation",
    "PolicyVersion",
    "Priority",
    "Reviewer",
    "ReviewerSession",
    "Role",
    "SecurityEvent",
    "Status",
    "Task",
    "TaskKind",
    "TaskStatus",
    "Verdict",
    "Warranted",
    "WebhookDelivery",
]
