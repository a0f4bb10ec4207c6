"""`escalq`: manage agents, reviewers, the database and demo data."""

import click

from escalq.cli.offboard import add_commands as add_offboarding
from escalq.cli.output import domain_errors, emit, json_option
from escalq.cli.policy import policy
from escalq.cli.run import refresh_metrics, run
from escalq.cli.trail import agent_schema, audit
from escalq.cli.workers import scheduler, worker
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.db import session_scope
from escalq.models import Role
from escalq.services import admin, agent_secrets, demo, people, policies, vault


@click.group()
def cli() -> None:
    """escalq: the escalation queue between AI agents and humans."""


@cli.group()
def agent() -> None:
    """Agents: the machines that open escalations."""


@agent.command("create")
@click.argument("name")
@json_option
@domain_errors
def agent_create(name: str, as_json: bool) -> None:
    """Register agent NAME; prints its API key and webhook secret once."""
    with session_scope() as session:
        created = people.create_agent(session=session, name=name, now=utc_now())
    record = {
        "id": str(created.agent.id),
        "name": created.agent.name,
        "api_key": created.api_key,
        "webhook_secret": created.webhook_secret,
    }
    emit(
        as_json,
        record,
        f"agent {name} created ({created.agent.id})\n"
        f"API key (shown once):        {created.api_key}\n"
        f"webhook secret (shown once): {created.webhook_secret}",
    )


@agent.command("rotate-secret")
@click.argument("name")
@click.option(
    "--overlap-hours",
    type=float,
    default=None,
    help="How long the old secret keeps signing too (default: ESCALQ_WEBHOOK_SECRET_OVERLAP_H).",
)
@json_option
@domain_errors
def agent_rotate_secret(name: str, overlap_hours: float | None, as_json: bool) -> None:
    """Give agent NAME a new webhook secret, printed once; the old one also signs during the overlap."""
    hours = get_settings().webhook_secret_overlap_h if overlap_hours is None else overlap_hours
    with session_scope() as session:
        found = people.agent_named(session=session, name=name)
        rotated = agent_secrets.rotate(
            session=session, agent_id=found.id, by=None, overlap_hours=hours, now=utc_now()
        )
    until = rotated.previous_until.isoformat() if rotated.previous_until else None
    record = {
        "id": str(rotated.agent.id),
        "name": rotated.agent.name,
        "webhook_secret": rotated.secret,
        "previous_valid_until": until,
    }
    emit(
        as_json,
        record,
        f"webhook secret of agent {rotated.agent.name} rotated\n"
        f"new webhook secret (shown once): {rotated.secret}\n"
        + (f"deliveries carry both signatures until {until}" if until else "the old secret no longer signs"),
    )


@agent.command("limits")
@click.argument("name")
@click.option("--per-minute", type=click.IntRange(min=0), help="Its own rate limit; 0: back to the default.")
@click.option("--per-day", type=click.IntRange(min=0), help="Its own daily budget; 0: back to the default.")
@json_option
@domain_errors
def agent_limits(name: str, per_minute: int | None, per_day: int | None, as_json: bool) -> None:
    """Show agent NAME's rate limit and daily budget, or give it its own (left out: unchanged)."""
    with session_scope() as session:
        defaults = policies.current(session).document.agent_limits
        found = people.agent_named(session=session, name=name)
        if per_minute is not None or per_day is not None:
            found = admin.set_agent_limits(
                session=session,
                agent_id=found.id,
                per_minute=found.rate_per_minute if per_minute is None else per_minute or None,
                per_day=found.daily_budget if per_day is None else per_day or None,
                by=None,
                now=utc_now(),
            )
        record = {
            "name": found.name,
            "per_minute": found.rate_per_minute or defaults.rate_per_minute,
            "per_day": found.daily_budget or defaults.daily_budget,
            "per_minute_is_default": found.rate_per_minute is None,
            "per_day_is_default": found.daily_budget is None,
        }

    def shown(value: object, default: object) -> str:
        return f"{value:,}" + (" (default)" if default else "")

    emit(
        as_json,
        record,
        f"agent {record['name']}: {shown(record['per_minute'], record['per_minute_is_default'])} a minute, "
        f"{shown(record['per_day'], record['per_day_is_default'])} a day",
    )


