"""GET /api/escalations/{id}?wait= and Prefer: wait=N: an answer as soon as the status changes."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from escalq.api.waiting import preferred_wait
from escalq.config import get_settings
from tests.api.waiters import poll_in_background, until, waiting_now
from tests.factories import make_agent, make_escalation, make_resolved_escalation, make_reviewer

DECISION = {"resolution": "approved", "resolution_notes": "Within policy"}


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=4) as executor:
        yield executor


def test_wait_answers_when_resolved(api_url, client, session, pool):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    url = f"{api_url}/api/escalations/{escalation.id}"
    waiting = poll_in_background(pool, url, agent.headers, wait=30)
    until(lambda: waiting_now() == 1)

    resolved = client.patch(f"{url}/resolve", headers=reviewer.headers, json=DECISION)

    assert resolved.status_code == 200, resolved.text
    response, took = waiting.result(timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "resolved"
    assert response.json()["resolution"] == "approved"
    assert took < 10
    until(lambda: waiting_now() == 0)


def test_wait_answers_at_the_timeout_with_the_current_state(api_url, session, pool):
    agent = make_agent(session)
    make_reviewer(session)
    escalation = make_escalation(session, agent.agent)

    response, took = poll_in_background(
        pool, f"{api_url}/api/escalations/{escalation.id}", agent.headers, wait=1
    ).result(timeout=10)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "assigned"
    assert 1 <= took < 5


def test_a_change_that_keeps_the_status_does_not_answer(api_url, client, session, pool):
    agent = make_agent(session)
    make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    url = f"{api_url}/api/escalations/{escalation.id}"
    waiting = poll_in_background(pool, url, agent.headers, wait=2)
    until(lambda: waiting_now() == 1)

    added = client.post(f"{url}/context", headers=agent.headers, json={"context_data": {"order": 7}})

    assert added.status_code == 200, added.text
    response, took = waiting.result(timeout=10)
    assert response.json()["status"] == "assigned"
    assert response.json()["context_data"]["order"] == 7
    assert took >= 2


def test_a_final_status_answers_at_once(client, session):
    agent = make_agent(session)
    admin = make_reviewer(session, "admin@example.com", role="admin")
    escalation = make_resolved_escalation(session, agent.agent, admin.reviewer)

    response = client.get(f"/api/escalations/{escalation.id}", params={"wait": 55}, headers=agent.headers)

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert response.elapsed.total_seconds() < 5


@pytest.mark.parametrize("wait", ["0", "56", "-1", "soon"])
def test_a_wait_out_of_range_is_a_problem(client, session, wait):
    agent = make_agent(session)
    escalation = make_escalation(session, agent.agent)

    response = client.get(f"/api/escalations/{escalation.id}", params={"wait": wait}, headers=agent.headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "query.wait"


def test_prefer_wait_works_the_same_and_says_so(api_url, client, session, pool):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    url = f"{api_url}/api/escalations/{escalation.id}"
    waiting = poll_in_background(pool, url, {**agent.headers, "Prefer": "respond-async, wait=30"})
    until(lambda: waiting_now() == 1)

    client.patch(f"{url}/resolve", headers=reviewer.headers, json=DECISION)

    response, took = waiting.result(timeout=10)
    assert response.json()["status"] == "resolved"
    assert response.headers["Preference-Applied"] == "wait=30"
    assert took < 10


def test_prefer_wait_over_the_limit_is_capped(client, session):
    agent = make_agent(session)
    admin = make_reviewer(session, "admin@example.com", role="admin")
    escalation = make_resolved_escalation(session, agent.agent, admin.reviewer)

    response = client.get(
        f"/api/escalations/{escalation.id}", headers={**agent.headers, "Prefer": "wait=600"}
    )

    assert response.status_code == 200
    assert response.headers["Preference-Applied"] == "wait=55"


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("wait=10", 10),
        ("respond-async, wait=5", 5),
        ('WAIT="7"; x=1', 7),
        ("wait=0", None),
        ("wait=soon", None),
        ("handling=lenient", None),
        ("wait=1000", 55),
    ],
)
def test_prefer_header_parsing(header, seconds):
    assert preferred_wait(header) == seconds


def test_an_agent_cannot_wait_on_another_agents_escalation(client, session):
    mine = make_agent(session, "agent-a")
    theirs = make_agent(session, "agent-b")
    escalation = make_escalation(session, theirs.agent)

    response = client.get(f"/api/escalations/{escalation.id}", params={"wait": 30}, headers=mine.headers)

    assert response.status_code == 404
    assert response.elapsed.total_seconds() < 5
    assert waiting_now() == 0


@pytest.fixture
def one_wait_per_key(monkeypatch):
    monkeypatch.setenv("ESCALQ_MAX_WAITS_PER_KEY", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_key_may_hold_only_so_many_waits(api_url, client, session, pool, one_wait_per_key):
    agent = make_agent(session)
    other = make_agent(session, "agent-b")
    make_reviewer(session)
    mine, theirs = make_escalation(session, agent.agent), make_escalation(session, other.agent)
    first = poll_in_background(pool, f"{api_url}/api/escalations/{mine.id}", agent.headers, wait=2)
    until(lambda: waiting_now() == 1)

    second = client.get(f"/api/escalations/{mine.id}", params={"wait": 5}, headers=agent.headers)
    stream = client.get(f"/api/escalations/{mine.id}/events", headers=agent.headers)
    plain = client.get(f"/api/escalations/{mine.id}", headers=agent.headers)
    another_key = client.get(f"/api/escalations/{theirs.id}", params={"wait": 1}, headers=other.headers)

    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    assert second.headers["content-type"] == "application/problem+json"
    assert stream.status_code == 429
    assert plain.status_code == 200 and another_key.status_code == 200
    assert first.result(timeout=10)[0].status_code == 200
    again = client.get(f"/api/escalations/{mine.id}", params={"wait": 1}, headers=agent.headers)
    assert again.status_code == 200
