"""POST /api/escalations holds context_data to the agent's schema: 422 naming each place, as other 422s."""

from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Escalation
from escalq.services import contract
from tests.factories import make_agent

SCHEMA = {
    "type": "object",
    "required": ["order"],
    "properties": {"order": {"type": "object", "properties": {"total": {"type": "number", "minimum": 0}}}},
}


def test_a_nonconforming_context_is_a_422_problem_naming_each_place(client, session):
    agent = make_agent(session)
    contract.set_schema(session=session, agent_id=agent.agent.id, schema=SCHEMA, by=None, now=utc_now())
    session.commit()

    response = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund?", "priority": "high", "context_data": {"order": {"total": -5}}},
    )
    missing = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund?", "priority": "high", "context_data": {}},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank" and body["title"] == "Unprocessable Entity" and body["status"] == 422
    assert body["errors"] == [
        {
            "field": "body.context_data.order.total",
            "message": "-5 is less than the minimum of 0",
            "type": "schema.minimum",
        }
    ]
    assert body["detail"].startswith("context_data does not follow the context schema of agent agent-a: ")
    assert "body.context_data.order.total: -5 is less than the minimum of 0" in body["detail"]
    assert missing.status_code == 422
    assert [(e["field"], e["type"]) for e in missing.json()["errors"]] == [
        ("body.context_data", "schema.required")
    ]
    assert session.exec(select(Escalation)).first() is None


def test_a_conforming_context_is_created(client, session):
    agent = make_agent(session)
    contract.set_schema(session=session, agent_id=agent.agent.id, schema=SCHEMA, by=None, now=utc_now())
    session.commit()

    response = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund?", "priority": "high", "context_data": {"order": {"total": 5}}},
    )

    assert response.status_code == 201, response.text
    assert response.json()["context_data"] == {"order": {"total": 5}}


def test_the_schema_of_one_agent_does_not_bind_another(client, session):
    strict = make_agent(session, "strict-bot")
    free = make_agent(session, "free-bot")
    contract.set_schema(session=session, agent_id=strict.agent.id, schema=SCHEMA, by=None, now=utc_now())
    session.commit()

    response = client.post(
        "/api/escalations",
        headers=free.headers,
        json={"issue_description": "Refund?", "priority": "high", "context_data": {"x": 1}},
    )

    assert response.status_code == 201, response.text
