"""GET /api/escalations/{id}/events: Server-Sent Events until a final status, resumable by Last-Event-ID."""

import httpx
import pytest

from escalq.config import get_settings
from tests.api.waiters import Stream, until, waiting_now
from tests.factories import make_agent, make_escalation, make_resolved_escalation, make_reviewer

DECISION = {"resolution": "rejected", "resolution_notes": "Over budget"}


def test_stream_sends_the_state_then_each_change_and_ends_when_resolved(api_url, client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    url = f"{api_url}/api/escalations/{escalation.id}"
    stream = Stream(f"{url}/events", agent.headers)
    until(lambda: len(stream.events) == 1 and waiting_now() == 1)

    client.patch(f"{url}/claim", headers=reviewer.headers)
    client.patch(f"{url}/resolve", headers=reviewer.headers, json=DECISION)

    assert stream.ended.wait(10)
    assert stream.status_code == 200
    assert stream.statuses()[0] == "assigned"
    assert stream.statuses()[-1] == "resolved"
    assert set(stream.statuses()) <= {"assigned", "claimed", "resolved"}
    final = stream.events[-1]
    assert final.data["resolution"] == "rejected"
    assert final.data["events"][-1]["action"] == "resolved"
    assert final.id == str(final.data["events"][-1]["id"])
    ids = [int(item.id) for item in stream.events]
    assert ids == sorted(set(ids))


def test_last_event_id_skips_what_was_seen(api_url, client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    url = f"{api_url}/api/escalations/{escalation.id}"
    seen = client.get(url, headers=agent.headers).json()["events"][-1]["id"]
    stream = Stream(f"{url}/events", {**agent.headers, "Last-Event-ID": str(seen)})
    until(lambda: waiting_now() == 1)
    assert stream.events == []

    client.patch(f"{url}/resolve", headers=reviewer.headers, json=DECISION)

    assert stream.ended.wait(10)
    assert stream.statuses() == ["resolved"]


def test_a_resolved_escalation_seen_to_the_end_ends_at_once(api_url, client, session):
    agent = make_agent(session)
    admin = make_reviewer(session, "admin@example.com", role="admin")
    escalation = make_resolved_escalation(session, agent.agent, admin.reviewer)
    url = f"{api_url}/api/escalations/{escalation.id}"
    last = client.get(url, headers=agent.headers).json()["events"][-1]["id"]

    fresh = Stream(f"{url}/events", agent.headers)
    resumed = Stream(f"{url}/events", {**agent.headers, "Last-Event-ID": str(last)})

    assert fresh.ended.wait(10) and resumed.ended.wait(10)
    assert fresh.statuses() == ["resolved"]
    assert resumed.events == []


@pytest.fixture
def quick_heartbeat(monkeypatch):
    monkeypatch.setenv("ESCALQ_SSE_HEARTBEAT_S", "0.2")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_heartbeat_comments_while_nothing_happens(api_url, client, session, quick_heartbeat):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    url = f"{api_url}/api/escalations/{escalation.id}"
    stream = Stream(f"{url}/events", agent.headers)

    until(lambda: sum(item.comment == "heartbeat" for item in stream.events) >= 2)

    client.patch(f"{url}/resolve", headers=reviewer.headers, json=DECISION)
    assert stream.ended.wait(10)
    assert stream.statuses() == ["assigned", "resolved"]


def test_another_agents_stream_is_not_found(client, session):
    mine = make_agent(session, "agent-a")
    theirs = make_agent(session, "agent-b")
    escalation = make_escalation(session, theirs.agent)

    response = client.get(f"/api/escalations/{escalation.id}/events", headers=mine.headers)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_stream_needs_a_key(client, session):
    agent = make_agent(session)
    escalation = make_escalation(session, agent.agent)

    response = client.get(f"/api/escalations/{escalation.id}/events")

    assert response.status_code == 401


def test_a_client_that_hangs_up_stops_waiting(api_url, session):
    agent = make_agent(session)
    make_reviewer(session)
    escalation = make_escalation(session, agent.agent)

    with httpx.stream(
        "GET", f"{api_url}/api/escalations/{escalation.id}/events", headers=agent.headers, timeout=10
    ) as response:
        lines = response.iter_lines()
        assert next(lines) == "event: status"
        until(lambda: waiting_now() == 1)

    until(lambda: waiting_now() == 0)
