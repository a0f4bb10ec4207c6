"""Who may call what: keys, roles and agent isolation."""

import uuid

import pytest
from sqlalchemy import func
from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Escalation, Role
from escalq.services import offboarding
from tests.factories import make_agent, make_escalation, make_reviewer

NEW = {"issue_description": "Refund?", "priority": "high"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def escalation_count(session) -> int:
    return session.exec(select(func.count()).select_from(Escalation)).one()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/escalations"),
        ("GET", "/api/escalations"),
        ("GET", f"/api/escalations/{uuid.uuid4()}"),
        ("PATCH", f"/api/escalations/{uuid.uuid4()}/claim"),
        ("PATCH", f"/api/escalations/{uuid.uuid4()}/resolve"),
    ],
)
def test_no_key_is_401_problem(client, method, path):
    response = client.request(method, path, json=NEW if method == "POST" else {"resolution": "ok"})

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer esq_not-a-real-key"},
        {"X-API-Key": "nonsense"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_bad_key_is_401(client, session, headers):
    make_agent(session)

    assert_problem(client.get("/api/escalations", headers=headers), 401)


def test_key_with_a_known_prefix_but_wrong_secret_is_401(client, session):
    agent = make_agent(session)
    forged = agent.api_key[:-4] + ("AAAA" if not agent.api_key.endswith("AAAA") else "BBBB")

    response = client.post("/api/escalations", headers={"X-API-Key": forged}, json=NEW)

    assert_problem(response, 401)
    assert escalation_count(session) == 0


def test_disabled_agent_key_is_401(client, session):
    agent = make_agent(session, disabled=True)

    response = client.post("/api/escalations", headers=agent.headers, json=NEW)

    assert_problem(response, 401)
    assert escalation_count(session) == 0


def test_a_disabled_reviewers_key_is_401_at_once_and_works_again_when_enabled(client, session):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    leaver = make_reviewer(session, "leaver@example.com")
    escalation = make_escalation(session, make_agent(session).agent)
    assert client.get(f"/api/escalations/{escalation.id}", headers=leaver.headers).status_code == 200

    offboarding.disable(session=session, reviewer_id=leaver.reviewer.id, by=admin, now=utc_now())
    session.commit()

    for response in (
        client.get(f"/api/escalations/{escalation.id}", headers=leaver.headers),
        client.patch(f"/api/escalations/{escalation.id}/claim", headers={"X-API-Key": leaver.api_key}),
    ):
        assert "disabled" in assert_problem(response, 401)["detail"]
    offboarding.enable(session=session, reviewer_id=leaver.reviewer.id, by=admin, now=utc_now())
    session.commit()
    assert client.get(f"/api/escalations/{escalation.id}", headers=leaver.headers).status_code == 200


def test_bearer_and_x_api_key_are_both_accepted(client, session):
    agent = make_agent(session)

    by_bearer = client.post(
        "/api/escalations",
        headers={"Authorization": f"Bearer {agent.api_key}"},
        json={**NEW, "issue_description": "Refund for order 1?"},
    )
    by_header = client.post(
        "/api/escalations",
        headers={"X-API-Key": agent.api_key},
        json={**NEW, "issue_description": "Refund for order 2?"},
    )

    assert by_bearer.status_code == 201, by_bearer.text
    assert by_header.status_code == 201, by_header.text
    assert escalation_count(session) == 2


@pytest.mark.parametrize(
    ("action", "body"), [("claim", None), ("resolve", {"resolution": "approved", "resolution_notes": ""})]
)
def test_agent_key_cannot_claim_or_resolve(client, session, action, body):
    agent = make_agent(session)
    make_reviewer(session)
    escalation = make_escalation(session, agent.agent)

    response = client.patch(f"/api/escalations/{escalation.id}/{action}", headers=agent.headers, json=body)

    assert_problem(response, 403)
    session.refresh(escalation)
    assert escalation.status == "assigned"


def test_reviewer_key_cannot_create(client, session):
    make_agent(session)
    reviewer = make_reviewer(session)

    response = client.post("/api/escalations", headers=reviewer.headers, json=NEW)

    assert_problem(response, 403)
    assert escalation_count(session) == 0


def test_agent_cannot_see_another_agents_escalation(client, session):
    agent_a = make_agent(session, "agent-a")
    agent_b = make_agent(session, "agent-b")
    theirs = make_escalation(session, agent_a.agent)

    response = client.get(f"/api/escalations/{theirs.id}", headers=agent_b.headers)

    # 404, not 403: B may not even learn that the escalation exists.
    assert_problem(response, 404)
    assert client.get(f"/api/escalations/{theirs.id}", headers=agent_a.headers).status_code == 200


def test_agent_lists_only_its_own_escalations(client, session):
    agent_a = make_agent(session, "agent-a")
    agent_b = make_agent(session, "agent-b")
    make_escalation(session, agent_a.agent)
    mine = make_escalation(session, agent_b.agent)
    reviewer = make_reviewer(session)

    listed = client.get("/api/escalations", headers=agent_b.headers).json()["items"]
    named = client.get("/api/escalations", headers=agent_b.headers, params={"source_agent": "agent-b"})

    assert [item["id"] for item in listed] == [str(mine.id)]
    assert named.status_code == 200
    assert [item["id"] for item in named.json()["items"]] == [str(mine.id)]
    # Reviewers see everyone's.
    assert len(client.get("/api/escalations", headers=reviewer.headers).json()["items"]) == 2


def test_agent_listing_another_agent_is_403(client, session):
    agent_a = make_agent(session, "agent-a")
    agent_b = make_agent(session, "agent-b")
    make_escalation(session, agent_a.agent)

    response = client.get("/api/escalations", headers=agent_b.headers, params={"source_agent": "agent-a"})

    assert_problem(response, 403)


def test_body_naming_another_source_agent_is_403_and_writes_nothing(client, session):
    agent = make_agent(session, "agent-a")
    make_agent(session, "agent-b")

    response = client.post("/api/escalations", headers=agent.headers, json={**NEW, "source_agent": "agent-b"})

    assert_problem(response, 403)
    assert escalation_count(session) == 0


def test_body_naming_its_own_source_agent_is_accepted(client, session):
    agent = make_agent(session, "agent-a")

    response = client.post("/api/escalations", headers=agent.headers, json={**NEW, "source_agent": "agent-a"})

    assert response.status_code == 201, response.text
    assert response.json()["source_agent"] == "agent-a"
