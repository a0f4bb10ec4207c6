"""The whole app for browser tests: `reflex run` (pages and backend on one port) plus an `escalq worker`.

Both run in process groups of their own, so teardown stops everything they started. The app runs as a
production build: pages load as bundles (the dev server sends hundreds of modules to every new browser
context) and nothing hot-reloads when someone edits the app during the run. It is built in a web
directory of this run's own, so a developer's `reflex run` (or another test run) in the same checkout
keeps .web and its ports to itself; bun fills it from its package cache.
"""

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from escalq.cli.database import ROOT
from escalq.cli.processes import stop_groups
from escalq.cli.run import BIN, child_env
from harness.net import free_port

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
BUN = ROOT / ".tools" / "node_modules" / ".bin" / "bun"
LOCK_DIR = ROOT / "reflex.lock"  # checked in; `reflex run` copies its web directory's lockfiles back here
START_TIMEOUT_S = 300.0  # on a machine without bun's cache, the first build fetches the frontend packages


class AppDidNotStart(RuntimeError):
    """The app or the worker exited, or did not answer in time; the message ends with its log."""


def require_tools() -> None:
    """Fail loudly (never skip) when the browser or bun is missing: `make test` installs both."""
    if not CHROMIUM.exists():
        raise AppDidNotStart(
            f"Chromium is missing ({CHROMIUM}): the browser tests (tests/browser) drive Debian's chromium. "
            "`make test` installs it; by hand: apt-get update && apt-get install -y chromium"
        )
    if not BUN.exists():
        raise AppDidNotStart(f"bun is missing ({BUN}): run `make setup` (Reflex builds the app with it)")


@dataclass
class RunningApp:
    """Where the app answers, and the processes behind it."""

    url: str
    log_dir: Path
    started_in_s: float = 0.0
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        """Raise with the log of a process that has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AppDidNotStart(f"{name} exited with code {process.returncode}:\n{self.log_tail(name)}")

    def stop(self) -> None:
        stop_groups(list(self.processes.values()))


def app_env(*, database_url: str, redis_url: str, url: str, work_dir: Path) -> dict[str, str]:
    """What `escalq run` gives its children, pointed at the test servers and this run's web directory."""
    env = child_env()
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ESCALQ_ALLOW_PRIVATE_WEBHOOKS="true",  # the webhook receiver listens on 127.0.0.1
        ESCALQ_PUBLIC_URL=url,
        REFLEX_WEB_WORKDIR=str(work_dir / "web"),
        REFLEX_STATES_WORKDIR=str(work_dir / "states"),
        # Nothing reaches the outside world, whatever a developer's .env configures.
        ESCALQ_SLACK_WEBHOOK_URL="",
        ESCALQ_SMTP_HOST="",
        ESCALQ_OPENAI_API_KEY="",
        # A production build pins a "Built with Reflex" badge over the bottom right corner, where it would
        # cover buttons and the screenshots; `make run` turns it off too (escalq.cli.run.production_env).
        REFLEX_SHOW_BUILT_WITH_REFLEX="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def start(*, database_url: str, redis_url: str, work_dir: Path) -> RunningApp:
    """Build and start the app and the worker on a free port; return once pages and the backend answer."""
    require_tools()
    port = free_port()
    app = RunningApp(url=f"http://localhost:{port}", log_dir=work_dir)
    commands = {
        "reflex": [str(BIN / "reflex"), "run", "--env", "prod", "--single-port", "--backend-port", str(port)],
        "worker": [str(BIN / "escalq"), "worker"],
    }
    with lockfiles_kept():
        _launch(app, commands, database_url=database_url, redis_url=redis_url, ready=["/", "/ping"])
    return app


def start_backend(*, database_url: str, redis_url: str, work_dir: Path) -> RunningApp:
    """Only the Reflex backend (the event socket, the API) on 127.0.0.1: no frontend build, no worker."""
    port = free_port()
    app = RunningApp(url=f"http://127.0.0.1:{port}", log_dir=work_dir)
    reflex = [str(BIN / "reflex"), "run", "--env", "prod", "--backend-only"]
    commands = {"reflex": [*reflex, "--backend-host", "127.0.0.1", "--backend-port", str(port)]}
    _launch(app, commands, database_url=database_url, redis_url=redis_url, ready=["/ping"])
    return app


def _launch(
    app: RunningApp, commands: dict[str, list[str]], *, database_url: str, redis_url: str, ready: list[str]
) -> None:
    """Start `commands`, each in a process group of its own, and wait until every `ready` path answers."""
    env = app_env(database_url=database_url, redis_url=redis_url, url=app.url, work_dir=app.log_dir)
    began = time.monotonic()
    try:
        for name, argv in commands.items():
            with (app.log_dir / f"{name}.log").open("wb") as log:
                app.processes[name] = subprocess.Popen(
                    argv,
                    env=env,
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        _wait_until_ready(app, [f"{app.url}{path}" for path in ready], deadline=began + START_TIMEOUT_S)
    except BaseException:
        app.stop()
        raise
    app.started_in_s = time.monotonic() - began


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0, follow_redirects=True).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_until_ready(app: RunningApp, pending: list[str], *, deadline: float) -> None:
    while True:
        app.check_alive()
        pending = [url for url in pending if not _answers(url)]
        if not pending:
            return
        if time.monotonic() > deadline:
            waited = f"no answer from {', '.join(pending)} within {START_TIMEOUT_S:.0f} s"
            raise AppDidNotStart(f"{waited}:\n{app.log_tail('reflex')}")
        time.sleep(0.25)


def _same_json(one: bytes, other: bytes) -> bool:
    try:
        return bool(json.loads(one) == json.loads(other))
    except ValueError:
        return False


@contextmanager
def lockfiles_kept() -> Iterator[None]:
    """Leave reflex.lock/ as checked in when our build only reformats it.

    A web directory that Reflex has just made holds package.json on one line, and `reflex run` copies it
    over the checked-in, indented one; a real change of the frontend's packages is kept for its author.
    """
    before = {path: path.read_bytes() for path in LOCK_DIR.glob("*.json")}
    try:
        yield
    finally:
        for path, data in before.items():
            now = path.read_bytes() if path.exists() else b""
            if now != data and _same_json(now, data):
                path.write_bytes(data)
