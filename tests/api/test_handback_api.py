"""PATCH /api/escalations/{id}/request-info, POST /api/escalations/{id}/context: the hand-back round trip."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from escalq.clock import utc_now
from escalq.models import ContextUpdate, Role, TaskKind
from tests.background.helpers import FakeClock, make_outbound, run_once, tasks_of
from tests.background.receivers import Answer, HttpReceiver
from tests.factories import make_agent, make_escalation, make_reviewer

QUESTION = {"question": "Which currency is the amount in?"}


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver(Answer(200))
    yield server
    server.close()


@pytest.fixture
def world(session, receiver):
    """An agent's escalation with a webhook at `receiver`, claimed by the holder."""
    agent = make_agent(session)
    holder = make_reviewer(session, "holder@example.com")
    escalation = make_escalation(session, agent.agent, context={"order": "A-17", "amount": 420})
    escalation.webhook_url = receiver.url + "/hook"
    session.add(escalation)
    session.commit()
    receiver.secret = agent.webhook_secret
    return agent, holder, escalation


def url(escalation, action: str) -> str:
    return f"/api/escalations/{escalation.id}/{action}"


def claim(client, escalation, reviewer):
    response = client.patch(url(escalation, "claim"), headers=reviewer.headers)
    assert response.status_code == 200, response.text


def deliver_last_webhook(session, escalation):
    """Run the escalation's newest webhook task once, as a worker would."""
    task = tasks_of(session, escalation.id, TaskKind.webhook)[-1]
    clock = FakeClock(utc_now().replace(microsecond=0) + timedelta(seconds=1))  # the task is due by then
    attempted = run_once(session, task, make_outbound(), clock)
    assert attempted is not None and attempted.retry_at is None


def test_request_info_answer_and_back_to_the_same_reviewer(client, session, receiver, world):
    agent, holder, escalation = world
    claim(client, escalation, holder)

    asked = client.patch(url(escalation, "request-info"), headers=holder.headers, json=QUESTION)

    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "needs_info"
    assert asked.json()["info_question"] == QUESTION["question"]
    deliver_last_webhook(session, escalation)
    (request,) = receiver.requests
    assert request.verified, request.verify_error
    hook = request.json()
    assert hook["type"] == "escalation.info_requested"
    assert (hook["question"], hook["reviewer"]) == (QUESTION["question"], "Holder")
    assert hook["context_data"] == {"order": "A-17", "amount": 420}
    assert hook["answer_path"] == f"/api/escalations/{escalation.id}/context"

    answered = client.post(
        hook["answer_path"],
        headers=agent.headers,
        json={"context_data": {"currency": "EUR", "amount": 430}, "note": "EUR; the amount was off by 10"},
    )

    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["status"], body["assigned_to"], body["info_question"]) == (
        "claimed",
        str(holder.reviewer.id),
        None,
    )
    assert body["context_data"] == {"order": "A-17", "amount": 430, "currency": "EUR"}
    history = session.exec(select(ContextUpdate).where(col(ContextUpdate.escalation_id) == escalation.id))
    assert [(u.data, u.note) for u in history] == [
        ({"currency": "EUR", "amount": 430}, "EUR; the amount was off by 10")
    ]
    detail = client.get(f"/api/escalations/{escalation.id}", headers=holder.headers).json()
    timeline = [(e["action"], e["from_status"], e["to_status"]) for e in detail["events"]]
    assert timeline[-3:] == [
        ("claimed", "assigned", "claimed"),
        ("info_requested", "claimed", "needs_info"),
        ("context_added", "needs_info", "claimed"),
    ]
    assert detail["events"][-2]["details"] == {"question": QUESTION["question"]}
    assert detail["events"][-1]["details"]["keys"] == ["amount", "currency"]
    resolved = client.patch(
        url(escalation, "resolve"), headers=holder.headers, json={"resolution": "approved"}
    )
    assert resolved.status_code == 200, resolved.text


def test_another_agent_gets_404_and_a_reviewer_key_403(client, session, world):
    _, holder, escalation = world
    other = make_agent(session, "agent-b")

    as_other = client.post(url(escalation, "context"), headers=other.headers, json={"context_data": {"a": 1}})
    as_reviewer = client.post(
        url(escalation, "context"), headers=holder.headers, json={"context_data": {"a": 1}}
    )
    agent_asks = client.patch(url(escalation, "request-info"), headers=other.headers, json=QUESTION)

    assert as_other.status_code == 404, as_other.text
    assert as_other.headers["content-type"] == "application/problem+json"
    assert as_reviewer.status_code == 403, as_reviewer.text
    assert agent_asks.status_code == 403, agent_asks.text


def test_a_resolved_escalation_is_409_for_both(client, session, world):
    agent, holder, escalation = world
    claim(client, escalation, holder)
    resolved = client.patch(
        url(escalation, "resolve"), headers=holder.headers, json={"resolution": "approved"}
    )
    assert resolved.status_code == 200, resolved.text

    asked = client.patch(url(escalation, "request-info"), headers=holder.headers, json=QUESTION)
    added = client.post(url(escalation, "context"), headers=agent.headers, json={"context_data": {"a": 1}})

    assert asked.status_code == 409, asked.text
    assert added.status_code == 409, added.text
    assert "resolved" in added.json()["detail"]


def test_only_the_holder_or_a_manager_may_ask(client, session, world):
    _, holder, escalation = world
    claim(client, escalation, holder)
    colleague = make_reviewer(session, "colleague@example.com")
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False)

    refused = client.patch(url(escalation, "request-info"), headers=colleague.headers, json=QUESTION)
    allowed = client.patch(url(escalation, "request-info"), headers=manager.headers, json=QUESTION)

    assert refused.status_code == 403, refused.text
    assert allowed.status_code == 200, allowed.text


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("request-info", {"question": ""}, "body.question"),
        ("request-info", {"question": "x" * 2001}, "body.question"),
        ("request-info", {}, "body.question"),
        ("context", {"context_data": {"k": "nul\u0000"}}, "body.context_data.k"),
        ("context", {"context_data": []}, "body.context_data"),
        ("context", {"context_data": {}, "note": "nul\u0000"}, "body.note"),
        ("context", {"context_data": {"a": 1}, "extra": True}, "body.extra"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(client, session, world, action, body, field):
    agent, holder, escalation = world
    claim(client, escalation, holder)
    caller = holder if action == "request-info" else agent
    call = client.patch if action == "request-info" else client.post

    response = call(url(escalation, action), headers=caller.headers, json=body)

    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


def test_context_over_the_limit_is_413(client, session, world):
    agent, _, escalation = world

    response = client.post(
        url(escalation, "context"), headers=agent.headers, json={"context_data": {"log": "x" * 70_000}}
    )

    assert response.status_code == 413, response.text
    assert "65536" in response.json()["detail"]
