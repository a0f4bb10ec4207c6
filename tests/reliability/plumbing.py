"""The fault suite's plumbing: escalq's own processes started as production starts them, traffic over the
HTTP API, and the tally read afterwards from PostgreSQL, Redis and the webhook receiver.

Nothing here imports the outbox pipeline: the suite watches the system from outside, as an operator
would, so it keeps proving the same thing whatever the pipeline's insides become.
"""

import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from redis import Redis
from sqlmodel import col, func, select

from escalq.cli.processes import stop_groups
from escalq.cli.run import BIN
from escalq.db import new_session
from escalq.models import Escalation, Status, Task, TaskKind, TaskStatus
from tests.background.receivers import HttpReceiver
from workers.schedule import periodic_jobs

POLL_S = 0.2
SETTLE_TIMEOUT_S = 90.0
# Seconds where production has minutes, so a test sees sweeps, retries and expired leases; a scenario
# overrides what it is about.
FAST = {
    "ESCALQ_SWEEP_INTERVAL_S": "1",
    "ESCALQ_TASK_LEASE_S": "5",
    "ESCALQ_RETRY_DELAYS_S": "[1, 1, 2, 2, 4]",
    "ESCALQ_WEBHOOK_TIMEOUT_S": "5",
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What Redis shows of escalq's queue (named "escalq"): RQ's and rq-scheduler's keys.
QUEUE = "rq:queue:escalq"
WORKERS = "rq:workers:escalq"
SCHEDULED = "rq:scheduler:scheduled_jobs"
PERIODIC = tuple(job.job_id for job in periodic_jobs())
RESULTS = "rq:results:*"  # RQ keeps each job's runs (up to 10) in a stream named after the job
UNFINISHED = (TaskStatus.pending, TaskStatus.running)


def wait_until(done: Callable[[], bool], *, what: str, timeout: float = SETTLE_TIMEOUT_S) -> float:
    """Poll `done` until it holds and return the seconds that took; fail naming `what` at the deadline."""
    began = time.monotonic()
    while not done():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(POLL_S)
    return time.monotonic() - began


class Process:
    """One escalq command in a process group of its own (with what it forks: RQ's scheduler), logged."""

    def __init__(self, name: str, argv: list[str], *, env: Mapping[str, str], log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as output:
            self.popen = subprocess.Popen(
                argv,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def pause(self) -> None:
        os.killpg(self.popen.pid, signal.SIGSTOP)

    def resume(self) -> None:
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGCONT)

    def kill(self) -> None:
        """kill -9 the whole group, the job in flight with it: no shutdown, no goodbye to Redis."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        wait_until(lambda: not _group_exists(self.popen.pid), what=f"{self.name}'s group to die", timeout=10)

    def stop(self) -> None:
        self.resume()
        stop_groups([self.popen])


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Fleet:
    """The background half of escalq for one test: `escalq worker`s and `escalq scheduler`s."""

    def __init__(self, *, env: Mapping[str, str], log_dir: Path) -> None:
        self.env = dict(env)
        self.log_dir = log_dir
        self.processes: list[Process] = []

    def start(self, command: str) -> Process:
        """Start `escalq <command>` (worker or scheduler); several of a kind are numbered."""
        number = 1 + sum(process.name.startswith(command) for process in self.processes)
        process = Process(
            f"{command}-{number}", [str(BIN / "escalq"), command], env=self.env, log_dir=self.log_dir
        )
        self.processes.append(process)
        return process

    def check_alive(self) -> None:
        """Fail with the log of any process that exited (none should: recovery needs no restart)."""
        for process in self.processes:
            if not process.alive:
                raise AssertionError(f"{process.name} exited ({process.popen.returncode}):\n{process.tail()}")

    def logs(self) -> str:
        return "\n".join(f"--- {process.name}\n{process.tail()}" for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


def process_env(*, database_url: str, redis_url: str, settings: Mapping[str, str]) -> dict[str, str]:
    """What a worker or scheduler gets: the test's servers, the fast settings, then the scenario's."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ESCALQ_ALLOW_PRIVATE_WEBHOOKS": "true",  # the receiver listens on 127.0.0.1
        "PYTHONUNBUFFERED": "1",
        **FAST,
        **settings,
    }


@dataclass(frozen=True)
class Reply:
    """One API answer as the traffic saw it: its HTTP status, or the error when none came."""

    op: str
    phase: str
    status: str


@dataclass
class Traffic:
    """Agents creating escalations and their reviewers resolving each, from a few threads at once, through
    each backend in turn.

    `phase` is what the test says is going on (before, during, after the fault); each answer is filed
    under the phase in which it came back.
    """

    base_urls: list[str]  # the backends, taken in turn
    agent_headers: dict[str, str]
    reviewers: dict[str, dict[str, str]]  # reviewer id -> headers: the assignee resolves
    webhook_url: str
    count: int
    threads: int = 4
    timeout_s: float = 10.0  # a request unanswered by then is filed as ReadTimeout
    phase: str = "before"
    replies: list[Reply] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)  # description -> id, for creates answered 201
    sent: list[str] = field(default_factory=list)  # every description sent
    marker: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)
    _next: int = 0

    def start(self) -> "Traffic":
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for thread in self._workers:
            thread.start()
        return self

    def join(self, timeout: float = SETTLE_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self._workers), "the traffic did not finish"

    def answered(self, op: str = "create") -> int:
        with self._lock:
            return sum(reply.op == op for reply in self.replies)

    def answers(self) -> dict[str, Counter[str]]:
        """Per phase, how many answers of each kind: {"during": {"create 201": 40, ...}}."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        with self._lock:
            for reply in self.replies:
                counts[reply.phase][f"{reply.op} {reply.status}"] += 1
        return dict(counts)

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= self.count:
                return None
            self._next += 1
            return self._next

    def _run(self) -> None:
        clients = [httpx.Client(base_url=url, timeout=self.timeout_s) for url in self.base_urls]
        try:
            while (number := self._take()) is not None:
                self._one(clients[number % len(clients)], number)
        finally:
            for client in clients:
                client.close()

    def _one(self, http: httpx.Client, number: int) -> None:
        description = f"Refund case {self.marker}-{number}: {number} EUR, above my limit"
        with self._lock:
            self.sent.append(description)
        body = {"issue_description": description, "priority": "low", "webhook_url": self.webhook_url}
        created = self._call(http, "create", "POST", "/api/escalations", self.agent_headers, body)
        if created is None or created.status_code != 201:
            return
        escalation = created.json()
        with self._lock:
            self.created[description] = escalation["id"]
        decision = {"resolution": "approved", "resolution_notes": ""}
        path = f"/api/escalations/{escalation['id']}/resolve"
        self._call(http, "resolve", "PATCH", path, self.reviewers[escalation["assigned_to"]], decision)

    def _call(
        self, http: httpx.Client, op: str, method: str, path: str, headers: dict[str, str], body: object
    ) -> httpx.Response | None:
        try:
            response = http.request(method, path, headers=headers, json=body)
        except httpx.HTTPError as error:
            self._file(op, type(error).__name__)
            return None
        self._file(op, str(response.status_code))
        return response

    def _file(self, op: str, status: str) -> None:
        with self._lock:
            self.replies.append(Reply(op, self.phase, status))


def unfinished(*, created_before: datetime | None = None) -> int:
    """Tasks not yet done or given up on (of those recorded before `created_before`, if given)."""
    query = select(func.count()).select_from(Task).where(col(Task.status).in_(UNFINISHED))
    if created_before is not None:
        query = query.where(col(Task.created_at) <= created_before)
    with new_session() as session:
        return int(session.exec(query).one())


def runs_per_task(redis: Redis) -> Counter[str]:
    """How many times RQ ran a job naming each task (first attempt, retries and copies alike)."""
    runs: Counter[str] = Counter()
    for key in redis.scan_iter(RESULTS, count=1000):
        found = UUID.search(key.decode())
        if found is not None:
            runs[found.group()] += int(redis.xlen(key))
    return runs


def queued_copies(redis: Redis) -> int:
    """Jobs naming a task still waiting in the queue once everything is done: copies, each a run to come."""
    return sum(UUID.search(job.decode()) is not None for job in redis.lrange(QUEUE, 0, -1))


@dataclass(frozen=True)
class Tally:
    """What became of every escalation of a scenario, printed by the test and at the end of the run."""

    scenario: str
    created: int
    answered_201: int
    resolved: int
    delivered: int
    lost: int
    tasks: int
    runs: Counter[int]  # how many tasks RQ ran n times
    attempts: Counter[int]  # how many tasks were attempted n times (PostgreSQL's count)
    copies: int  # runs beyond a task's attempts: a job that found its task done or held
    still_queued: int
    duplicates: int  # webhook requests beyond the first for one escalation
    mixed_ids: int  # escalations whose requests carried more than one webhook-id (must be 0)
    answers: dict[str, Counter[str]]
    recovered_s: float | None  # None: no fault

    @property
    def max_runs(self) -> int:
        return max(self.runs, default=0)

    def lines(self) -> list[str]:
        answers = "; ".join(
            f"{phase}: " + ", ".join(f"{kind} x{n}" for kind, n in sorted(counts.items()))
            for phase, counts in self.answers.items()
        )
        lines = [
            f"[{self.scenario}] created {self.created} (answered 201: {self.answered_201}), "
            f"resolved {self.resolved}, delivered {self.delivered}, lost {self.lost}",
            f"[{self.scenario}] {self.tasks} tasks; job runs per task {_histogram(self.runs)}, "
            f"attempts per task {_histogram(self.attempts)}, copies run {self.copies}, "
            f"copies still queued {self.still_queued}",
            f"[{self.scenario}] webhook duplicates {self.duplicates} "
            f"(with another webhook-id: {self.mixed_ids})",
            f"[{self.scenario}] API answers: {answers}",
        ]
        if self.recovered_s is not None:
            recovered = f"recovered {self.recovered_s:.1f} s after the fault, with no manual action"
            lines.append(f"[{self.scenario}] {recovered}")
        return lines


def _histogram(counts: Counter[int]) -> str:
    return "{" + ", ".join(f"{n}: {tasks}" for n, tasks in sorted(counts.items())) + "}"


def tally(
    *,
    scenario: str,
    traffic: Traffic,
    receiver: HttpReceiver,
    redis: Redis,
    recovered_s: float | None = None,
) -> Tally:
    """Count from the database (escalations, tasks), the receiver (what arrived) and Redis (job runs)."""
    with new_session() as session:
        escalations = session.exec(select(Escalation.id, Escalation.status)).all()
        tasks = session.exec(select(Task.id, Task.kind, Task.status, Task.attempts, Task.escalation_id)).all()
    done_webhooks = {
        str(task.escalation_id)
        for task in tasks
        if task.kind == TaskKind.webhook and task.status == TaskStatus.done
    }
    ids_by_escalation: dict[str, list[str]] = defaultdict(list)
    for request in receiver.requests:
        if request.verified:
            ids_by_escalation[json.loads(request.body)["escalation_id"]].append(request.headers["webhook-id"])
    resolved = [str(row.id) for row in escalations if row.status == Status.resolved]
    delivered = [eid for eid in resolved if eid in done_webhooks and ids_by_escalation.get(eid)]
    runs = runs_per_task(redis)
    attempts = {str(task.id): task.attempts for task in tasks}
    return Tally(
        scenario=scenario,
        created=len(escalations),
        answered_201=len(traffic.created),
        resolved=len(resolved),
        delivered=len(delivered),
        lost=len(resolved) - len(delivered),
        tasks=len(tasks),
        runs=Counter(runs.get(task_id, 0) for task_id in attempts),
        attempts=Counter(attempts.values()),
        copies=sum(max(0, runs.get(task_id, 0) - n) for task_id, n in attempts.items()),
        still_queued=queued_copies(redis),
        duplicates=sum(len(ids) - 1 for ids in ids_by_escalation.values()),
        mixed_ids=sum(len(set(ids)) > 1 for ids in ids_by_escalation.values()),
        answers=traffic.answers(),
        recovered_s=recovered_s,
    )
