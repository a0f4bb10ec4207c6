"""Receiving escalq's webhooks: verify the Standard Webhooks signature, then read the typed event."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from escalq_client.errors import WebhookVerificationError

TOLERANCE_S = 300  # Standard Webhooks' default: older (or later) timestamps are refused as replays
RESOLVED, EXPIRED, INFO_REQUESTED = "escalation.resolved", "escalation.expired", "escalation.info_requested"


@dataclass(frozen=True)
class WebhookEvent:
    """Fields every event has; `webhook_id` is the same on every redelivery, so dedupe on it."""

    type: str
    webhook_id: str
    escalation_id: str
    source_agent: str
    priority: str
    status: str
    created_at: datetime
    context_data: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class EscalationResolved(WebhookEvent):
    """A human decided: act on `resolution` (and `resolution_notes`)."""

    resolution: str
    resolution_notes: str | None
    resolved_at: datetime
    resolved_by_name: str


@dataclass(frozen=True)
class EscalationExpired(WebhookEvent):
    """Nobody decided in time: do your `fallback`."""

    fallback: str | None
    expired_at: datetime


@dataclass(frozen=True)
class InfoRequested(WebhookEvent):
    """A reviewer asks a `question`: answer with `add_context(escalation_id, ...)`."""

    question: str
    reviewer: str
    requested_at: datetime


def parse_event(body: dict[str, Any], *, webhook_id: str) -> WebhookEvent:
    """The typed event of a (verified) body; an unknown type is a plain WebhookEvent."""
    common: dict[str, Any] = {
        "type": body["type"],
        "webhook_id": webhook_id,
        "escalation_id": body["escalation_id"],
        "source_agent": body["source_agent"],
        "priority": body["priority"],
        "status": body["status"],
        "created_at": datetime.fromisoformat(body["created_at"]),
        "context_data": body.get("context_data") or {},
        "raw": body,
    }
    if body["type"] == RESOLVED:
        return EscalationResolved(
            **common,
            resolution=body["resolution"],
            resolution_notes=body.get("resolution_notes"),
            resolved_at=datetime.fromisoformat(body["resolved_at"]),
            resolved_by_name=body.get("resolved_by_name", ""),
        )
    if body["type"] == EXPIRED:
        return EscalationExpired(
            **common, fallback=body.get("fallback"), expired_at=datetime.fromisoformat(body["expired_at"])
        )
    if body["type"] == INFO_REQUESTED:
        return InfoRequested(
            **common,
            question=body["question"],
            reviewer=body.get("reviewer", ""),
            requested_at=datetime.fromisoformat(body["requested_at"]),
        )
    return WebhookEvent(**common)


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError as error:
        raise ValueError("the webhook secret is not a whsec_<base64> secret") from error


def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance_s: float = TOLERANCE_S,
    now: float | None = None,
) -> WebhookEvent:
    """Check a delivery's signature with your agent's webhook secret and return its event.

    `body` must be the raw request body, unparsed. Several space-separated signatures may come (after a
    secret rotation); any one valid signature passes. Raises WebhookVerificationError when the headers
    are missing, the timestamp is more than `tolerance_s` from now, or no signature matches.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not webhook_id or not timestamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number of seconds") from None
    if abs((time.time() if now is None else now) - sent_at) > tolerance_s:
        raise WebhookVerificationError("webhook-timestamp is too old or too new (a replay?)")
    raw = body.encode() if isinstance(body, str) else body
    signed = f"{webhook_id}.{sent_at}.".encode() + raw
    expected = base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest())
    offered = [part.partition(",") for part in signatures.split()]
    if not any(
        version == "v1" and hmac.compare_digest(value.encode(), expected) for version, _, value in offered
    ):
        raise WebhookVerificationError("no webhook-signature matches this secret")
    return parse_event(json.loads(raw), webhook_id=webhook_id)
