"""Happy paths of every endpoint, against the live API."""

import uuid
from datetime import UTC, datetime, timedelta

from escalq.config import get_settings
from escalq.models import Escalation
from tests.factories import make_agent, make_escalation, make_reviewer

TIMESTAMPS = ("created_at", "assigned_at", "claimed_at", "resolved_at")


def assert_utc_iso(value: str) -> datetime:
    """An ISO-8601 timestamp explicitly in UTC, parsed."""
    assert value.endswith(("Z", "+00:00")), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(0)
    return parsed


def assert_recent(value: str) -> None:
    assert abs(datetime.now(UTC) - assert_utc_iso(value)) < timedelta(minutes=1)


def test_create_returns_the_whole_escalation(client, session):
    agent = make_agent(session, "billing-bot")
    reviewer = make_reviewer(session)
    body = {
        "issue_description": "  Refund of $2,400 exceeds my limit  ",
        "priority": "urgent",
        "context_data": {"order": "A-1", "amount": 2400, "lines": [1, 2], "nested": {"ok": True}},
        "webhook_url": "https://hooks.example.com/escalq?x=1",
    }

    response = client.post("/api/escalations", headers=agent.headers, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {
        "id",
        "source_agent",
        "issue_description",
        "priority",
        "context_data",
        "status",
        "assigned_to",
        "created_at",
        "assigned_at",
        "claimed_at",
        "resolved_at",
        "resolved_by",
        "resolution",
        "resolution_notes",
        "warranted",
        "webhook_url",
        "category",
        "bumped_at",
        "expires_at",
        "fallback",
        "dedupe_key",
        "repeat_count",
        "loop_suspected",
        "related_to",
        "info_question",
        "rule",
        "sampled",
        "duplicate",
        "pool",
    }
    assert created["source_agent"] == "billing-bot"
    assert created["issue_description"] == "Refund of $2,400 exceeds my limit"
    assert created["priority"] == "urgent"
    assert created["context_data"] == body["context_data"]
    assert created["webhook_url"] == "https://hooks.example.com/escalq?x=1"
    assert created["status"] == "assigned"
    assert (created["rule"], created["sampled"]) == (None, False)  # not opened by the decision gate
    assert created["assigned_to"] == str(reviewer.reviewer.id)
    assert_recent(created["created_at"])
    assert_recent(created["assigned_at"])
    assert created["claimed_at"] is None
    assert created["resolved_at"] is None
    assert created["resolved_by"] is None
    assert created["resolution"] is None
    assert created["resolution_notes"] is None
    assert created["warranted"] is None
    assert created["category"] is None  # categorization runs later, in a worker
    assert created["bumped_at"] is None
    # No expiry asked for: the urgent default deadline, counted from creation.
    expires_after = timedelta(minutes=get_settings().expire_urgent_after_min)
    assert assert_utc_iso(created["expires_at"]) - assert_utc_iso(created["created_at"]) == expires_after
    assert created["fallback"] is None
    assert created["dedupe_key"] is None
    assert created["repeat_count"] == 0
    assert created["loop_suspected"] is False
    assert created["related_to"] is None
    assert created["info_question"] is None
    assert created["duplicate"] is False
    assert created["pool"] == {"active_reviewers": 1, "on_call_now": False}

    stored = session.get(Escalation, uuid.UUID(created["id"]))
    assert stored is not None
    assert stored.source_agent == "billing-bot"
    assert stored.context_data == body["context_data"]


def test_create_without_optional_fields(client, session):
    agent = make_agent(session)

    response = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Is this ok?", "priority": "low"},
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["context_data"] == {}
    assert created["webhook_url"] is None


def test_get_one_returns_the_escalation_and_its_events(client, session):
    agent = make_agent(session)
    make_reviewer(session)
    escalation = make_escalation(session, agent.agent, context={"ticket": 7})

    response = client.get(f"/api/escalations/{escalation.id}", headers=agent.headers)

    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["id"] == str(escalation.id)
    assert detail["context_data"] == {"ticket": 7}
    assert detail["status"] == "assigned"
    assert [event["action"] for event in detail["events"]] == ["created", "assigned"]
    for event in detail["events"]:
        assert_utc_iso(event["at"])
    for field in TIMESTAMPS:
        if detail[field] is not None:
            assert_utc_iso(detail[field])


def test_list_returns_a_page(client, session):
    agent = make_agent(session)
    first = make_escalation(session, agent.agent, description="first")
    second = make_escalation(session, agent.agent, description="second")

    response = client.get("/api/escalations", headers=agent.headers)

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    # Newest first by default.
    assert [item["id"] for item in page["items"]] == [str(second.id), str(first.id)]
    assert_utc_iso(page["items"][0]["created_at"])


def test_claim_then_resolve(client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)

    claimed = client.patch(f"/api/escalations/{escalation.id}/claim", headers=reviewer.headers)

    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "claimed"
    assert claimed.json()["assigned_to"] == str(reviewer.reviewer.id)
    assert_recent(claimed.json()["claimed_at"])

    resolved = client.patch(
        f"/api/escalations/{escalation.id}/resolve",
        headers=reviewer.headers,
        json={"resolution": "approved", "resolution_notes": "Within policy"},
    )

    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "resolved"
    assert body["resolution"] == "approved"
    assert body["resolution_notes"] == "Within policy"
    assert body["resolved_by"] == str(reviewer.reviewer.id)
    assert_recent(body["resolved_at"])
    # The agent sees the decision when it asks.
    seen = client.get(f"/api/escalations/{escalation.id}", headers=agent.headers).json()
    assert seen["status"] == "resolved"
    assert seen["resolution"] == "approved"
    assert_utc_iso(seen["resolved_at"])


def test_docs_and_openapi_answer(client):
    docs = client.get("/api/docs")
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/escalations" in paths
    assert "/api/escalations/{escalation_id}/claim" in paths
    assert "/api/escalations/{escalation_id}/resolve" in paths