agent.add_command(agent_schema)


@cli.group()
def reviewer() -> None:
    """Reviewers: the humans who work the queue."""


@reviewer.command("create")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters, hard to guess; asked for (hidden) when left out.",
)
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default=Role.reviewer.value, show_default=True
)
@click.option("--inactive", is_flag=True, help="Keep out of the round-robin assignment pool.")
@json_option
@domain_errors
def reviewer_create(
    email: str, display_name: str, password: str, role: str, inactive: bool, as_json: bool
) -> None:
    """Add reviewer EMAIL."""
    with session_scope() as session:
        created = people.create_reviewer(
            session=session,
            email=email,
            display_name=display_name,
            password=password,
            role=Role(role),
            active=not inactive,
            now=utc_now(),
        )
    record = {
        "id": str(created.id),
        "email": created.email,
        "role": created.role.value,
        "active": created.active,
    }
    emit(as_json, record, f"reviewer {created.email} created ({created.id}), role {role}")


@reviewer.command("key")
@click.argument("email")
@json_option
@domain_errors
def reviewer_key(email: str, as_json: bool) -> None:
    """Issue an API key for reviewer EMAIL; prints it once."""
    with session_scope() as session:
        found, api_key = people.issue_reviewer_key(session=session, email=email, now=utc_now())
    emit(
        as_json,
        {"id": str(found.id), "email": found.email, "api_key": api_key},
        f"API key (shown once): {api_key}",
    )


add_offboarding(reviewer, domain_errors)
cli.add_command(policy)


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@json_option
@domain_errors
def db_upgrade(as_json: bool) -> None:
    """Create the database if missing and apply every migration."""
    from escalq.cli.database import upgrade

    revision = upgrade()
    emit(as_json, {"revision": revision}, f"database at revision {revision}")


@cli.command("demo")
@json_option
@domain_errors
def demo_command(as_json: bool) -> None:
    """Seed two weeks of demo history (reviewers, agents, escalations) into an empty database."""
    with session_scope() as session:
        if not demo.is_empty(session=session):
            raise click.ClickException(
                "the database already has reviewers; demo data goes only into an empty one"
            )
        seeded = demo.seed(session=session, now=utc_now())
    refresh_metrics()
    record = {
        "reviewers": seeded.reviewer_emails,
        "password": demo.DEMO_PASSWORD,
        "agent": seeded.agent_name,
        "api_key": seeded.agent_api_key,
        "webhook_secret": seeded.webhook_secret,
        "escalations": seeded.escalation_count,
    }
    logins = "\n".join(f"  {email}" for email in seeded.reviewer_emails)
    emit(
        as_json,
        record,
        f"demo logins (password {demo.DEMO_PASSWORD}):\n{logins}\n"
        f"agent {seeded.agent_name} API key: {seeded.agent_api_key}\n"
        f"{seeded.escalation_count} escalations over the last {demo.DAYS} days",
    )


@cli.group("secrets")
def secrets_group() -> None:
    """Secrets at rest: the key list in ESCALQ_SECRET_KEY."""


@secrets_group.command("new-key")
@json_option
def secrets_new_key(as_json: bool) -> None:
    """Print a new key for ESCALQ_SECRET_KEY (put it first in the list to start using it)."""
    key = vault.new_key()
    emit(as_json, {"key": key}, key)


@secrets_group.command("rotate-key")
@json_option
@domain_errors
def secrets_rotate_key(as_json: bool) -> None:
    """Encrypt every stored secret again with the first key of ESCALQ_SECRET_KEY; then drop the others."""
    vault.require_key()
    with session_scope() as session:
        count = agent_secrets.reencrypt_all(session=session, now=utc_now())
    emit(
        as_json,
        {"reencrypted": count},
        f"{count} stored secret(s) encrypted with the first key of ESCALQ_SECRET_KEY; "
        "the other keys can be removed from it now",
    )


cli.add_command(audit)
cli.add_command(run)
cli.add_command(worker)
cli.add_command(scheduler)
