"""Load generators on loopback: wrk for HTTP, pgbench for the SQL ceiling, both bounded in time."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

WRK_SCRIPTS = Path(__file__).parent / "wrk"


@dataclass(frozen=True)
class Run:
    """One timed load: answers per second and their latencies."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    statuses: dict[int, int]

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds

    def count(self, status: int) -> int:
        return self.statuses.get(status, 0)


def wrk(*, base_url: str, script: str, connections: int, seconds: float, env: dict[str, str]) -> Run:
    """`wrk` with one of bench/wrk/*.lua: closed loop, each connection sends when answered."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (make bench installs it from Debian)")
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s",
        "-s", str(WRK_SCRIPTS / script), base_url,
    ]  # fmt: skip
    output = subprocess.run(
        command, capture_output=True, text=True,
        env={
            **os.environ, "RUN": uuid.uuid4().hex[:8], "THREADS": str(threads),
            "COMMON": str(WRK_SCRIPTS / "common.lua"), **env,
        },
        check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    found = re.search(r"^RESULT (.*)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    raw = json.loads(found.group(1))
    statuses = {int(code): n for code, n in raw["statuses"].items()}
    non_2xx = sum(n for code, n in statuses.items() if code >= 300)
    return Run(
        requests=raw["requests"],
        seconds=raw["seconds"],
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=raw["socket_errors"] + non_2xx,
        statuses=statuses,
    )


def pgbench(*, database_url: str, sql: str, clients: int, seconds: float) -> float:
    """Transactions per second of `sql` (a pgbench script) with `clients` connections."""
    url = make_url(database_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(sql)
        script.flush()
        command = [
            "pgbench", "-n", "-c", str(clients), "-j", str(min(2, clients)), "-T", f"{seconds:.0f}",
            "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-f", script.name, url.database or "",
        ]  # fmt: skip
        output = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=seconds + 60,
            env={**os.environ, "PGPASSWORD": url.password or ""},
        )  # fmt: skip
    found = re.search(r"tps = ([\d.]+)", output.stdout)
    if output.returncode != 0 or found is None:
        raise RuntimeError(f"pgbench failed:\n{output.stdout}{output.stderr}")
    return float(found.group(1))


def paced(*, send: Callable[[httpx.Client, int], int], rate: float, seconds: float, threads: int = 16) -> Run:
    """Open-loop load: request n is sent at n / rate seconds (not when the previous one answered), by
    `threads` clients; latency counts from the scheduled time, so a backlog shows."""
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    turns = iter(range(total))
    started = time.monotonic() + 0.2

    def run() -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                with lock:
                    n = next(turns, None)
                if n is None:
                    return
                due = started + n / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                try:
                    status = send(client, n)
                except httpx.HTTPError:
                    status = 0
                with lock:
                    latencies.append((time.monotonic() - due) * 1000)
                    statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    latencies.sort()
    return Run(
        requests=total,
        seconds=time.monotonic() - started,
        p50_ms=_quantile(latencies, 0.50),
        p95_ms=_quantile(latencies, 0.95),
        p99_ms=_quantile(latencies, 0.99),
        errors=sum(n for code, n in statuses.items() if not 200 <= code < 300),
        statuses=statuses,
    )


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
