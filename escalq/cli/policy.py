"""`escalq policy list|show|diff|activate`: the policy versions from the command line.

Activation here has no signed-in admin: the audit log names escalq as the actor.
"""

import json
from typing import Any

import click

from escalq.cli.output import domain_errors, emit, json_option
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.models import PolicyVersion
from escalq.pipeline import unit_of_work
from escalq.services import policies


def _row(row: PolicyVersion) -> dict[str, Any]:
    return {
        "number": row.number,
        "active": row.active,
        "author": row.author_name,
        "created_at": row.created_at.isoformat(),
        "comment": row.comment,
        "approved": row.approved_at is not None,
    }


@click.group("policy")
def policy() -> None:
    """Policy versions: the thresholds that decide escalation behaviour."""


@policy.command("list")
@json_option
@domain_errors
def policy_list(as_json: bool) -> None:
    """Every version, newest first."""
    with unit_of_work() as session:
        policies.current(session)
        rows = [_row(row) for row in policies.listing(session=session)]
    lines = [
        f"v{r['number']}{' (active)' if r['active'] else ''}  {r['author']}  {r['comment']}" for r in rows
    ]
    emit(as_json, {"versions": rows}, "\n".join(lines))


@policy.command("show")
@click.argument("number", type=int, required=False)
@json_option
@domain_errors
def policy_show(number: int | None, as_json: bool) -> None:
    """A version's document (the active one without NUMBER)."""
    with unit_of_work() as session:
        active = policies.current(session).number
        row = policies.get(session=session, number=number or active)
        record = {**_row(row), "document": row.document}
    emit(as_json, record, json.dumps(record["document"], indent=2))


@policy.command("diff")
@click.argument("before", type=int)
@click.argument("after", type=int)
@json_option
@domain_errors
def policy_diff(before: int, after: int, as_json: bool) -> None:
    """What changes from version BEFORE to version AFTER, field by field."""
    with unit_of_work() as session:
        a, b = (policies.as_policy(policies.get(session=session, number=n)) for n in (before, after))
    changes = policies.diff(a.document, b.document)
    emit(as_json, {"diff": [c.as_json() for c in changes]}, "\n".join(map(str, changes)) or "no changes")


@policy.command("activate")
@click.argument("number", type=int)
@json_option
@domain_errors
def policy_activate(number: int, as_json: bool) -> None:
    """Make version NUMBER the active one (an earlier one: a rollback); prints the diff."""
    with unit_of_work() as session:
        policies.current(session)
        done = policies.activate(
            session=session,
            number=number,
            by=None,
            approval_required=get_settings().policy_approval,
            now=utc_now(),
        )
    changes = [c.as_json() for c in done.changes]
    text = f"policy v{done.activated} active (was v{done.previous})\n" + "\n".join(map(str, done.changes))
    emit(as_json, {"activated": done.activated, "previous": done.previous, "diff": changes}, text)
