"""Rotated webhook secrets: both signatures in the overlap, then the new one only; no key, nothing sent."""

import os
from datetime import timedelta

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from escalq.models import TaskKind, TaskStatus
from escalq.services import agent_secrets, vault, webhooks
from tests.background.helpers import make_outbound, run_once, tasks_of
from tests.factories import make_agent, make_resolved_escalation, make_reviewer


def resolved_with_rotation(session, receiver, clock, *, rotated_at, overlap_hours):
    """An agent whose secret was rotated at `rotated_at`, and its resolved escalation's webhook task."""
    made = make_agent(session)
    rotated = agent_secrets.rotate(
        session=session, agent_id=made.agent.id, by=None, overlap_hours=overlap_hours, now=rotated_at
    )
    session.commit()
    escalation = make_resolved_escalation(
        session, made.agent, make_reviewer(session).reviewer, webhook_url=receiver.url + "/hook", now=clock()
    )
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)
    return made.webhook_secret, rotated.secret, escalation, task


def verifies(secret: str, request) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


def test_during_the_overlap_a_delivery_verifies_with_the_old_and_the_new_secret(
    session, webhook_receiver, clock
):
    old, new, _, task = resolved_with_rotation(
        session, webhook_receiver, clock, rotated_at=clock(), overlap_hours=24
    )
    webhook_receiver.secret = old

    run_once(session, task, make_outbound(), clock)

    (request,) = webhook_receiver.requests
    assert request.verified, request.verify_error
    assert verifies(old, request) and verifies(new, request)
    signatures = request.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert task.status == TaskStatus.done


def test_after_the_overlap_a_delivery_verifies_only_with_the_new_secret(session, webhook_receiver, clock):
    old, new, _, task = resolved_with_rotation(
        session, webhook_receiver, clock, rotated_at=clock() - timedelta(hours=25), overlap_hours=24
    )
    webhook_receiver.secret = new

    run_once(session, task, make_outbound(), clock)

    (request,) = webhook_receiver.requests
    assert request.verified, request.verify_error
    assert verifies(new, request)
    assert not verifies(old, request)
    assert len(request.headers["webhook-signature"].split(" ")) == 1


def test_without_the_right_key_nothing_is_sent_and_the_attempt_is_retried(
    session, webhook_receiver, clock, use_secret_key
):
    _, new, escalation, task = resolved_with_rotation(
        session, webhook_receiver, clock, rotated_at=clock(), overlap_hours=0
    )
    webhook_receiver.secret = new
    right_key = os.environ["ESCALQ_SECRET_KEY"]
    use_secret_key(vault.new_key())

    first = run_once(session, task, make_outbound(), clock)

    assert webhook_receiver.requests == []
    assert first is not None and first.retry_at is not None
    assert task.status == TaskStatus.pending
    assert task.last_error is not None
    assert "webhook secret of agent 'agent-a' cannot be decrypted with ESCALQ_SECRET_KEY" in task.last_error
    (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (row.outcome, row.http_status, row.error) == ("retrying", None, task.last_error)

    use_secret_key(right_key)
    clock.at = first.retry_at
    run_once(session, task, make_outbound(), clock)

    (request,) = webhook_receiver.requests
    assert request.verified, request.verify_error
    assert task.status == TaskStatus.done
