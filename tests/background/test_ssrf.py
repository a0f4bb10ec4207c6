"""Webhook targets may not reach our own network: refused at creation and again at delivery."""

import itertools

import pytest
from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Escalation, Priority, TaskKind, TaskStatus
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations, webhooks
from escalq.services.urls import UnsafeUrl
from tests.background.helpers import make_outbound, run_once, tasks_of
from tests.factories import make_agent, make_resolved_escalation, make_reviewer

INTERNAL_TARGETS = [
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hook",
    "http://localhost:8080/hook",
]
UNRESOLVABLE = "https://escalq-receiver.invalid/hook"
_cases = itertools.count(1)


def create(session, agent, webhook_url, *, allow_private):
    data = EscalationCreate(
        issue_description=f"Refund for case {next(_cases)}", priority=Priority.high, webhook_url=webhook_url
    )
    return escalations.create(
        session=session,
        data=data,
        agent=agent,
        outbound=make_outbound(allow_private=allow_private),
        now=utc_now(),
    ).escalation


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_creation_refuses_internal_targets(session, url):
    agent = make_agent(session)

    with pytest.raises(UnsafeUrl) as refused:
        create(session, agent.agent, url, allow_private=False)

    assert refused.value.field == "body.webhook_url"
    assert session.exec(select(Escalation)).all() == []


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_api_answers_422_naming_the_field(client, session, env, url):
    env.set(ESCALQ_ALLOW_PRIVATE_WEBHOOKS="false")
    agent = make_agent(session)

    response = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund", "priority": "high", "webhook_url": url},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["body.webhook_url"]
    assert session.exec(select(Escalation)).all() == []


def test_allow_private_accepts_internal_targets(session):
    agent = make_agent(session)

    for url in INTERNAL_TARGETS:
        assert create(session, agent.agent, url, allow_private=True).webhook_url == url


def test_an_unresolvable_name_is_accepted_at_creation(session):
    agent = make_agent(session)

    escalation = create(session, agent.agent, UNRESOLVABLE, allow_private=False)

    assert escalation.webhook_url == UNRESOLVABLE


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_delivery_refuses_a_target_that_resolves_to_a_private_address(session, webhook_receiver, clock, host):
    agent, reviewer = make_agent(session), make_reviewer(session)
    target = f"http://{host}:{webhook_receiver.port}/hook"
    # Accepted at creation (as if its DNS pointed elsewhere then); refused when the delivery resolves it.
    escalation = make_resolved_escalation(
        session, agent.agent, reviewer.reviewer, webhook_url=target, outbound=make_outbound(), now=clock()
    )
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)

    attempted = run_once(session, task, make_outbound(allow_private=False), clock)

    assert attempted is not None and attempted.retry_at is None
    assert task.status == TaskStatus.failed
    assert "private, loopback or link-local" in (task.last_error or "")
    (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (row.outcome, row.http_status) == ("failed", None)
    assert "127.0.0.1" in (row.error or "")
    assert webhook_receiver.requests == []
