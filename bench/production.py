"""Production load: creates, claims and the worker, each beside a ceiling measured in this run.

Ceilings: pgbench running the same SQL transaction (creates, claims) on the same server and table,
RQ's no-op job on the same worker class (the worker), and one event's round trip on an open tab (the
live feed, bench/visible.py). Targets (issue 10): create at 8 connections at least 0.10x its pgbench
ceiling, p99 at most 100 ms at half that rate, 1 agent within 20% of 8 agents; at least 100 webhook
deliveries a second from one worker, at least half RQ's no-op job rate; resolve -> webhook received p95
at most 1 s at 20 resolutions a second; POST -> row visible p95 at most 300 ms with 50 open dashboards.
Load runs on loopback, bounded in time.
"""

import os
import statistics
import time

import httpx
from sqlalchemy import func
from sqlmodel import col, select

from bench import claim, create, visible, worker
from bench.load import Run, paced
from bench.server import SERVER, serve_backend
from bench.table import Part, Row
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.db import new_session
from escalq.models import Escalation
from escalq.services import people
from escalq.services.outbound import configured

SECTIONS = ("create", "claim", "worker", "visible")
WORKER_JOBS = 500
RESOLVE_RATE = 20.0
WARM_UP_S = 2.0  # creates before the measured ones, so that every backend process has its statements ready
SETTLED_S = 0.5  # no new row for this long: the requests wrk left in flight are done


def run(*, database_url: str, sections: set[str], seconds: float) -> Part:
    """Every asked-for section's rows, in order."""
    os.environ["ESCALQ_ALLOW_PRIVATE_WEBHOOKS"] = "true"  # the webhook receivers listen on 127.0.0.1
    get_settings.cache_clear()
    configured.cache_clear()
    now = utc_now()
    with new_session() as session:
        fleet = create.make_fleet(session=session, now=now)
        people.create_reviewer(
            session=session,
            email="bench-manager@bench.example",
            display_name="Bench manager",
            password="bench-password-not-secret",
            role=people.Role.manager,
            active=False,
            now=now,
        )
        manager_key = people.issue_reviewer_key(
            session=session, email="bench-manager@bench.example", now=now
        )[1]
        session.commit()
    rows: list[Row] = []
    with serve_backend() as backend:
        base_url = backend.url
        if "create" in sections:
            rows += _creates(database_url=database_url, base_url=base_url, keys=fleet.keys, seconds=seconds)
        if "claim" in sections:
            rows += _claims(database_url=database_url, base_url=base_url, seconds=seconds)
        if "worker" in sections:
            rows += _worker(base_url=base_url, agent_key=fleet.keys[0], manager_key=manager_key)
        if "visible" in sections:
            rows += _visible(base_url=base_url, agent_key=fleet.keys[1])
    note = (
        f"app: {SERVER}: {backend.workers} Granian worker processes running"
        f" (Reflex asks for 2 x {os.cpu_count()} CPUs + 1); worker: escalq worker"
    )
    return Part(rows=rows, notes=[note])


def _api_rows() -> int:
    """Rows made by wrk's creates once those still in flight are in: a run's own are an after - before."""
    query = (
        select(func.count()).select_from(Escalation).where(col(Escalation.issue_description).like("bench %"))
    )
    last = -1
    while True:
        with new_session() as session:
            found = int(session.exec(query).one())
        if found == last:
            return found
        last = found
        time.sleep(SETTLED_S)


def _creates(*, database_url: str, base_url: str, keys: list[str], seconds: float) -> list[Row]:
    ceilings = {c: create.ceiling(database_url=database_url, clients=c, seconds=seconds) for c in (8, 32)}
    rows = []
    runs: dict[tuple[int, int], Run] = {}
    # Spread over as many connections as any run, so that every process gets some; its rows land before
    # the first run's count is taken, so they are in no figure.
    create.create_load(base_url=base_url, keys=keys, connections=max(ceilings), seconds=WARM_UP_S)
    for connections, agents in ((8, 8), (32, 8), (8, 1)):
        before = _api_rows()
        result = create.create_load(
            base_url=base_url, keys=keys[:agents], connections=connections, seconds=seconds
        )
        made = _api_rows() - before
        runs[connections, agents] = result
        ratio = result.per_s / ceilings[connections]
        goal = connections == 8 and agents == 8
        rows.append(
            Row(
                name=f"create, {connections} connections, {agents} agent{'s' if agents > 1 else ''}",
                value=f"{result.per_s:,.0f}/s  p50 {result.p50_ms:.0f} p95 {result.p95_ms:.0f} "
                f"p99 {result.p99_ms:.0f} ms  errors {result.errors}  "
                f"rows {made:,}, 201s {result.count(201):,}",
                ceiling=f"pgbench {ceilings[connections]:,.0f}/s",
                ratio=ratio,
                target=">= 0.10x" if goal else "",
                # Rows may exceed the 201s wrk counted: it stops counting with requests still in flight.
                met=(ratio >= 0.10 and made >= result.count(201)) if goal else None,
            )
        )
    one, eight = runs[8, 1].per_s, runs[8, 8].per_s
    rows.append(
        Row(
            name="create, 1 agent vs 8 agents (8 connections)",
            value=f"{one:,.0f}/s vs {eight:,.0f}/s",
            ceiling="",
            ratio=one / eight if eight else 0.0,
            target="within 20%",
            met=abs(one - eight) <= 0.2 * eight,
        )
    )
    rate = 0.05 * ceilings[8]  # half of the target rate, 0.10x the ceiling
    counter = iter(range(10**9))

    def send(client: httpx.Client, n: int) -> int:
        response = client.post(
            f"{base_url}/api/escalations",
            headers={"Authorization": f"Bearer {keys[n % len(keys)]}"},
            json={
                "issue_description": f"bench paced {next(counter)} {n} needs a human",
                "priority": "medium",
            },
        )
        return response.status_code

    steady = paced(send=send, rate=rate, seconds=seconds)
    rows.append(
        Row(
            name=f"create at {rate:,.0f}/s steady (0.05x the ceiling)",
            value=f"p50 {steady.p50_ms:.0f} p95 {steady.p95_ms:.0f} p99 {steady.p99_ms:.0f} ms  "
            f"errors {steady.errors}",
            ceiling="",
            ratio=None,
            target="p99 <= 100 ms",
            met=steady.p99_ms <= 100 and steady.errors == 0,
        )
    )
    return rows


