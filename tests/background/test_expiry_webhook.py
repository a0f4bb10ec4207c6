"""The expiry webhook: signed, carrying the fallback, sent once however often the expiry job runs."""

from datetime import datetime, timedelta

import workers.periodic
from escalq.clock import utc_now
from escalq.models import Escalation, Status, TaskKind, TaskStatus
from escalq.services import expiry, webhooks
from tests.background.helpers import drain, make_outbound, run_once, tasks_of
from tests.factories import make_active_policy, make_agent, make_escalation

MINUTE = timedelta(minutes=1)


def due(session, receiver, *, at: datetime, fallback: str | None = "reject", context=None):
    """An agent's unclaimed escalation with a webhook at `receiver`, past its deadline at `at`."""
    agent = make_agent(session)
    escalation = make_escalation(session, agent.agent, context=context, now=at - 10 * MINUTE)
    escalation.webhook_url = receiver.url + "/hook"
    escalation.expires_at, escalation.fallback = at - MINUTE, fallback
    session.add(escalation)
    session.commit()
    receiver.secret = agent.webhook_secret
    return escalation


def test_the_agent_gets_a_signed_expiry_with_its_fallback(session, webhook_receiver, clock):
    escalation = due(session, webhook_receiver, at=clock(), context={"order": "A-17"})
    assert expiry.expire_due(session=session, fallbacks={}, now=clock()) == [escalation.id]
    session.commit()
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)

    done = run_once(session, task, make_outbound(), clock)

    assert done is not None and done.retry_at is None
    (request,) = webhook_receiver.requests
    assert request.path == "/hook"
    assert request.verified, request.verify_error
    body = request.json()
    assert body["type"] == "escalation.expired"
    assert body["escalation_id"] == str(escalation.id)
    assert body["fallback"] == "reject"
    assert body["status"] == "expired"
    assert datetime.fromisoformat(body["expires_at"]) == clock() - MINUTE
    assert datetime.fromisoformat(body["expired_at"]) == clock()
    assert body["context_data"] == {"order": "A-17"}
    assert "resolution" not in body and "resolved_by" not in body
    assert request.headers["webhook-id"] == task.payload["message_id"]
    assert task.status == TaskStatus.done
    (delivery,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (delivery.event_type, delivery.outcome) == ("escalation.expired", "succeeded")


def test_the_periodic_job_expires_once_and_the_worker_delivers(session, queue_redis, webhook_receiver):
    escalation = due(session, webhook_receiver, at=utc_now(), fallback="proceed")

    assert workers.periodic.expire() == 1
    queue = drain(queue_redis)

    assert queue.failed_job_registry.count == 0
    session.expire_all()
    stored = session.get(Escalation, escalation.id)
    assert (stored.status, stored.resolution, stored.resolved_by) == (Status.expired, None, None)
    (request,) = webhook_receiver.requests
    assert request.verified, request.verify_error
    assert (request.json()["type"], request.json()["fallback"]) == ("escalation.expired", "proceed")
    assert workers.periodic.expire() == 0
    drain(queue_redis)
    assert len(webhook_receiver.requests) == 1


def test_the_agent_is_told_the_active_policys_fallback(session, queue_redis, webhook_receiver):
    escalation = due(session, webhook_receiver, at=utc_now(), fallback=None)
    make_active_policy(session, {"expiry": {"medium_fallback": "Refuse and tell the customer we will call"}})

    assert workers.periodic.expire() == 1
    drain(queue_redis)

    (request,) = webhook_receiver.requests
    assert request.json()["fallback"] == "Refuse and tell the customer we will call"
    session.expire_all()
    assert session.get(Escalation, escalation.id).fallback == "Refuse and tell the customer we will call"
