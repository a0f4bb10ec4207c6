"""`escalq policy list|show|diff|propose|approve|activate|test`: the policy versions from the command line.

`--as EMAIL` names the admin the audit log records; activation without it names escalq as the actor.
"""

import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import click
from sqlmodel import Session

from escalq.cli.output import domain_errors, emit, json_option
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.models import PolicyVersion, Reviewer, Role
from escalq.pipeline import unit_of_work
from escalq.services import people, policies
from escalq.services.errors import Forbidden


def _row(row: PolicyVersion) -> dict[str, Any]:
    return {
        "number": row.number,
        "active": row.active,
        "author": row.author_name,
        "created_at": row.created_at.isoformat(),
        "comment": row.comment,
        "approved": row.approved_at is not None,
    }


def _admin(session: Session, email: str) -> Reviewer:
    """The admin `--as` names; anyone else is refused here, before the service says why in general."""
    reviewer = people.find_reviewer(session=session, email=email)
    if reviewer.role != Role.admin or reviewer.disabled_at is not None:
        raise Forbidden(f"--as {email}: {reviewer.display_name} is not an active admin")
    return reviewer


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


@policy.command("propose")
@click.argument("file", type=click.File("r"))
@click.option("--comment", required=True, help="Why this version.")
@click.option("--as", "as_email", required=True, metavar="EMAIL", help="The admin proposing it.")
@json_option
@domain_errors
def policy_propose(file: IO[str], comment: str, as_email: str, as_json: bool) -> None:
    """A new, inactive version from the JSON document in FILE (- for stdin); prints its diff to the active."""
    document = policies.from_text(file.read())
    with unit_of_work() as session:
        active = policies.current(session)
        row = policies.propose(
            session=session,
            document=document,
            author=_admin(session, as_email),
            comment=comment,
            now=utc_now(),
        )
        number = row.number
        changes = policies.diff(active.document, policies.as_policy(row).document)
    text = f"policy v{number} proposed (not active); against the active v{active.number}:\n" + (
        "\n".join(map(str, changes)) or "no changes"
    )
    record = {"number": number, "active": active.number, "diff": [c.as_json() for c in changes]}
    emit(as_json, record, text)


@policy.command("approve")
@click.argument("number", type=int)
@click.option(
    "--as", "as_email", required=True, metavar="EMAIL", help="The approving admin (not the author)."
)
@json_option
@domain_errors
def policy_approve(number: int, as_email: str, as_json: bool) -> None:
    """Approve version NUMBER, so it may be activated when approval is required."""
    with unit_of_work() as session:
        row = policies.approve(session=session, number=number, by=_admin(session, as_email), now=utc_now())
        record = _row(row)
    emit(as_json, record, f"policy v{number} approved")


@policy.command("activate")
@click.argument("number", type=int)
@click.option("--as", "as_email", metavar="EMAIL", help="The admin activating it (default: escalq).")
@json_option
@domain_errors
def policy_activate(number: int, as_email: str | None, as_json: bool) -> None:
    """Make version NUMBER the active one (an earlier one: a rollback); prints the diff."""
    with unit_of_work() as session:
        policies.current(session)
        done = policies.activate(
            session=session,
            number=number,
            by=None if as_email is None else _admin(session, as_email),
            approval_required=get_settings().policy_approval,
            now=utc_now(),
        )
    changes = [c.as_json() for c in done.changes]
    text = f"policy v{done.activated} active (was v{done.previous})\n" + "\n".join(map(str, done.changes))
    emit(as_json, {"activated": done.activated, "previous": done.previous, "diff": changes}, text)


_COLUMNS = ("before", "after", "to_escalate", "to_continue", "changed")


def _table(found: policies.Replay) -> str:
    width = max([len("rule"), *(len(r.rule) for r in found.rules)])
    lines = [f"{'rule':<{width}}  " + "  ".join(f"{c.replace('_', ' '):>11}" for c in _COLUMNS)]
    lines += [
        f"{r.rule:<{width}}  " + "  ".join(f"{getattr(r, c):>11}" for c in _COLUMNS) for r in found.rules
    ]
    return "\n".join(lines)


@policy.command("test")
@click.argument("number", type=int)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=7,
    show_default=True,
    help="Evaluations of the last N days.",
)
@click.option(
    "--file",
    "signals_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON Lines of signal sets instead, compared with the active version.",
)
@json_option
@domain_errors
def policy_test(number: int, days: int, signals_file: Path | None, as_json: bool) -> None:
    """How many decision-gate decisions version NUMBER would change, per rule (sampling left out)."""
    with unit_of_work() as session:
        active = policies.current(session)
        tested = policies.as_policy(policies.get(session=session, number=number))
        if signals_file is None:
            until = utc_now()
            found = policies.replay(
                session=session, document=tested.document, since=until - timedelta(days=days), until=until
            )
            against = f"the evaluations of the last {days} day(s), as decided then"
        else:
            with signals_file.open(encoding="utf-8") as lines:
                signal_sets = policies.read_signals(lines)
            found = policies.replay_signals(signal_sets, document=tested.document, baseline=active.document)
            against = f"{signals_file.name}, as v{active.number} (active) decides"
    record = {"version": number, "against": against, **asdict(found)}
    text = (
        f"policy v{number} against {against}: {found.changed} of {found.evaluated} decision(s) would change\n"
        + _table(found)
    )
    emit(as_json, record, text)
