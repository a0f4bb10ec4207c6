"""POST /api/evaluate: the decision gate over HTTP, its record, and the escalation it opens on request."""

import uuid

import pytest
from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Escalation, Evaluation, Priority, Verdict
from escalq.schemas.policy import PolicyDocument
from escalq.services import contract
from tests.factories import make_agent, make_reviewer, use_policy

DECISION_KEYS = {
    "evaluation_id",
    "decision",
    "priority",
    "rule",
    "policy_version",
    "reason",
    "sampled",
    "escalation",
}


def _sampling_everything() -> dict:
    document = PolicyDocument().model_dump(mode="json")
    document["gate"]["sampling_share"] = 1
    return document


def test_continue_is_answered_and_recorded_with_the_signals(client, session):
    agent = make_agent(session)

    response = client.post(
        "/api/evaluate",
        headers=agent.headers,
        json={
            "confidence": 0.92,
            "latency_ms": 1200,
            "amount": 40,
            "flags": ["refund"],
            "context_data": {"a": 1},
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == DECISION_KEYS
    assert (body["decision"], body["priority"], body["rule"], body["sampled"], body["escalation"]) == (
        "continue",
        None,
        None,
        False,
        None,
    )
    assert body["policy_version"] == 1
    row = session.get(Evaluation, body["evaluation_id"])
    assert row is not None
    assert (row.agent_id, row.decision, row.rule, row.policy_version, row.escalation_id) == (
        agent.agent.id,
        Verdict.continue_,
        None,
        1,
        None,
    )
    assert row.signals == {"confidence": 0.92, "latency_ms": 1200, "amount": 40, "flags": ["refund"]}


def test_escalate_names_the_rule_its_priority_and_reason_and_opens_nothing(client, session):
    agent = make_agent(session)

    body = client.post(
        "/api/evaluate", headers=agent.headers, json={"confidence": 0.95, "flags": ["irreversible"]}
    ).json()

    assert (body["decision"], body["priority"], body["rule"], body["reason"]) == (
        "escalate",
        "urgent",
        "irreversible",
        "The action cannot be undone",
    )
    assert session.exec(select(Escalation)).all() == []


def test_create_opens_the_escalation_stamped_with_rule_sampling_and_version(client, session):
    agent = make_agent(session)
    make_reviewer(session)
    version = use_policy(session, PolicyDocument().model_dump(mode="json"))

    response = client.post(
        "/api/evaluate",
        headers=agent.headers,
        json={
            "confidence": 0.2,
            "create": True,
            "issue_description": "Refund of $900, I am unsure",
            "context_data": {"order": "A-1"},
            "fallback": "refuse",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["decision"], body["rule"], body["priority"], body["policy_version"]) == (
        "escalate",
        "low-confidence",
        "high",
        version,
    )
    opened = body["escalation"]
    assert (opened["priority"], opened["rule"], opened["sampled"], opened["duplicate"]) == (
        "high",
        "low-confidence",
        False,
        False,
    )
    assert (opened["status"], opened["fallback"], opened["context_data"]) == (
        "assigned",
        "refuse",
        {"order": "A-1"},
    )
    stored = session.get(Escalation, uuid.UUID(opened["id"]))
    assert (stored.rule, stored.sampled, stored.policy_version) == ("low-confidence", False, version)
    assert session.get(Evaluation, body["evaluation_id"]).escalation_id == stored.id


def test_create_on_continue_opens_nothing(client, session):
    agent = make_agent(session)

    response = client.post(
        "/api/evaluate",
        headers=agent.headers,
        json={"confidence": 0.9, "create": True, "issue_description": "Fine?"},
    )

    assert (response.status_code, response.json()["escalation"]) == (200, None)
    assert session.exec(select(Escalation)).all() == []


def test_a_sampled_continue_opens_an_escalation_marked_sampled(client, session):
    agent = make_agent(session)
    use_policy(session, _sampling_everything())

    body = client.post(
        "/api/evaluate",
        headers=agent.headers,
        json={"confidence": 0.9, "create": True, "issue_description": "Routine refund"},
    ).json()

    assert (body["decision"], body["rule"], body["sampled"], body["priority"]) == (
        "escalate",
        None,
        True,
        "low",
    )
    stored = session.get(Escalation, uuid.UUID(body["escalation"]["id"]))
    assert (stored.rule, stored.sampled, stored.priority) == (None, True, Priority.low)


def test_a_repeat_is_folded_into_the_open_escalation(client, session):
    agent = make_agent(session)
    request = {"confidence": 0.1, "create": True, "issue_description": "Same refund question"}

    first = client.post("/api/evaluate", headers=agent.headers, json=request)
    second = client.post("/api/evaluate", headers=agent.headers, json=request)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["escalation"]["duplicate"] is True
    assert second.json()["escalation"]["id"] == first.json()["escalation"]["id"]
    assert len(session.exec(select(Evaluation)).all()) == 2


def test_an_idempotency_key_replays_the_first_answer(client, session):
    agent = make_agent(session)
    use_policy(session, _sampling_everything())
    headers = {**agent.headers, "Idempotency-Key": "eval-1"}
    request = {"confidence": 0.9, "create": True, "issue_description": "Sampled once"}

    first = client.post("/api/evaluate", headers=headers, json=request)
    again = client.post("/api/evaluate", headers=headers, json=request)
    other = client.post("/api/evaluate", headers=headers, json={**request, "confidence": 0.8})

    assert (first.status_code, again.status_code, again.headers["idempotent-replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert len(session.exec(select(Evaluation)).all()) == 1
    assert other.status_code == 409


def test_create_without_a_description_is_a_422_naming_it(client, session):
    agent = make_agent(session)

    response = client.post("/api/evaluate", headers=agent.headers, json={"confidence": 0.1, "create": True})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["body.issue_description"]
    assert session.exec(select(Evaluation)).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"confidence": 1.5}, "body.confidence"),
        ({"data_completeness": -0.1}, "body.data_completeness"),
        ({"latency_ms": -1}, "body.latency_ms"),
        ({"amount": "lots"}, "body.amount"),
        ({"flags": ["x" * 65]}, "body.flags.0"),
        ({"flags": [" "]}, "body.flags.0"),
        ({"flags": [f"f{n}" for n in range(33)]}, "body.flags"),
        ({"signal": 1}, "body.signal"),
        ({"create": True, "issue_description": "x", "expires_in": 0}, "body.expires_in"),
    ],
)
def test_bad_signals_are_422_naming_the_field(client, session, body, field):
    agent = make_agent(session)

    response = client.post("/api/evaluate", headers=agent.headers, json=body)

    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_the_context_contract_binds_an_escalation_it_opens(client, session):
    agent = make_agent(session)
    schema = {"type": "object", "required": ["order"]}
    contract.set_schema(session=session, agent_id=agent.agent.id, schema=schema, by=None, now=utc_now())
    session.commit()

    response = client.post(
        "/api/evaluate",
        headers=agent.headers,
        json={"confidence": 0.1, "create": True, "issue_description": "No order given", "context_data": {}},
    )

    assert response.status_code == 422
    assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [
        ("body.context_data", "schema.required")
    ]
    assert session.exec(select(Evaluation)).all() == []


def test_no_key_is_401_and_a_reviewer_key_403(client, session):
    reviewer = make_reviewer(session)

    missing = client.post("/api/evaluate", json={"confidence": 0.5})
    wrong = client.post("/api/evaluate", headers=reviewer.headers, json={"confidence": 0.5})

    assert (missing.status_code, missing.headers["content-type"]) == (401, "application/problem+json")
    assert (wrong.status_code, wrong.headers["content-type"]) == (403, "application/problem+json")
