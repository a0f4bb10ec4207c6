"""PATCH /api/escalations/{id}/resolve: the holder or a supervisor, once."""

import pytest

from escalq.models import Role
from tests.factories import make_agent, make_escalation, make_reviewer

DECISION = {"resolution": "approved", "resolution_notes": "Within policy"}


def resolve(client, escalation, reviewer, body=DECISION):
    return client.patch(f"/api/escalations/{escalation.id}/resolve", headers=reviewer.headers, json=body)


def claim(client, escalation, reviewer):
    response = client.patch(f"/api/escalations/{escalation.id}/claim", headers=reviewer.headers)
    assert response.status_code == 200, response.text


def test_holder_resolves(client, session):
    agent = make_agent(session)
    holder = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    claim(client, escalation, holder)

    response = resolve(client, escalation, holder)

    assert response.status_code == 200, response.text
    session.refresh(escalation)
    assert escalation.status == "resolved"
    assert escalation.resolved_by == holder.reviewer.id
    assert escalation.resolved_at is not None
    assert escalation.resolved_at >= escalation.claimed_at
    assert escalation.resolution == "approved"
    assert escalation.resolution_notes == "Within policy"


def test_assignee_may_resolve_without_claiming(client, session):
    agent = make_agent(session)
    assignee = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)

    response = resolve(client, escalation, assignee, {"resolution": "rejected"})

    assert response.status_code == 200, response.text
    assert response.json()["resolution_notes"] == ""


def test_another_reviewer_may_not_resolve(client, session):
    agent = make_agent(session)
    holder = make_reviewer(session, "holder@example.com")
    bystander = make_reviewer(session, "bystander@example.com", active=False)
    escalation = make_escalation(session, agent.agent)
    claim(client, escalation, holder)

    response = resolve(client, escalation, bystander)

    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    session.refresh(escalation)
    assert escalation.status == "claimed"
    assert escalation.resolved_at is None


def test_a_plain_reviewer_may_not_resolve_an_unassigned_one(client, session):
    agent = make_agent(session)
    escalation = make_escalation(session, agent.agent)
    reviewer = make_reviewer(session)

    assert resolve(client, escalation, reviewer).status_code == 403


@pytest.mark.parametrize("role", [Role.manager, Role.admin])
def test_supervisors_resolve_someone_elses(client, session, role):
    agent = make_agent(session)
    holder = make_reviewer(session, "holder@example.com")
    boss = make_reviewer(session, "boss@example.com", role=role, active=False)
    escalation = make_escalation(session, agent.agent)
    claim(client, escalation, holder)

    response = resolve(client, escalation, boss)

    assert response.status_code == 200, response.text
    assert response.json()["resolved_by"] == str(boss.reviewer.id)
    assert response.json()["assigned_to"] == str(holder.reviewer.id)


def test_manager_resolves_a_never_claimed_pending_escalation(client, session):
    agent = make_agent(session)
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False)
    escalation = make_escalation(session, agent.agent)
    assert escalation.status == "pending"

    response = resolve(client, escalation, manager)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolved_by"] == str(manager.reviewer.id)
    assert body["assigned_to"] is None
    assert body["claimed_at"] is None
    assert body["resolved_at"] is not None


def test_second_resolve_is_409_and_keeps_the_first_decision(client, session):
    agent = make_agent(session)
    holder = make_reviewer(session)
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False)
    escalation = make_escalation(session, agent.agent)
    claim(client, escalation, holder)
    assert resolve(client, escalation, holder).status_code == 200

    again = resolve(client, escalation, holder, {"resolution": "rejected"})
    by_admin = resolve(client, escalation, admin, {"resolution": "rejected"})

    assert again.status_code == 409, again.text
    assert by_admin.status_code == 409, by_admin.text
    assert again.headers["content-type"] == "application/problem+json"
    session.refresh(escalation)
    assert escalation.resolution == "approved"
    assert escalation.resolved_by == holder.reviewer.id


def test_the_resolver_may_say_whether_escalating_was_warranted(client, session):
    agent = make_agent(session)
    holder = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    claim(client, escalation, holder)

    refused = resolve(client, escalation, holder, {**DECISION, "warranted": "maybe"})
    response = resolve(client, escalation, holder, {**DECISION, "warranted": "unsure"})

    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["body.warranted"]
    assert response.status_code == 200, response.text
    assert response.json()["warranted"] == "unsure"
    session.refresh(escalation)
    assert escalation.warranted == "unsure"
