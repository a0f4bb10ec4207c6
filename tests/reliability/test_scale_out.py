"""Two of every process on one PostgreSQL and one Redis, as docs/deploy.md lays production out.

Two Reflex production backends (`reflex run --env prod --backend-only`, dashboards' state in Redis
through REFLEX_REDIS_URL), two `escalq worker`s and a scheduler: a dashboard open on backend 1 is told
of an escalation created through backend 2, round-robin stays fair whichever backend takes the create,
and every task runs once.
"""

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import select

from escalq.db import new_session
from escalq.models import Escalation
from tests.browser.server import RunningApp, start_backend
from tests.factories import PASSWORD
from tests.reliability.plumbing import tally, unfinished, wait_until
from tests.web.handlers import found_named
from tests.web.tab import Tab

pytestmark = pytest.mark.reliability
QUEUE_LOAD = found_named("QueueState", "load").event_name
REVIEWERS = 3
ESCALATIONS = 30


@pytest.fixture
def system(stack):
    """Three active reviewers; a lease longer than the test, so no sweep re-queues a waiting task."""
    system = stack(reviewers=REVIEWERS, ESCALQ_TASK_LEASE_S="120")
    system.env.set(REFLEX_REDIS_URL=system.redis_server.url)
    return system


@pytest.fixture
def backends(system, database_url, tmp_path) -> Iterator[list[RunningApp]]:
    started: list[RunningApp] = []
    try:
        for number in (1, 2):
            work_dir = tmp_path / f"backend-{number}"
            work_dir.mkdir()
            started.append(
                start_backend(database_url=database_url, redis_url=system.redis_server.url, work_dir=work_dir)
            )
        yield started
    finally:
        for backend in started:
            backend.stop()


def test_two_backends_and_two_workers_on_one_postgres_and_one_redis(system, backends):
    one, two = backends
    system.start_background(workers=2)
    tab = Tab(one.url)
    try:
        tab.sign_in(system.reviewers[0].reviewer.email, PASSWORD)
        tab.send(QUEUE_LOAD, {}, "/")
        tab.wait_until(lambda: "_call_script" in tab.text(), what="the queue loaded on backend 1")
        seen = len(tab.updates)

        description = "Refund of 180 EUR for order B-2211, created through backend 2"
        began = time.monotonic()
        created = httpx.post(
            f"{two.url}/api/escalations",
            headers=system.agent.headers,
            json={"issue_description": description, "priority": "low", "webhook_url": system.receiver.url},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        tab.wait_until(lambda: description in tab.text_since(seen), what="backend 1's dashboard to show it")
        shown_after_s = time.monotonic() - began
    finally:
        tab.close()

    traffic = system.traffic(ESCALATIONS, threads=2, base_urls=[one.url, two.url])
    traffic.start().join()
    wait_until(lambda: unfinished() == 0, what="every task done")
    result = system.report(
        tally(scenario="scale-out", traffic=traffic, receiver=system.receiver, redis=system.redis)
    )
    system.note(
        f"[scale-out] backend 1's dashboard showed backend 2's new escalation {shown_after_s:.2f} s "
        "after its create was sent"
    )

    with new_session() as session:
        assigned = Counter(session.exec(select(Escalation.assigned_to)).all())
    total = ESCALATIONS + 1
    assert sum(assigned.values()) == total and None not in assigned
    assert set(assigned.values()) <= {total // REVIEWERS, -(-total // REVIEWERS)}, assigned
    system.note(f"[scale-out] assigned per reviewer: {sorted(assigned.values())}")
    assert result.resolved == result.delivered == ESCALATIONS
    assert result.lost == result.duplicates == 0
    assert result.attempts == Counter({1: result.tasks}), "every task was attempted once"
    # A copy (a second run of a task's job that finds it done) still happens: the sweep can queue a task
    # between the commit that records it and the request queueing it (see the tally's copies).
    assert result.max_runs <= 2
