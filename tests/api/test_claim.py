"""PATCH /api/escalations/{id}/claim: one winner, harmless repeats."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from escalq.models import EscalationEvent
from tests.factories import make_agent, make_escalation, make_reviewer, make_reviewers


def claim_url(escalation) -> str:
    return f"/api/escalations/{escalation.id}/claim"


def actions(session, escalation) -> list[str]:
    query = (
        select(EscalationEvent.action)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.id)
    )
    return list(session.exec(query).all())


def test_exactly_one_of_twenty_concurrent_claims_wins(client, session):
    agent = make_agent(session)
    reviewers = make_reviewers(session, 20)
    escalation = make_escalation(session, agent.agent)
    start = threading.Barrier(20)

    def claim(reviewer):
        start.wait(timeout=30)
        return reviewer, client.patch(claim_url(escalation), headers=reviewer.headers)

    with ThreadPoolExecutor(max_workers=20) as workers:
        results = list(workers.map(claim, reviewers))

    assert Counter(response.status_code for _, response in results) == {200: 1, 409: 19}
    winner = next(reviewer for reviewer, response in results if response.status_code == 200)
    for _, response in results:
        if response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
            assert winner.reviewer.display_name in response.json()["detail"]
    session.refresh(escalation)
    assert escalation.status == "claimed"
    assert escalation.assigned_to == winner.reviewer.id
    assert actions(session, escalation) == ["created", "assigned", "claimed"]


def test_claiming_again_is_idempotent(client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)

    first = client.patch(claim_url(escalation), headers=reviewer.headers)
    again = client.patch(claim_url(escalation), headers=reviewer.headers)

    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert actions(session, escalation) == ["created", "assigned", "claimed"]


def test_claiming_one_held_by_someone_else_is_409(client, session):
    agent = make_agent(session)
    holder, other = make_reviewers(session, 2)
    escalation = make_escalation(session, agent.agent)
    client.patch(claim_url(escalation), headers=holder.headers)

    response = client.patch(claim_url(escalation), headers=other.headers)

    assert response.status_code == 409, response.text
    session.refresh(escalation)
    assert escalation.assigned_to == holder.reviewer.id


def test_claiming_a_resolved_escalation_is_409(client, session):
    agent = make_agent(session)
    holder, other = make_reviewers(session, 2)
    escalation = make_escalation(session, agent.agent)
    client.patch(claim_url(escalation), headers=holder.headers)
    client.patch(
        f"/api/escalations/{escalation.id}/resolve", headers=holder.headers, json={"resolution": "done"}
    )

    by_other = client.patch(claim_url(escalation), headers=other.headers)
    by_holder = client.patch(claim_url(escalation), headers=holder.headers)

    assert by_other.status_code == 409, by_other.text
    assert by_holder.status_code == 409, by_holder.text
    session.refresh(escalation)
    assert escalation.status == "resolved"
    assert actions(session, escalation) == ["created", "assigned", "claimed", "resolved"]


def test_claiming_a_pending_escalation_sets_assigned_at(client, session):
    agent = make_agent(session)
    escalation = make_escalation(session, agent.agent)  # nobody active yet: pending
    assert escalation.status == "pending"
    reviewer = make_reviewer(session)

    response = client.patch(claim_url(escalation), headers=reviewer.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "claimed"
    assert body["assigned_to"] == str(reviewer.reviewer.id)
    assert body["assigned_at"] is not None
    assert body["assigned_at"] == body["claimed_at"]


def test_claiming_one_assigned_to_someone_else_takes_it_over(client, session):
    agent = make_agent(session)
    assignee, taker = make_reviewers(session, 2)
    escalation = make_escalation(session, agent.agent)
    assert escalation.assigned_to == assignee.reviewer.id

    response = client.patch(claim_url(escalation), headers=taker.headers)

    assert response.status_code == 200, response.text
    assert response.json()["assigned_to"] == str(taker.reviewer.id)
    claimed = session.exec(
        select(EscalationEvent).where(
            EscalationEvent.escalation_id == escalation.id, EscalationEvent.action == "claimed"
        )
    ).one()
    assert claimed.details == {"previously_assigned_to": str(assignee.reviewer.id)}