def _claims(*, database_url: str, base_url: str, seconds: float) -> list[Row]:
    with new_session() as session:
        claimers = claim.prepare(session=session, agent="load-agent-7", now=utc_now())
    ceiling = claim.ceiling(database_url=database_url, clients=8, seconds=seconds)
    result = claim.claim_load(base_url=base_url, claimers=claimers, connections=8, seconds=seconds)
    return [
        Row(
            name=f"claim, 8 reviewers, 8 connections, {claim.OPEN_ROWS:,} open",
            value=f"{result.per_s:,.0f}/s  p50 {result.p50_ms:.0f} p95 {result.p95_ms:.0f} "
            f"p99 {result.p99_ms:.0f} ms  errors {result.errors}",
            ceiling=f"pgbench {ceiling:,.0f}/s",
            ratio=result.per_s / ceiling,
            target="",
            met=None,
        )
    ]


def _worker(*, base_url: str, agent_key: str, manager_key: str) -> list[Row]:
    with new_session() as session:
        worker.clear_backlog(session)
    noop = worker.noop_jobs_per_s(count=WORKER_JOBS)
    with new_session() as session:
        deliveries = worker.deliveries_per_s(session=session, agent_name="load-agent-0", count=WORKER_JOBS)
    latencies = sorted(
        worker.resolve_latency(
            base_url=base_url, agent_key=agent_key, manager_key=manager_key, rate=RESOLVE_RATE, seconds=10
        )
    )
    p50 = statistics.median(latencies) * 1000 if latencies else float("inf")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else float("inf")
    received = len(latencies)
    return [
        Row(
            name=f"worker: webhook deliveries, one process, {WORKER_JOBS} queued",
            value=f"{deliveries:,.0f}/s",
            ceiling=f"RQ no-op {noop:,.0f}/s",
            ratio=deliveries / noop if noop else 0.0,
            target=">= 100/s, >= 0.5x",
            met=deliveries >= 100 and deliveries >= 0.5 * noop,
        ),
        Row(
            name=f"resolve -> webhook received at {RESOLVE_RATE:.0f}/s",
            value=f"p50 {p50:.0f} p95 {p95:.0f} ms  received {received} of {int(RESOLVE_RATE * 10)}",
            ceiling="",
            ratio=None,
            target="p95 <= 1000 ms",
            met=p95 <= 1000 and received == int(RESOLVE_RATE * 10),
        ),
    ]


def _visible(*, base_url: str, agent_key: str) -> list[Row]:
    with new_session() as session:
        cookies = visible.sign_in(session=session, count=max(visible.TABS), now=utc_now())
        ceiling = visible.ceiling_ms(base_url=base_url, cookie=cookies[0])
        rounds = [
            visible.measure(
                session=session,
                base_url=base_url,
                agent_key=agent_key,
                cookies=cookies[:tabs],
                label=str(tabs),
            )
            for tabs in visible.TABS
        ]
    goal = max(visible.TABS)
    return [
        Row(
            name=f"POST -> visible, {found.tabs} open dashboard{'s' if found.tabs > 1 else ''}, "
            f"{visible.POSTS} at {visible.RATE:.0f}/s",
            value=f"p50 {found.p50_ms:.0f} p95 {found.p95_ms:.0f} ms  seen {found.samples} of "
            f"{found.expected}  errors {found.errors}",
            ceiling=f"event trip {ceiling:.0f} ms",
            ratio=found.p95_ms / ceiling,
            target="p95 <= 300 ms" if found.tabs == goal else "",
            met=(found.p95_ms <= 300 and found.samples == found.expected and found.errors == 0)
            if found.tabs == goal
            else None,
        )
        for found in rounds
    ]
