"""500 agents long-polling one backend: the backend's memory per waiter, and how soon each is woken.

The API runs in a process of its own (uvicorn, as in production) so its resident memory is its own:
measured after a warm-up round, then with every waiter registered. Each escalation is resolved through
the service, as a reviewer's request would; the wake-up latency runs from just after that commit to the
waiter's answer, with resolutions one after another while all the others still wait.

The goal is a p95 under 200 ms. A waiter's answer is a read like a plain GET (the same queries), so
what a busy machine adds to it is carried by a plain GET timed alongside, after each resolution:

    ceiling = 200 ms + p95 of the plain GET in this run
"""

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from sqlmodel import Session

from escalq import pipeline
from escalq.db import new_session
from escalq.models import Escalation, Priority, Reviewer, Status
from escalq.services import escalations
from harness.net import free_port

WAITERS = 500
WARM_UP = 50
WAIT_S = 55
P95_BUDGET_MS = 200.0  # the issue's goal, after the resolve commits, on top of a plain GET
KIB_PER_WAITER_CEILING = 128.0  # 500 waiters in 64 MiB; a thread per waiter would cost more in stacks alone
CALIBRATE_EVERY = 5  # a plain GET after every fifth resolution
SETTLE_S = 3.0  # until every request has reached the server and registered (it has no counter to ask)


@dataclass(frozen=True)
class Figures:
    kib_per_waiter: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    answered: int
    get_p95_ms: float

    @property
    def p95_ceiling_ms(self) -> float:
        return P95_BUDGET_MS + self.get_p95_ms


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _open(*, session: Session, agent: str, count: int, now: datetime) -> list[str]:
    rows = [
        Escalation(
            source_agent=agent,
            issue_description=f"bench waiter {n}",
            priority=Priority.medium,
            status=Status.pending,
            created_at=now,
        )
        for n in range(count)
    ]
    session.add_all(rows)
    session.commit()
    return [str(row.id) for row in rows]


def _resolve(*, escalation_id: str, by: Reviewer, now: datetime) -> float:
    """Resolve as the API route does; the instant before its commit (so a waiter's latency includes it)."""
    with new_session() as session:
        escalations.resolve(
            session=session,
            escalation_id=uuid.UUID(escalation_id),
            by=by,
            resolution="approved",
            notes="",
            now=now,
        )
        committing = time.monotonic()
        pipeline.commit(session)
    return committing


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "escalq.api.app:create_api"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "ESCALQ_MAX_WAITS_PER_KEY": str(WAITERS)},  # all wait with the manager's key
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/api/openapi.json", timeout=2)
            return server, url
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the API server did not start") from None
            time.sleep(0.1)


async def _round(
    *, url: str, key: str, ids: list[str], resolver: Reviewer, now: datetime, pid: int, base_kib: int
) -> tuple[list[float], list[float], float]:
    """Every id waited on at once: wake-up latencies and plain GETs (ms), memory per waiter (KiB)."""
    answered: dict[str, float] = {}
    limits = httpx.Limits(max_connections=len(ids) + 10)
    async with httpx.AsyncClient(base_url=url, timeout=WAIT_S + 15, limits=limits) as http:

        async def wait(escalation_id: str) -> None:
            response = await http.get(
                f"/api/escalations/{escalation_id}",
                params={"wait": WAIT_S},
                headers={"Authorization": f"Bearer {key}"},
            )
            if response.status_code != 200:
                raise RuntimeError(f"a waiter was answered {response.status_code}: {response.text[:200]}")
            if response.json()["status"] == "resolved":
                answered[escalation_id] = time.monotonic()

        waits = [asyncio.create_task(wait(escalation_id)) for escalation_id in ids]
        await asyncio.sleep(SETTLE_S)
        kib = (_rss_kib(pid) - base_kib) / len(ids)
        committed, plain = {}, []
        for n, escalation_id in enumerate(ids):
            committed[escalation_id] = await asyncio.to_thread(
                _resolve, escalation_id=escalation_id, by=resolver, now=now
            )
            if n % CALIBRATE_EVERY:
                continue
            started = time.monotonic()
            await http.get(f"/api/escalations/{escalation_id}", headers={"Authorization": f"Bearer {key}"})
            plain.append((time.monotonic() - started) * 1000)
        await asyncio.gather(*waits)
    return [(answered[key_] - committed[key_]) * 1000 for key_ in answered], plain, kib


def measure(*, agent: str, resolver: Reviewer, key: str, now: datetime) -> Figures:
    """A warm-up round (the server's pools and caches fill), then the measured one."""
    with new_session() as session:
        warm_ids = _open(session=session, agent=agent, count=WARM_UP, now=now)
        ids = _open(session=session, agent=agent, count=WAITERS, now=now)
    server, url = _serve()
    try:
        pid = server.pid
        asyncio.run(_round(url=url, key=key, ids=warm_ids, resolver=resolver, now=now, pid=pid, base_kib=0))
        base_kib = _rss_kib(pid)
        latencies, plain, kib = asyncio.run(
            _round(url=url, key=key, ids=ids, resolver=resolver, now=now, pid=pid, base_kib=base_kib)
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    ordered = sorted(latencies)
    return Figures(
        get_p95_ms=_p95(plain),
        kib_per_waiter=kib,
        p50_ms=statistics.median(ordered),
        p95_ms=_p95(ordered),
        max_ms=ordered[-1],
        answered=len(ordered),
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]
