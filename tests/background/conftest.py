"""Fixtures for background work: a Redis of our own, local receivers, settings set through the env."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from escalq.clock import utc_now
from tests.background.helpers import Env, FakeClock, RedisServer
from tests.background.receivers import Answer, HttpReceiver, SmtpInbox, completion


@pytest.fixture
def env() -> Iterator[Env]:
    """Set environment variables (and drop the cached settings) for one test only."""
    changes = Env()
    yield changes
    changes.restore()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A private redis-server: a concurrent test run sharing db 15 cannot take our jobs, nor we theirs."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def queue_redis(redis_server: RedisServer, env: Env) -> Iterator[Redis]:
    """The queue's Redis, flushed, and named by REDIS_URL for the API thread and in-process workers."""
    connection = Redis.from_url(redis_server.url)
    connection.flushall()
    env.set(REDIS_URL=redis_server.url)
    yield connection
    connection.close()


@pytest.fixture
def outage_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server that the test stops and starts again."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    """Starts at the wall clock's current second, so Standard Webhooks' 5-minute tolerance holds."""
    return FakeClock(utc_now().replace(microsecond=0))


@pytest.fixture
def webhook_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(Answer(200))
    yield receiver
    receiver.close()


@pytest.fixture
def slack_receiver() -> Iterator[HttpReceiver]:
    """Slack's incoming webhook: 200 "ok"."""
    receiver = HttpReceiver(Answer(200, b"ok"))
    yield receiver
    receiver.close()


@pytest.fixture
def openai_server() -> Iterator[HttpReceiver]:
    """OpenAI's chat-completions API, answering with a category unless told otherwise."""
    server = HttpReceiver(completion('{"category": "refund request"}'))
    yield server
    server.close()


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox()
    yield inbox
    inbox.close()
