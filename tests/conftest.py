"""Test fixtures: a throwaway PostgreSQL database per run, a flushed Redis db, a live API server."""

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from psycopg.errors import DeadlockDetected
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

from escalq import broker
from escalq.config import DEFAULT_DATABASE_URL, get_settings
from escalq.db import get_engine, new_session
from escalq.services.outbound import configured
from harness.net import serve_api

# The server to make throwaway databases on; never the database `make run` uses.
SERVER_URL = os.environ.get("ESCALQ_TEST_DATABASE_SERVER") or os.environ.get(
    "DATABASE_URL", DEFAULT_DATABASE_URL
)
TEST_REDIS_URL = os.environ.get("ESCALQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# A fixed Fernet key for every test (and the processes they start); set before anything imports the app,
# which refuses to start without one.
TEST_SECRET_KEY = "Sm0d4kR9vQYy0m1Zb2b6xJm9Qk3bq3w0Zq2m5P4t8yU="
os.environ["ESCALQ_SECRET_KEY"] = TEST_SECRET_KEY
# Tests empty the tables after each test, policy versions too: every process re-reads the active policy.
os.environ["ESCALQ_POLICY_CACHE_S"] = "0"


def _admin_engine():
    return create_engine(make_url(SERVER_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session", autouse=True)
def database_url() -> Iterator[str]:
    """A fresh database for this test run, migrated to head, dropped afterwards."""
    from escalq.cli.database import upgrade

    name = f"escalq_test_{uuid.uuid4().hex[:10]}"
    url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = TEST_REDIS_URL
    os.environ["ESCALQ_ALLOW_PRIVATE_WEBHOOKS"] = "true"  # test receivers listen on 127.0.0.1
    os.environ["ESCALQ_INTEGRATIONS_PRIVATE_NETWORKS"] = '["127.0.0.1/32"]'  # and the SMTP/Slack/LLM fakes
    get_settings.cache_clear()
    get_engine.cache_clear()
    configured.cache_clear()
    broker.redis.cache_clear()
    upgrade(url)
    yield url
    get_engine().dispose()
    get_engine.cache_clear()
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


TRUNCATE_TRIES = 3


@pytest.fixture(autouse=True)
def _empty_tables(database_url: str) -> Iterator[None]:
    """Every test starts from empty tables and an empty test Redis db (API tests commit for real)."""
    yield
    tables = ", ".join(table.name for table in SQLModel.metadata.sorted_tables)
    for attempt in range(1, TRUNCATE_TRIES + 1):
        try:
            with get_engine().begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                connection.execute(text("ALTER SEQUENCE assignment_turn RESTART"))  # round-robin too
            break
        except OperationalError as error:
            # A process the test started (a browser test's worker) may still be running a statement that
            # locks two of the tables in another order: PostgreSQL makes one of the two give way.
            if not isinstance(error.orig, DeadlockDetected) or attempt == TRUNCATE_TRIES:
                raise
    broker.redis().flushdb()


@pytest.fixture
def session() -> Iterator[Session]:
    """A session on the test database; commit when the code under test expects committed rows."""
    with new_session() as session:
        yield session
        session.rollback()


@pytest.fixture
def now() -> datetime:
    """A fixed instant: tests hand it to the services instead of reading the clock."""
    return datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def use_secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], None]]:
    """Set ESCALQ_SECRET_KEY (None: unset it) for this test only; the test key is back afterwards."""

    def use(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("ESCALQ_SECRET_KEY")
        else:
            monkeypatch.setenv("ESCALQ_SECRET_KEY", value)
        get_settings.cache_clear()

    yield use
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def api_url(database_url: str) -> Iterator[str]:
    """The real API, served by uvicorn in a thread for the whole run."""
    with serve_api() as url:
        yield url


@pytest.fixture
def client(api_url: str) -> Iterator[httpx.Client]:
    """An HTTP client for the live API."""
    with httpx.Client(base_url=api_url, timeout=30) as http:
        yield http
