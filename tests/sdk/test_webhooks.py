"""verify_webhook: Standard Webhooks signatures as escalq signs them, several at once, stale or forged."""

import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from escalq.services import projections
from escalq.services.secrets import new_webhook_secret
from escalq_client import EscalationResolved, InfoRequested, WebhookVerificationError, verify_webhook
from tests.factories import make_agent, make_resolved_escalation, make_reviewer


def signed(body: str, *secrets: str, at: int | None = None, message_id: str = "msg_1") -> dict[str, str]:
    """Signed now (read when called: a run may collect this module minutes before this test)."""
    at = int(time.time()) if at is None else at
    moment = datetime.fromtimestamp(at, UTC)
    return {
        "Webhook-Id": message_id,
        "Webhook-Timestamp": str(at),
        "Webhook-Signature": " ".join(Webhook(secret).sign(message_id, moment, body) for secret in secrets),
    }


@pytest.fixture
def resolved_body(session):
    agent = make_agent(session)
    admin = make_reviewer(session, "admin@example.com", role="admin")
    escalation = make_resolved_escalation(session, agent.agent, admin.reviewer, context={"order": 7})
    body = projections.resolved_event(escalation=escalation, resolver=admin.reviewer)
    return json.dumps(body, separators=(",", ":"))


def test_a_delivery_verifies_and_reads_as_its_event(resolved_body):
    secret = new_webhook_secret()

    event = verify_webhook(resolved_body.encode(), signed(resolved_body, secret), secret)

    assert isinstance(event, EscalationResolved)
    assert event.resolution == "approved" and event.resolution_notes == "Within policy"
    assert event.webhook_id == "msg_1" and event.context_data == {"order": 7}


def test_any_of_several_signatures_passes(resolved_body):
    old, new = new_webhook_secret(), new_webhook_secret()
    headers = signed(resolved_body, new, old)

    assert verify_webhook(resolved_body, headers, old).type == "escalation.resolved"
    assert verify_webhook(resolved_body, headers, new).type == "escalation.resolved"


def test_a_forged_or_altered_delivery_is_refused(resolved_body):
    secret = new_webhook_secret()
    headers = signed(resolved_body, secret)

    with pytest.raises(WebhookVerificationError):
        verify_webhook(resolved_body, headers, new_webhook_secret())
    with pytest.raises(WebhookVerificationError):
        verify_webhook(resolved_body.replace("approved", "rejected"), headers, secret)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(resolved_body, {**headers, "Webhook-Id": "msg_2"}, secret)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(resolved_body, {"webhook-id": "msg_1"}, secret)


def test_a_stale_or_future_timestamp_is_refused(resolved_body):
    secret = new_webhook_secret()
    now = 1_800_000_000  # verified as if now, by the injected clock

    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_webhook(resolved_body, signed(resolved_body, secret, at=now - 301), secret, now=now)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(resolved_body, signed(resolved_body, secret, at=now + 301), secret, now=now)
    assert verify_webhook(resolved_body, signed(resolved_body, secret, at=now - 299), secret, now=now)


def test_an_info_request_reads_as_its_event():
    body = json.dumps(
        {
            "type": "escalation.info_requested",
            "escalation_id": "e1",
            "source_agent": "agent-a",
            "priority": "high",
            "status": "needs_info",
            "question": "Which order?",
            "reviewer": "Rev",
            "reviewer_id": "r1",
            "requested_at": "2026-11-22T09:00:00+00:00",
            "answer_path": "/api/escalations/e1/context",
            "created_at": "2026-11-22T08:00:00+00:00",
            "context_data": {},
        }
    )
    secret = new_webhook_secret()

    event = verify_webhook(body, signed(body, secret), secret)

    assert isinstance(event, InfoRequested) and event.question == "Which order?"
