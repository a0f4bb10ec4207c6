"""escalq's Python client: hand a decision to a human, wait for it, verify the webhooks it sends."""

from escalq_client._calls import Retries
from escalq_client.client import AsyncEscalq, Escalq
from escalq_client.errors import (
    AuthError,
    Conflict,
    EscalqError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ValidationError,
    WebhookVerificationError,
)
from escalq_client.models import Decision, Escalation, Evaluation, Page
from escalq_client.webhooks import (
    EscalationExpired,
    EscalationResolved,
    InfoRequested,
    WebhookEvent,
    parse_event,
    verify_webhook,
)

__all__ = [
    "AsyncEscalq",
    "AuthError",
    "Conflict",
    "Decision",
    "Escalation",
    "EscalationExpired",
    "EscalationResolved",
    "Escalq",
    "EscalqError",
    "Evaluation",
    "InfoRequested",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "RateLimited",
    "Retries",
    "ServerError",
    "ValidationError",
    "WebhookEvent",
    "WebhookVerificationError",
    "parse_event",
    "verify_webhook",
]
