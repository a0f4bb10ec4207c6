"""`escalq run`: servers, migrations and demo data, then the app in the foreground until Ctrl-C."""

import os
import sys
from pathlib import Path

import click

from escalq import metrics_cache
from escalq.cli import secret_key
from escalq.cli.database import ROOT, upgrade
from escalq.cli.output import domain_errors
from escalq.cli.processes import Child, exit_on_signals, supervise
from escalq.cli.servers import Servers, ServerUnavailable, embedded_forced, resolve
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.db import get_engine, session_scope
from escalq.services import demo, timeouts, vault

APP_URL = "http://localhost:3000"
API_DOCS_URL = "http://localhost:8000/api/docs"
BIN = Path(sys.executable).parent


def children() -> list[Child]:
    """What `escalq run` keeps running, each in its own process group."""
    return [
        Child(name="reflex", argv=[str(BIN / "reflex"), "run"]),
        Child(name="worker", argv=[str(BIN / "escalq"), "worker"]),
        Child(name="scheduler", argv=[str(BIN / "escalq"), "scheduler"]),
    ]


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
        metrics_cache.refresh_presets(session=session, sla=timeouts.thresholds(get_settings()), now=utc_now())


def provide_secret_key() -> None:
    """Settle ESCALQ_SECRET_KEY before anything reads it; a local key is passed on to every child."""
    choice = secret_key.choose(settings=get_settings(), data_dir=ROOT / ".data")
    if choice.local is not None:
        os.environ[vault.SETTING] = choice.local
        get_settings.cache_clear()
    click.echo(choice.note)


@click.command("run")
@domain_errors
def run() -> None:
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
        click.echo(f"\nescalq: {APP_URL}   API docs: {API_DOCS_URL}   Ctrl-C stops it\n")
        code = supervise(children=children(), env=child_env(), cwd=ROOT)
    finally:
        servers.stop()
    click.echo("escalq: stopped")
    raise SystemExit(code)
