"""`escalq`: manage agents, reviewers, the database and demo data."""

from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from escalq.cli.offboard import add_commands as add_offboarding
from escalq.cli.output import emit, json_option
from escalq.cli.run import run
from escalq.cli.workers import scheduler, worker
from escalq.clock import utc_now
from escalq.db import session_scope
from escalq.models import Role
from escalq.services import demo, people
from escalq.services.errors import DomainError


def domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Show a refused request as a one-line error with exit code 1, not a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            raise click.ClickException(error.message) from error

    return wrapper


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


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@json_option
def db_upgrade(as_json: bool) -> None:
    """Create the database if missing and apply every migration."""
    from escalq.cli.database import upgrade

    revision = upgrade()
    emit(as_json, {"revision": revision}, f"database at revision {revision}")


@cli.command("demo")
@json_option
@domain_errors
def demo_command(as_json: bool) -> None:
    """Seed demo reviewers, an agent and sample escalations into an empty database."""
    with session_scope() as session:
        if not demo.is_empty(session=session):
            raise click.ClickException(
                "the database already has reviewers; demo data goes only into an empty one"
            )
        seeded = demo.seed(session=session, now=utc_now())
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
        f"{seeded.escalation_count} sample escalations",
    )


cli.add_command(run)
cli.add_command(worker)
cli.add_command(scheduler)
