"""`escalq agent schema` (the context contract) and `escalq audit seal|verify` (the tamper-evident trail)."""

import sys
from typing import Any

import click

from escalq.cli.output import domain_errors, emit, json_option
from escalq.clock import utc_now
from escalq.db import session_scope
from escalq.services import contract, people, trail


@click.command("schema")
@click.argument("name", required=False)
@click.option(
    "--set",
    "schema_file",
    type=click.File("r"),
    help="Set it from a JSON Schema file ('-': standard input); checked before it is stored.",
)
@click.option(
    "--recommended", is_flag=True, help="Apply escalq's recommended schema (without NAME: print it)."
)
@click.option("--clear", is_flag=True, help="Remove it: any JSON object is accepted again.")
@json_option
@domain_errors
def agent_schema(name: str | None, schema_file: Any, recommended: bool, clear: bool, as_json: bool) -> None:
    """Show, set or clear the JSON Schema agent NAME's context_data must follow."""
    if sum((schema_file is not None, recommended, clear)) > 1:
        raise click.UsageError("give one of --set, --recommended and --clear")
    if name is None:
        if not recommended:
            raise click.UsageError("give an agent's NAME, or --recommended to print escalq's schema")
        click.echo(contract.pretty(contract.recommended()))
        return
    with session_scope() as session:
        agent = people.agent_named(session=session, name=name)
        if schema_file is not None or recommended or clear:
            schema = contract.parse(schema_file.read()) if schema_file is not None else None
            chosen = contract.recommended() if recommended else schema
            agent = contract.set_schema(
                session=session, agent_id=agent.id, schema=chosen, by=None, now=utc_now()
            )
        schema_now = agent.context_schema
    shown = (
        f"agent {name} has no context schema: any JSON object is accepted"
        if schema_now is None
        else contract.pretty(schema_now)
    )
    emit(as_json, {"name": name, "context_schema": schema_now}, shown)


@click.group("audit")
def audit() -> None:
    """The audit log's hash chains: seal the global one, verify both."""


@audit.command("seal")
@json_option
@domain_errors
def audit_seal(as_json: bool) -> None:
    """Link every committed, unsealed audit event into the global chain (the scheduler does it too)."""
    sealed = trail.seal_all(transactions=session_scope)
    emit(as_json, {"sealed": sealed}, f"{sealed} audit event(s) sealed")


@audit.command("verify")
@json_option
@domain_errors
def audit_verify(as_json: bool) -> None:
    """Check both chains; names the first broken link of each and exits 1 when there is one."""
    with session_scope() as session:
        verdict = trail.verify(session=session)
    record = {
        "intact": verdict.intact,
        "events": verdict.events,
        "sealed": verdict.sealed,
        "head": verdict.head,
        "breaks": [
            {
                "chain": found.chain,
                "escalation_id": str(found.escalation_id),
                "event_id": found.event_id,
                "problem": found.problem,
            }
            for found in verdict.breaks
        ],
    }
    lines = [
        f"{verdict.events} audit event(s), {verdict.sealed} sealed into the global chain"
        + (f", head {verdict.head}" if verdict.head else ""),
        *(
            f"BROKEN {found.chain} chain: escalation {found.escalation_id}, event {found.event_id}: "
            + found.problem
            for found in verdict.breaks
        ),
    ]
    if verdict.intact:
        lines.append("both chains are intact")
    emit(as_json, record, "\n".join(lines))
    if not verdict.intact:
        sys.exit(1)
