"""The policy versions as the policies page and the command line read them: rows, a version's document
as text with its diff from the active one, and a document typed as JSON."""

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from escalq.models import PolicyVersion
from escalq.schemas.policy_rows import FieldError, PolicyRow, RuleTestRow
from escalq.services.errors import Invalid, SchemaErrors
from escalq.services.policies.current import current
from escalq.services.policies.diff import diff
from escalq.services.policies.replay import replay
from escalq.services.policies.versions import Policy, active_row, as_policy, get, listing


@dataclass(frozen=True)
class Shown:
    """Every version, and one of them (`number`) with its document and what it changes from the active."""

    versions: list[PolicyRow]
    active: int
    number: int
    text: str
    changes: list[str]  # "path: before -> after"


def shown(*, session: Session, number: int | None) -> Shown:
    """The versions, and version `number` (None: the active one)."""
    active = _active(session)
    row = get(session=session, number=active.number if number is None else number)
    return Shown(
        versions=[_row(r, active=active.number) for r in listing(session=session)],
        active=active.number,
        number=row.number,
        text=pretty(row.document),
        changes=[str(change) for change in diff(active.document, as_policy(row).document)],
    )


def activation_changes(*, session: Session, number: int) -> list[str]:
    """What activating version `number` would change, field by field."""
    after = as_policy(get(session=session, number=number)).document
    return [str(change) for change in diff(_active(session).document, after)]


@dataclass(frozen=True)
class RuleTest:
    """Version `number`'s rules over the decision-gate calls of the last `days` days: a sentence, and
    each rule's counts."""

    number: int
    summary: str
    rows: list[RuleTestRow]


def rule_test(*, session: Session, number: int, days: int, now: datetime) -> RuleTest:
    """What version `number` would have decided on the evaluations recorded in the last `days` days."""
    document = as_policy(get(session=session, number=number)).document
    found = replay(session=session, document=document, since=now - timedelta(days=days), until=now)
    span = "the last day" if days == 1 else f"the last {days} days"
    if found.evaluated == 0:
        summary = f"No decision-gate calls recorded in {span}: nothing to compare."
    else:
        summary = (
            f"{found.changed} of {found.evaluated} decisions recorded in {span} would change under v{number}."
        )
    return RuleTest(number=number, summary=summary, rows=[RuleTestRow(**asdict(r)) for r in found.rules])


def pretty(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def from_text(text: str) -> dict[str, Any]:
    """A document typed or read as JSON; Invalid (field `document`) when it is not a JSON object."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise Invalid(f"the policy document is not JSON: {error}", field="document") from None
    if not isinstance(document, dict):
        raise Invalid("the policy document must be a JSON object", field="document")
    return document


def field_errors(error: Invalid) -> list[FieldError]:
    """A refused proposal as one line per field at fault."""
    if isinstance(error, SchemaErrors):
        return [
            FieldError(".".join(map(str, loc)) or "document", message) for loc, message, _ in error.errors
        ]
    return [FieldError(error.field or "document", error.message)]


def _active(session: Session) -> Policy:
    """The active version as the database has it now (not a process's cached view)."""
    row = active_row(session=session)
    return as_policy(row) if row is not None else current(session)  # current() writes version 1


def _row(row: PolicyVersion, *, active: int) -> PolicyRow:
    return PolicyRow(
        number=row.number,
        active=row.active,
        author=row.author_name,
        author_id="" if row.author_id is None else str(row.author_id),
        created_at=row.created_at.isoformat(),
        comment=row.comment,
        approved=row.approved_at is not None,
        older=row.number < active,
    )
