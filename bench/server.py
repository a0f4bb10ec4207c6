"""The app served the way production serves it: Reflex's production backend, on loopback.

`reflex run --env prod --backend-only` is what `escalq run` starts (escalq.cli.serve, less the built
frontend): the Reflex app with the REST API mounted on it, under Granian, the dashboards' state in Redis
(REFLEX_REDIS_URL, as `escalq run` and docs/deploy.md set it), so with as many worker processes as
Reflex chooses: 2 x cores + 1. Serving the bare API under uvicorn instead
would measure a server nobody runs: without Reflex's middleware, its event socket and its live feed.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from escalq.cli.database import ROOT
from escalq.config import get_settings
from harness.net import free_port

REFLEX = Path(sys.executable).parent / "reflex"
SERVER = "Reflex production backend (reflex run --env prod --backend-only, Granian, state in Redis)"


@dataclass(frozen=True)
class Backend:
    url: str
    workers: int  # Granian's worker processes, under Reflex's main one


def _group_size(group: int) -> int:
    """Processes running in process group `group`, read from /proc."""
    size = 0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:  # the process ended meanwhile
            continue
        # After the command's name, in parentheses: state, parent, process group.
        if stat and int(stat[stat.rindex(")") + 2 :].split()[2]) == group:
            size += 1
    return size


@contextmanager
def serve_backend(*, env: dict[str, str] | None = None) -> Iterator[Backend]:
    """The production backend over the current settings' environment, once it answers."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        str(REFLEX), "run", "--env", "prod", "--backend-only",
        "--backend-host", "127.0.0.1", "--backend-port", str(port), "--loglevel", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        # Its own URL is the site: the event socket takes the dashboards' origin only from there.
        env={
            **os.environ,
            "REFLEX_TELEMETRY_ENABLED": "false",
            "ESCALQ_PUBLIC_URL": base_url,
            "REFLEX_REDIS_URL": get_settings().redis_url,
            **(env or {}),
        },
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base_url}/api/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the production backend did not start")
            time.sleep(0.2)
        # Its own session: the group is Reflex's process and the workers it started.
        yield Backend(url=base_url, workers=_group_size(process.pid) - 1)
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
