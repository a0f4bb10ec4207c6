"""A throwaway database for one bench run: created and migrated here, dropped at the end."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from escalq.broker import redis
from escalq.cli.database import upgrade
from escalq.cli.with_servers import with_db
from escalq.config import DEFAULT_DATABASE_URL, get_settings
from escalq.db import get_engine
from escalq.services import vault

BENCH_REDIS_DB = 14


def server_url() -> URL:
    """The configured PostgreSQL server, where every throwaway database is made."""
    return make_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


def redis_url() -> str:
    """The bench's Redis database: the metrics cache lives there, not in the app's nor the tests'
    (a test run alongside flushes its own after every test)."""
    return with_db(os.environ.get("ESCALQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"), BENCH_REDIS_DB)


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh database on the configured server, at the newest migration; the app's settings point at it."""
    server = server_url()
    name = f"escalq_bench_{uuid.uuid4().hex[:10]}"
    url = server.set(database=name).render_as_string(hide_password=False)
    previous = os.environ.get("DATABASE_URL")
    previous_redis = os.environ.get("REDIS_URL")
    previous_key = os.environ.get(vault.SETTING)
    try:
        os.environ[vault.SETTING] = vault.new_key()  # the data is thrown away, and so is its key
        get_settings.cache_clear()
        upgrade(url)
        os.environ["DATABASE_URL"] = url
        os.environ["REDIS_URL"] = redis_url()
        get_settings.cache_clear()
        get_engine.cache_clear()
        redis.cache_clear()
        redis().flushdb()
        yield url
    finally:
        get_engine().dispose()
        get_engine.cache_clear()
        redis().flushdb()
        redis.cache_clear()
        restore = (("DATABASE_URL", previous), ("REDIS_URL", previous_redis), (vault.SETTING, previous_key))
        for name_, value in restore:
            if value is None:
                os.environ.pop(name_, None)
            else:
                os.environ[name_] = value
        get_settings.cache_clear()
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
