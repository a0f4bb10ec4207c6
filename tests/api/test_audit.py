"""Every status change leaves an event, in order, with who did it."""

from datetime import datetime
from itertools import pairwise

from escalq.models import Role
from tests.factories import make_agent, make_reviewer


def events_of(client, escalation_id, headers) -> list[dict]:
    response = client.get(f"/api/escalations/{escalation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["events"]


def assert_chained(events: list[dict], final_status: str) -> None:
    """Each event starts where the previous one ended; the last ends at the current status."""
    assert events[0]["from_status"] is None
    for before, after in pairwise(events):
        assert after["from_status"] == before["to_status"]
        assert datetime.fromisoformat(after["at"]) >= datetime.fromisoformat(before["at"])
        assert after["id"] > before["id"]
    assert events[-1]["to_status"] == final_status


def test_full_life_is_audited(client, session):
    agent = make_agent(session, "billing-bot")
    reviewer = make_reviewer(session, "riley@example.com")
    created = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "Refund?", "priority": "high"}
    ).json()
    client.patch(f"/api/escalations/{created['id']}/claim", headers=reviewer.headers)
    client.patch(
        f"/api/escalations/{created['id']}/resolve", headers=reviewer.headers, json={"resolution": "approved"}
    )

    events = events_of(client, created["id"], agent.headers)

    summary = [
        (e["action"], e["from_status"], e["to_status"], e["actor_kind"], e["actor_id"], e["actor_name"])
        for e in events
    ]
    reviewer_id = str(reviewer.reviewer.id)
    assert summary == [
        ("created", None, "pending", "agent", str(agent.agent.id), "billing-bot"),
        ("assigned", "pending", "assigned", "system", None, "escalq"),
        ("claimed", "assigned", "claimed", "reviewer", reviewer_id, "Riley"),
        ("resolved", "claimed", "resolved", "reviewer", reviewer_id, "Riley"),
    ]
    assert events[1]["details"]["assigned_to"] == reviewer_id
    assert events[3]["details"]["resolution"] == "approved"
    assert_chained(events, "resolved")


def test_pending_claimed_and_resolved_by_a_manager(client, session):
    agent = make_agent(session)
    created = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "Refund?", "priority": "low"}
    ).json()
    manager = make_reviewer(session, "max@example.com", role=Role.manager)
    client.patch(f"/api/escalations/{created['id']}/claim", headers=manager.headers)
    client.patch(
        f"/api/escalations/{created['id']}/resolve", headers=manager.headers, json={"resolution": "no"}
    )

    events = events_of(client, created["id"], manager.headers)

    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("created", None, "pending"),
        ("claimed", "pending", "claimed"),
        ("resolved", "claimed", "resolved"),
    ]
    assert_chained(events, "resolved")


def test_refused_changes_leave_no_event(client, session):
    agent = make_agent(session)
    holder = make_reviewer(session, "holder@example.com")
    other = make_reviewer(session, "other@example.com", active=False)
    created = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "Refund?", "priority": "low"}
    ).json()
    client.patch(f"/api/escalations/{created['id']}/claim", headers=holder.headers)

    refused = [
        client.patch(f"/api/escalations/{created['id']}/claim", headers=other.headers),
        client.patch(
            f"/api/escalations/{created['id']}/resolve", headers=other.headers, json={"resolution": "x"}
        ),
        client.patch(f"/api/escalations/{created['id']}/claim", headers=agent.headers),
    ]

    assert [response.status_code for response in refused] == [409, 403, 403]
    events = events_of(client, created["id"], holder.headers)
    assert [e["action"] for e in events] == ["created", "assigned", "claimed"]
