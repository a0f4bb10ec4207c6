"""Round-robin assignment of new escalations over the active reviewers."""

import itertools
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from escalq.models import EscalationEvent
from tests.factories import make_agent, make_reviewer, make_reviewers

URL = "/api/escalations"
_cases = itertools.count(1)


def create(client, agent) -> dict:
    response = client.post(
        URL,
        headers=agent.headers,
        json={"issue_description": f"Help with case {next(_cases)}", "priority": "medium"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_sequential_creations_rotate_over_active_reviewers(client, session):
    agent = make_agent(session)
    pool = {str(r.reviewer.id) for r in make_reviewers(session, 3)}

    assignees = [create(client, agent)["assigned_to"] for _ in range(9)]

    assert set(assignees[:3]) == pool
    assert assignees[3:6] == assignees[:3]
    assert assignees[6:9] == assignees[:3]
    assert Counter(assignees) == dict.fromkeys(pool, 3)


def test_inactive_reviewers_are_skipped(client, session):
    agent = make_agent(session)
    active = make_reviewers(session, 2)
    idle = make_reviewer(session, "idle@example.com", active=False)

    assignees = [create(client, agent)["assigned_to"] for _ in range(6)]

    assert str(idle.reviewer.id) not in assignees
    assert Counter(assignees) == {str(r.reviewer.id): 3 for r in active}


def test_a_newly_active_reviewer_joins_the_rotation(client, session):
    agent = make_agent(session)
    first, second = make_reviewers(session, 2)
    create(client, agent)
    create(client, agent)
    late = make_reviewer(session, "late@example.com")

    assignees = [create(client, agent)["assigned_to"] for _ in range(3)]

    assert sorted(assignees) == sorted(str(r.reviewer.id) for r in (first, second, late))


def test_empty_pool_leaves_the_escalation_pending(client, session):
    agent = make_agent(session)
    make_reviewer(session, "idle@example.com", active=False)

    created = create(client, agent)

    assert created["status"] == "pending"
    assert created["assigned_to"] is None
    assert created["assigned_at"] is None
    actions = session.exec(
        select(EscalationEvent.action).where(EscalationEvent.escalation_id == uuid.UUID(created["id"]))
    ).all()
    assert actions == ["created"]


def test_concurrent_creations_are_spread_evenly(client, session):
    agent = make_agent(session)
    pool = make_reviewers(session, 4)
    make_reviewer(session, "idle@example.com", active=False)
    total = 30
    go = threading.Event()

    def create_when_released(_: int) -> dict:
        assert go.wait(timeout=30)
        return create(client, agent)

    with ThreadPoolExecutor(max_workers=12) as workers:
        futures = [workers.submit(create_when_released, n) for n in range(total)]
        go.set()
        created = [future.result() for future in futures]

    counts = Counter(item["assigned_to"] for item in created)
    assert set(counts) == {str(r.reviewer.id) for r in pool}
    # floor(30/4) = 7, ceil(30/4) = 8
    assert sorted(counts.values()) == [7, 7, 8, 8]
    assert len({item["id"] for item in created}) == total
