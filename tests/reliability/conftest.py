"""Fixtures of the fault suite: a Redis of the test's own, escalq's background processes on it, a webhook
receiver, an agent and its reviewers; the tallies are printed again at the end of the run."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis

from escalq.db import new_session
from tests.background.helpers import Env, RedisServer
from tests.background.receivers import Answer, HttpReceiver
from tests.factories import AgentWithKey, ReviewerWithKey, make_agent, make_reviewers
from tests.reliability.plumbing import (
    PERIODIC,
    SCHEDULED,
    WORKERS,
    Fleet,
    Process,
    Tally,
    Traffic,
    process_env,
    wait_until,
)

SUMMARY: list[str] = []  # the tallies and notes of this run, printed again at its end


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("reliability tallies")
        for line in SUMMARY:
            terminalreporter.write_line(line)


@dataclass
class Stack:
    """Everything one scenario runs on; the API is the test run's own server, pointed at this Redis
    (`env` sets more, for the test process and the backends it starts)."""

    api_url: str
    env: Env
    redis_server: RedisServer
    redis: Redis
    fleet: Fleet
    receiver: HttpReceiver
    agent: AgentWithKey
    reviewers: list[ReviewerWithKey]

    def traffic(self, count: int, *, threads: int = 4, base_urls: list[str] | None = None) -> Traffic:
        """`count` escalations created and resolved through `base_urls` (the test's API server)."""
        return Traffic(
            base_urls=base_urls or [self.api_url],
            agent_headers=self.agent.headers,
            reviewers={str(made.reviewer.id): made.headers for made in self.reviewers},
            webhook_url=self.receiver.url + "/hook",
            count=count,
            threads=threads,
        )

    def start_background(self, *, workers: int = 1) -> tuple[list[Process], Process]:
        """`workers` workers and a scheduler, once Redis shows them at work (the first start is slow)."""
        started = [self.fleet.start("worker") for _ in range(workers)]
        scheduler = self.fleet.start("scheduler")
        wait_until(
            lambda: self.redis.scard(WORKERS) >= workers and self.redis.zcard(SCHEDULED) >= len(PERIODIC),
            what=f"{workers} worker(s) and the scheduler at work:\n{self.fleet.logs()}",
        )
        return started, scheduler

    def report(self, tally: Tally) -> Tally:
        """Print the tally now (pytest -s) and keep it for the end of the run."""
        for line in tally.lines():
            self.note(line)
        return tally

    def note(self, line: str) -> None:
        """Print a line of the scenario's outcome now and at the end of the run."""
        SUMMARY.append(line)
        print(line)


@pytest.fixture
def stack(api_url: str, database_url: str, tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """Start a stack: `stack(persistent=True, reviewers=3, ESCALQ_TASK_LEASE_S="20")`; its workers and
    scheduler are started by the test (`start_background`), with the fast settings and the given ones."""
    # A line per request of the traffic, formatted by the rich handler that the MCP server installs,
    # costs the API thread more time than the request.
    requests_log = logging.getLogger("httpx")
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    started: list[tuple[Env, RedisServer, Fleet, HttpReceiver]] = []

    def start(*, persistent: bool = False, reviewers: int = 1, **settings: str) -> Stack:
        env = Env()
        redis_server = RedisServer(tmp_path / f"redis-{len(started)}", persistent=persistent)
        redis_server.directory.mkdir()
        redis_server.start()
        env.set(REDIS_URL=redis_server.url)  # the API thread's queue and change feed
        fleet = Fleet(
            env=process_env(database_url=database_url, redis_url=redis_server.url, settings=settings),
            log_dir=tmp_path,
        )
        receiver = HttpReceiver(Answer(200))
        started.append((env, redis_server, fleet, receiver))
        with new_session() as session:
            agent, made = make_agent(session), make_reviewers(session, reviewers)
        receiver.secret = agent.webhook_secret
        return Stack(
            api_url=api_url,
            env=env,
            redis_server=redis_server,
            redis=Redis.from_url(redis_server.url),
            fleet=fleet,
            receiver=receiver,
            agent=agent,
            reviewers=made,
        )

    yield start
    for env, redis_server, fleet, receiver in reversed(started):
        fleet.stop()
        receiver.close()
        redis_server.stop()
        env.restore()
    requests_log.setLevel(level)
