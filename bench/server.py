"""The API served the way production serves it: its own processes (uvicorn workers), on loopback."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.net import free_port

WORKERS = 2  # one per core on the 2-core machine the goals were set for


@contextmanager
def serve_backend(*, workers: int = WORKERS, env: dict[str, str] | None = None) -> Iterator[str]:
    """`uvicorn --workers N` over the real app, with the current settings' environment; its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "escalq.api.app:create_api",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/api/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
