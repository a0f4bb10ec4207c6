"""Faults under traffic, with escalq's real processes: nothing lost, no restart, duplicates only by id.

Each scenario starts a Redis of its own, an `escalq worker` and an `escalq scheduler` on it, and drives
the API while the fault happens; then it waits (polling, with a deadline) until every task is done and
prints its tally. Settings are seconds where production has minutes (plumbing.FAST).
"""

import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from escalq.clock import utc_now
from escalq.db import new_session
from escalq.models import Escalation
from tests.background.receivers import Answer
from tests.reliability.plumbing import PERIODIC, SCHEDULED, Tally, Traffic, tally, unfinished, wait_until

pytestmark = pytest.mark.reliability


def settle(
    stack, traffic: Traffic, *, scenario: str, since: float, recovered_s: float | None = None
) -> Tally:
    """Wait for the traffic and every task it caused, then count; `since` is when the fault ended, and
    recovery took until everything was done, unless the test measured it (`recovered_s`)."""
    traffic.join()
    wait_until(lambda: unfinished() == 0, what="every task done or given up")
    if recovered_s is None:
        recovered_s = time.monotonic() - since
    return stack.report(
        tally(
            scenario=scenario,
            traffic=traffic,
            receiver=stack.receiver,
            redis=stack.redis,
            recovered_s=recovered_s,
        )
    )


def assert_nothing_lost(result: Tally, traffic: Traffic, *, max_runs: int) -> None:
    assert result.lost == 0
    assert result.mixed_ids == 0, "a repeated delivery must carry the webhook-id of the first"
    assert result.max_runs <= max_runs, f"a task ran {result.max_runs} times"
    with new_session() as session:
        rows = Counter(session.exec(select(Escalation.issue_description)).all())
    assert {rows[description] for description in traffic.created} == {1}, "each 201 is exactly one row"


def no_server_errors(answers: Counter[str]) -> list[str]:
    return [kind for kind in answers if not kind.split()[1].startswith(("2", "4"))]


def test_redis_stopped_under_traffic_worker_and_scheduler_carry_on(stack):
    """A persistent Redis (production's) stopped for a few seconds while agents create and the reviewer
    resolves: the API keeps answering, the worker and the scheduler wait and resume."""
    system = stack(persistent=True)
    (worker,), scheduler = system.start_background()
    traffic = system.traffic(100).start()
    wait_until(lambda: traffic.answered() >= 30, what="30 creates before the outage")

    traffic.phase = "during"
    system.redis_server.stop()
    wait_until(lambda: traffic.answered() >= 60, what="30 creates while Redis is down")
    for process in (worker, scheduler):  # down until both met it: the scheduler looks once a second
        wait_until(lambda p=process: "Redis unreachable" in p.tail(10_000), what=f"{process.name} to notice")
    system.redis_server.start()
    traffic.phase, back, back_at = "after", time.monotonic(), utc_now()
    recovered_s = wait_until(
        lambda: unfinished(created_before=back_at) == 0, what="the work recorded before Redis came back done"
    )
    result = settle(system, traffic, scenario="redis stopped", since=back, recovered_s=recovered_s)

    system.fleet.check_alive()
    assert (worker.alive, scheduler.alive) == (True, True)
    assert result.resolved == 100
    assert_nothing_lost(result, traffic, max_runs=2)
    assert result.answers["during"]["create 201"] > 0
    assert no_server_errors(result.answers["during"]) == []
    for process in (worker, scheduler):
        # One line per outage, not per attempt; Redis answering a last command while it shuts down makes
        # a second one.
        said = [line for line in process.tail(10_000).splitlines() if "Redis unreachable" in line]
        assert 1 <= len(said) <= 2, f"{process.name} said {len(said)} times that Redis is unreachable"


def test_redis_flushed_with_300_undelivered_resolutions_all_are_delivered(stack):
    """FLUSHALL while 300 resolutions wait in the queue (both workers paused): the scheduler puts its
    periodic jobs back, the sweep re-queues from PostgreSQL, and every webhook goes out once."""
    system = stack()
    workers, _ = system.start_background(workers=2)
    for worker in workers:
        worker.pause()
    traffic = system.traffic(300).start()
    traffic.join()
    assert len(system.receiver.requests) <= 2, "a paused worker holds at most the job it was waiting for"

    traffic.phase = "after"
    system.redis.flushall()
    flushed = time.monotonic()
    for worker in workers:
        worker.resume()
    result = settle(system, traffic, scenario="redis flushed", since=flushed)

    system.fleet.check_alive()
    assert system.redis.zcard(SCHEDULED) == len(PERIODIC), "the schedule is back without a restart"
    assert result.resolved == result.delivered == 300
    assert_nothing_lost(result, traffic, max_runs=3)
    assert no_server_errors(result.answers["before"]) == []


def test_a_worker_killed_mid_delivery_is_replaced_and_the_retry_keeps_its_webhook_id(stack):
    """kill -9 of the worker while a slow receiver holds its delivery; a new worker takes the attempt over
    once its lease ends, and the receiver sees the same webhook-id again."""
    system = stack(ESCALQ_WEBHOOK_TIMEOUT_S="30", ESCALQ_TASK_LEASE_S="4")
    system.receiver.respond(Answer(hang=True))
    (worker,), scheduler = system.start_background()
    traffic = system.traffic(30, threads=2).start()
    assert system.receiver.wait_for(1, timeout=60), system.fleet.logs()

    traffic.phase = "during"
    worker.kill()
    killed = time.monotonic()
    system.receiver.release.set()
    replacement = system.fleet.start("worker")
    traffic.phase = "after"
    result = settle(system, traffic, scenario="worker killed", since=killed)

    assert (replacement.alive, scheduler.alive) == (True, True)
    assert result.resolved == 30
    assert result.duplicates >= 1, "the killed attempt reached the receiver, and so does its retry"
    assert_nothing_lost(result, traffic, max_runs=3)
    assert no_server_errors(result.answers["before"]) == []


def terminate_connections(database_url: str) -> int:
    """pg_terminate_backend for every connection to this run's database (only ours: its name is unique)."""
    name = make_url(database_url).database
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            killed = connection.execute(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
            return int(killed.scalar_one())
    finally:
        admin.dispose()


def test_postgres_connections_terminated_under_load_lose_nothing(stack, database_url):
    """Every connection of the API, the worker and the tests terminated three times under traffic: each
    201 is one row, and whatever committed (answered or not) gets its work done."""
    system = stack()
    system.start_background(workers=2)
    traffic = system.traffic(100).start()
    terminated = []
    for answered in (20, 40, 60):
        wait_until(lambda at=answered: traffic.answered() >= at, what=f"{answered} creates answered")
        traffic.phase = "during"
        terminated.append(terminate_connections(database_url))
    last = time.monotonic()
    traffic.phase = "after"
    result = settle(system, traffic, scenario="postgres connections terminated", since=last)
    system.note(f"[postgres connections terminated] connections terminated per round: {terminated}")

    system.fleet.check_alive()
    assert all(count > 0 for count in terminated)
    assert_nothing_lost(result, traffic, max_runs=3)
    statuses = {reply.status for reply in traffic.replies}
    assert statuses <= {"200", "201", "503"}, f"a database fault is 503, never 500: {statuses}"
