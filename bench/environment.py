"""What a run ran on, read at run time: the machine, its load, the servers' versions and settings, the
packages and the load generators, so that a table can be read against the place it was measured in."""

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from redis import Redis
from sqlalchemy import create_engine, text

from bench.database import redis_url, server_url

PACKAGES = ("reflex", "granian", "fastapi", "sqlalchemy", "psycopg", "rq")
POSTGRES_SETTINGS = ("shared_buffers", "synchronous_commit", "max_connections")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def header(*, load_at_start: str, settings: str) -> list[str]:
    """The lines above the table; `settings` are the run's own (its options)."""
    return [
        f"machine: {_machine()}; load average {load_at_start} at start, {load_average()} at end",
        f"python {platform.python_version()}; {_postgres()}; redis {_redis()}",
        "packages: " + ", ".join(f"{name} {metadata.version(name)}" for name in PACKAGES),
        f"load generators: {_version('wrk', '-v')}; {_version('pgbench', '--version')}",
        f"settings: {settings}",
    ]


def _machine() -> str:
    cpu = Path("/proc/cpuinfo").read_text().splitlines()
    models = {line.split(":", 1)[1].strip() for line in cpu if line.startswith("model name")}
    memory = next(
        line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    gib = int(memory.split()[1]) / 2**20
    return f"{os.cpu_count()} CPUs ({', '.join(sorted(models)) or 'model not shown'}), {gib:.1f} GiB memory"


def _postgres() -> str:
    engine = create_engine(server_url().set(database="postgres"))
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
            shown = [
                f"{name} {connection.execute(text(f'SHOW {name}')).scalar_one()}"
                for name in POSTGRES_SETTINGS
            ]
    finally:
        engine.dispose()
    return f"postgresql {version} ({', '.join(shown)})"


def _redis() -> str:
    with Redis.from_url(redis_url()) as connection:
        return str(connection.info("server")["redis_version"])


def _version(command: str, flag: str) -> str:
    """The first line a load generator prints about itself, up to its copyright."""
    if shutil.which(command) is None:
        return f"{command} not installed"
    shown = subprocess.run([command, flag], capture_output=True, text=True, check=False, timeout=10)
    return (shown.stdout or shown.stderr).splitlines()[0].split(" Copyright")[0].strip()
