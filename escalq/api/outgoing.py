"""The webhooks escalq sends, listed in the OpenAPI document (3.1 `webhooks`); nothing is served here."""

from typing import Annotated

from fastapi import FastAPI, Header

from escalq.schemas.webhooks import ExpiredEvent, InfoRequestedEvent, ResolvedEvent

_SIGNED = (
    "Signed per Standard Webhooks with your agent's secret. Answer 2xx within 10 s; anything else is"
    " retried with backoff for hours (same webhook-id: dedupe on it); 410 Gone stops the retries."
)
WebhookId = Annotated[str, Header(alias="webhook-id", description="Unique per event; kept on retries")]
WebhookTimestamp = Annotated[
    str, Header(alias="webhook-timestamp", description="Unix seconds; refuse if over 5 minutes off")
]
WebhookSignature = Annotated[
    str,
    Header(
        alias="webhook-signature",
        description="Space-separated v1,<base64 HMAC-SHA256 of id.timestamp.body>; any valid one passes"
        " (two during a secret rotation)",
    ),
]


# What escalq does with the receiver's answer (422 listed, or FastAPI would describe its own).
_ANSWERS: dict[int | str, dict[str, str]] = {
    204: {"description": "Received (any 2xx)"},
    410: {"description": "Gone: escalq stops sending this event"},
    422: {"description": "Not accepted (this or any other answer but 2xx and 410): retried with backoff"},
}


def describe(api: FastAPI) -> None:
    """Add the three outgoing webhooks to `api`'s OpenAPI document."""

    @api.webhooks.post("escalation.resolved", description=_SIGNED, status_code=204, responses=_ANSWERS)
    def escalation_resolved(
        body: ResolvedEvent, webhook_id: WebhookId, timestamp: WebhookTimestamp, signature: WebhookSignature
    ) -> None:
        """Sent when a reviewer resolves one of your escalations."""

    @api.webhooks.post("escalation.expired", description=_SIGNED, status_code=204, responses=_ANSWERS)
    def escalation_expired(
        body: ExpiredEvent, webhook_id: WebhookId, timestamp: WebhookTimestamp, signature: WebhookSignature
    ) -> None:
        """Sent when nobody claimed one of your escalations before its deadline."""

    @api.webhooks.post("escalation.info_requested", description=_SIGNED, status_code=204, responses=_ANSWERS)
    def escalation_info_requested(
        body: InfoRequestedEvent,
        webhook_id: WebhookId,
        timestamp: WebhookTimestamp,
        signature: WebhookSignature,
    ) -> None:
        """Sent when a reviewer hands one of your escalations back with a question."""
