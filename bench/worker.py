"""The worker: webhook deliveries per second from one worker process, against RQ's no-op job on the
same worker class, and resolve -> webhook received at a steady rate, all on loopback."""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from redis import Redis
from sqlalchemy import update
from sqlmodel import Session, col, select

from escalq import pipeline
from escalq.broker import redis
from escalq.clock import utc_now
from escalq.models import Priority, Reviewer, Task, TaskKind, TaskStatus
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations, people
from escalq.services.outbound import configured
from harness.net import free_port

ESCALQ = Path(sys.executable).with_name("escalq")
ROOT = Path(__file__).resolve().parent.parent
ARRIVALS = "escalq:bench:arrivals"
LOG = (
    Path(tempfile.gettempdir()) / "escalq-bench-worker.log"
)  # the worker's own output, if in doubt  # the no-op job's timestamps


def noop() -> None:
    """RQ's no-op job, but for a timestamp (one Redis command), so both rates are measured alike."""
    redis().rpush(ARRIVALS, time.time())


@dataclass
class Receiver:
    """A local webhook receiver: when each escalation's webhook arrived."""

    url: str
    arrived: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiver() -> Iterator[Receiver]:
    port = free_port()
    got = Receiver(url=f"http://127.0.0.1:{port}/hook")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            with got.lock:
                got.arrived.setdefault(body["escalation_id"], time.time())
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def worker_process(*, burst: bool) -> Iterator[subprocess.Popen[bytes]]:
    """`escalq worker` as production runs it, on this run's database and Redis."""
    command = [str(ESCALQ), "worker", *(["--burst"] if burst else [])]
    process = subprocess.Popen(
        command,
        # PYTHONPATH: the no-op job is bench.worker.noop, importable from the checkout only.
        env={**os.environ, "ESCALQ_ALLOW_PRIVATE_WEBHOOKS": "true", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=LOG.open("ab"),
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _rate(times: list[float]) -> float:
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def clear_backlog(session: Session) -> None:
    """What the sections before left for a worker, gone: their queued jobs, and their pending tasks (the
    creates' categorizations, and those pgbench's ceiling wrote, which nothing queued) marked done. Else
    the no-op jobs would wait behind them, and the sweep before the deliveries would queue them too."""
    pipeline.queue().empty()
    session.execute(update(Task).where(col(Task.status) == TaskStatus.pending).values(status=TaskStatus.done))
    session.commit()


def resolved_with_webhooks(*, session: Session, agent_name: str, url: str, count: int) -> list[uuid.UUID]:
    """`count` escalations resolved (through the services), each with its webhook task waiting."""
    agent = people.agent_named(session=session, name=agent_name)
    ids = []
    for n in range(count):
        now = utc_now()
        data = EscalationCreate(
            issue_description=f"webhook bench {n} {time.time_ns()}", priority=Priority.low, webhook_url=url
        )
        escalation = escalations.create(
            session=session, data=data, agent=agent, outbound=configured(), now=now
        ).escalation
        holder = session.get(Reviewer, escalation.assigned_to)
        assert holder is not None
        escalations.resolve(
            session=session, escalation_id=escalation.id, by=holder, resolution="ok", notes="", now=now
        )
        ids.append(escalation.id)
    # Only the webhooks are measured: the categorizations are marked done, unqueued.
    session.execute(
        update(Task)
        .where(col(Task.escalation_id).in_(ids), col(Task.kind) == TaskKind.categorize)
        .values(status=TaskStatus.done)
    )
    session.commit()
    query = select(Task.id).where(col(Task.escalation_id).in_(ids), col(Task.kind) == TaskKind.webhook)
    return list(session.exec(query).all())


def deliveries_per_s(*, session: Session, agent_name: str, count: int) -> float:
    """Webhooks queued first, then one burst worker drains them; rate between first and last arrival."""
    with receiver() as got:
        resolved_with_webhooks(session=session, agent_name=agent_name, url=got.url, count=count)
        queued = pipeline.sweep(
            clock=lambda: utc_now() + pipeline.DISPATCH_GRACE
        )  # as if Redis had been down
        assert queued == count, f"the sweep queued {queued} of {count} webhooks"
        with worker_process(burst=True) as process:
            process.wait(timeout=300)
        return _rate(list(got.arrived.values()))


def noop_jobs_per_s(*, count: int) -> float:
    """RQ no-op jobs (bench.worker.noop) through the same worker command and class."""
    connection: Redis = redis()
    connection.delete(ARRIVALS)
    queue = pipeline.queue()
    with connection.pipeline() as pipe:
        for _ in range(count):
            queue.enqueue("bench.worker.noop", pipeline=pipe)
        pipe.execute()
    with worker_process(burst=True) as process:
        process.wait(timeout=300)
    times = [float(t) for t in connection.lrange(ARRIVALS, 0, -1)]
    return _rate(times)


def resolve_latency(
    *, base_url: str, agent_key: str, manager_key: str, rate: float, seconds: float
) -> list[float]:
    """With a worker running, resolve over the API at `rate` per second (as a manager); seconds from each
    resolve request to its webhook's arrival (which often comes before the resolve's own answer)."""
    with (
        receiver() as got,
        worker_process(burst=False),
        httpx.Client(base_url=base_url, timeout=30) as client,
    ):
        count = int(rate * seconds)
        agent = {"Authorization": f"Bearer {agent_key}"}
        manager = {"Authorization": f"Bearer {manager_key}"}
        ids = []
        for n in range(count):
            made = client.post(
                "/api/escalations",
                headers=agent,
                json={"issue_description": f"resolve bench {n} {time.time_ns()}", "priority": "low",
                      "webhook_url": got.url},
            )  # fmt: skip
            made.raise_for_status()
            ids.append(made.json()["id"])
        time.sleep(2)  # let the categorizations drain first
        answered: dict[str, float] = {}
        started = time.monotonic()
        for n, escalation_id in enumerate(ids):
            pause = started + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            answered[escalation_id] = time.time()
            response = client.patch(
                f"/api/escalations/{escalation_id}/resolve", headers=manager, json={"resolution": "ok"}
            )
            response.raise_for_status()
        deadline = time.monotonic() + 30
        while len(got.arrived) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [got.arrived[i] - answered[i] for i in ids if i in got.arrived]
