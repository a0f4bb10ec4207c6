"""`escalq run`: servers, migrations and demo data, then the app in the foreground until Ctrl-C."""

import os
import subprocess
import sys
from pathlib import Path

import click

from escalq import metrics_cache
from escalq.cli import frontend, secret_key
from escalq.cli.database import ROOT, upgrade
from escalq.cli.output import domain_errors
from escalq.cli.processes import Child, exit_on_signals, supervise
from escalq.cli.servers import Servers, ServerUnavailable, embedded_forced, resolve
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.db import get_engine, session_scope
from escalq.services import demo, policies, vault

APP_URL = "http://localhost:3000"
DEV_API_DOCS_URL = "http://localhost:8000/api/docs"  # the development backend listens on a port of its own
BIN = Path(sys.executable).parent
# The production app answers on this machine only: the demo's logins share a published password.
HOST, PORT = "127.0.0.1", 3000


def children(*, dev: bool) -> list[Child]:
    """What `escalq run` keeps running, each in its own process group.

    Production: the built frontend served by the production backend, one port, nothing reloads.
    Development (`--dev`): `reflex run`, with the Vite dev server and hot reload.
    """
    app = (
        Child(name="reflex", argv=[str(BIN / "reflex"), "run"])
        if dev
        else Child(name="app", argv=[sys.executable, "-m", "escalq.cli.serve", HOST, str(PORT)])
    )
    return [
        app,
        Child(name="worker", argv=[str(BIN / "escalq"), "worker"]),
        Child(name="scheduler", argv=[str(BIN / "escalq"), "scheduler"]),
    ]


def build_command() -> list[str]:
    """The production frontend build, into the web directory (.web unless REFLEX_WEB_WORKDIR says)."""
    return [str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"]


def production_env(env: dict[str, str]) -> dict[str, str]:
    """`env` for the production build and backend: the frontend talks to the backend on the same port, and
    the dashboards' state lives in our Redis, so Reflex runs a backend process per core and a half (its
    own choice, 2 x cores + 1) instead of one that keeps every tab's state in its memory."""
    return {
        **env,
        "REFLEX_REDIS_URL": env.get("REFLEX_REDIS_URL") or get_settings().redis_url,
        "REFLEX_API_URL": env.get("REFLEX_API_URL") or APP_URL,
        "REFLEX_FRONTEND_PORT": str(PORT),
        "REFLEX_BACKEND_PORT": str(PORT),
        # A production build pins a "Built with Reflex" badge over the bottom right corner of every page.
        "REFLEX_SHOW_BUILT_WITH_REFLEX": env.get("REFLEX_SHOW_BUILT_WITH_REFLEX") or "false",
    }


def ensure_frontend(env: dict[str, str]) -> None:
    """Build the production frontend unless the last build was made from the same sources."""
    web = frontend.web_dir(ROOT, env)
    if frontend.build_is_current(web=web, digest=frontend.sources_hash(ROOT, env)):
        click.echo(f"Frontend: the build in {web} is up to date")
        return
    click.echo("Frontend: building for production (its sources changed since the last build)")
    if subprocess.run(build_command(), env=env, cwd=ROOT, stdin=subprocess.DEVNULL, check=False).returncode:
        raise click.ClickException("the frontend build failed (its output is above)")
    # Hashed again: the build may rewrite reflex.lock/, and the next start must see what it left.
    frontend.mark_built(web=web, digest=frontend.sources_hash(ROOT, env))


def child_env() -> dict[str, str]:
    """Our environment (already pointed at the servers) plus the tools and Reflex settings the app needs."""
    env = dict(os.environ)
    env.update(
        PATH=os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"), env.get("PATH", "")]),
        REFLEX_USE_SYSTEM_BUN="1",  # the bun `make setup` installs from npm; Reflex would download its own
        REFLEX_TELEMETRY_ENABLED="false",
    )
    env.setdefault("ESCALQ_ALLOW_PRIVATE_WEBHOOKS", "true")  # local demo receivers live on localhost
    env.setdefault("ESCALQ_INTEGRATIONS_PRIVATE_NETWORKS", '["127.0.0.1/32", "::1/128"]')  # and a dev relay
    return env


def open_servers() -> Servers:
    """Find or start the servers and say which ones are used; a dead configured one is a one-line error."""
    try:
        servers = resolve(settings=get_settings(), data_dir=ROOT / ".data", embedded_only=embedded_forced())
    except ServerUnavailable as error:
        raise click.ClickException(str(error)) from error
    click.echo(servers.postgres.note)
    click.echo(servers.redis.note)
    return servers


def point_at(servers: Servers) -> None:
    """Make this process and every child use `servers`."""
    os.environ["DATABASE_URL"] = servers.postgres.url
    os.environ["REDIS_URL"] = servers.redis.url
    get_settings.cache_clear()
    get_engine.cache_clear()


def seed_demo() -> None:
    """Seed demo data into an empty database and show the logins; a database with reviewers is left alone."""
    with session_scope() as session:
        if not demo.is_empty(session=session):
            click.echo(
                f"Demo data: not seeded, the database has reviewers (demo password: {demo.DEMO_PASSWORD})"
            )
            return
        seeded = demo.seed(session=session, now=utc_now())
    refresh_metrics()
    click.echo(
        f"Demo data: {seeded.escalation_count} escalations; log in with password {demo.DEMO_PASSWORD} as"
    )
    for email in seeded.reviewer_emails:
        click.echo(f"  {email}")
    click.echo(f"Agent {seeded.agent_name} API key (shown once): {seeded.agent_api_key}")


def refresh_metrics() -> None:
    """Recompute the cached metrics now: figures kept from before the seed would hide it for minutes."""
    with session_scope() as session:
        sla = policies.thresholds(policies.current(session).document)
        metrics_cache.refresh_presets(session=session, sla=sla, now=utc_now())


def provide_secret_key() -> None:
    """Settle ESCALQ_SECRET_KEY before anything reads it; a local key is passed on to every child."""
    choice = secret_key.choose(settings=get_settings(), data_dir=ROOT / ".data")
    if choice.local is not None:
        os.environ[vault.SETTING] = choice.local
        get_settings.cache_clear()
    click.echo(choice.note)


@click.command("run")
@click.option("--dev", is_flag=True, help="Development: Vite dev server and hot reload (`make dev`).")
@domain_errors
def run(dev: bool) -> None:
    """Run the whole app in the foreground with demo data; Ctrl-C stops everything it started."""
    os.chdir(ROOT)  # Reflex runs from the project root, and .env and .data/ live there
    exit_on_signals()
    provide_secret_key()  # before the servers: DATABASE_URL is set for the children once they are chosen
    servers = open_servers()
    try:
        point_at(servers)
        click.echo(f"Database: migrated to revision {upgrade(servers.postgres.url)}")
        seed_demo()
        get_engine().dispose()
        env = child_env() if dev else production_env(child_env())
        if not dev:
            ensure_frontend(env)
        docs = DEV_API_DOCS_URL if dev else f"{APP_URL}/api/docs"
        click.echo(f"\nescalq: {APP_URL}   API docs: {docs}   Ctrl-C stops it\n")
        code = supervise(children=children(dev=dev), env=env, cwd=ROOT)
    finally:
        servers.stop()
    click.echo("escalq: stopped")
    raise SystemExit(code)
