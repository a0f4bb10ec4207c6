"""POST /api/escalations/{id}/webhook/redeliver: the same event again, for reviewers only."""

from rq import Queue

from escalq import pipeline
from escalq.models import TaskKind, TaskStatus
from tests.background.helpers import drain, tasks_of
from tests.factories import make_agent, make_resolved_escalation, make_reviewer


def redeliver(client, escalation_id, caller):
    return client.post(f"/api/escalations/{escalation_id}/webhook/redeliver", headers=caller.headers)


def resolved_through_the_api(client, agent, reviewer, webhook_url):
    created = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund of 900 EUR", "priority": "high", "webhook_url": webhook_url},
    )
    assert created.status_code == 201, created.text
    escalation_id = created.json()["id"]
    resolved = client.patch(
        f"/api/escalations/{escalation_id}/resolve",
        headers=reviewer.headers,
        json={"resolution": "approved", "resolution_notes": "ok"},
    )
    assert resolved.status_code == 200, resolved.text
    return escalation_id


def test_redeliver_queues_the_same_event_again(client, session, queue_redis, webhook_receiver):
    agent, reviewer = make_agent(session), make_reviewer(session)
    webhook_receiver.secret = agent.webhook_secret
    escalation_id = resolved_through_the_api(client, agent, reviewer, webhook_receiver.url + "/hook")
    drain(queue_redis)
    assert len(webhook_receiver.requests) == 1

    response = redeliver(client, escalation_id, reviewer)

    assert response.status_code == 202, response.text
    first, again = tasks_of(session, escalation_id, TaskKind.webhook)
    assert response.json() == {
        "delivery_id": str(again.id),
        "message_id": first.payload["message_id"],
        "url": webhook_receiver.url + "/hook",
    }
    assert again.id != first.id
    assert Queue(pipeline.QUEUE, connection=queue_redis).get_job_ids() == [pipeline.job_id(again.id, 0)], (
        "the route hands the new task to the queue"
    )
    queue = drain(queue_redis)
    assert queue.failed_job_registry.count == 0
    original, repeated = webhook_receiver.requests
    assert repeated.headers["webhook-id"] == original.headers["webhook-id"] == first.payload["message_id"]
    assert repeated.json() == original.json()
    assert repeated.verified, repeated.verify_error
    session.refresh(again)
    assert (again.status, again.attempts) == (TaskStatus.done, 1)


def test_redeliver_without_a_webhook_event_conflicts(client, session):
    agent, reviewer = make_agent(session), make_reviewer(session)
    escalation = make_resolved_escalation(session, agent.agent, reviewer.reviewer, webhook_url=None)

    response = redeliver(client, escalation.id, reviewer)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert tasks_of(session, escalation.id, TaskKind.webhook) == []


def test_redeliver_before_resolution_conflicts(client, session, webhook_receiver):
    agent, reviewer = make_agent(session), make_reviewer(session)
    created = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Wait", "priority": "low", "webhook_url": webhook_receiver.url},
    )
    assert created.status_code == 201, created.text

    response = redeliver(client, created.json()["id"], reviewer)

    assert response.status_code == 409, response.text


def test_agents_may_not_redeliver(client, session, webhook_receiver):
    agent, reviewer = make_agent(session), make_reviewer(session)
    escalation_id = resolved_through_the_api(client, agent, reviewer, webhook_receiver.url + "/hook")

    response = redeliver(client, escalation_id, agent)

    assert response.status_code == 403, response.text
    assert len(tasks_of(session, escalation_id, TaskKind.webhook)) == 1
    unauthenticated = client.post(f"/api/escalations/{escalation_id}/webhook/redeliver")
    assert unauthenticated.status_code == 401, unauthenticated.text
