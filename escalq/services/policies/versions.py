"""Policy versions: proposed as new immutable rows, approved by a second admin, activated one at a time."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, col, select

from escalq.config import Settings
from escalq.models import PolicyVersion, Reviewer, Role
from escalq.schemas.policy import PolicyDocument
from escalq.services.audit import SYSTEM, record_security_event
from escalq.services.errors import Conflict, Forbidden, NotFound, SchemaErrors
from escalq.services.policies.diff import Change, diff


@dataclass(frozen=True)
class Policy:
    """A version's number and its validated document."""

    number: int
    document: PolicyDocument


def as_policy(row: PolicyVersion) -> Policy:
    return Policy(number=row.number, document=PolicyDocument.model_validate(row.document))


def parse(document: dict[str, Any]) -> PolicyDocument:
    """A proposed document, validated; SchemaErrors names every field at fault (`loops.similarity`)."""
    try:
        return PolicyDocument.model_validate(document)
    except ValidationError as error:
        errors = [(tuple(e["loc"]), e["msg"], e["type"]) for e in error.errors()]
        problems = "; ".join(f"{'.'.join(map(str, loc)) or 'document'}: {msg}" for loc, msg, _ in errors)
        raise SchemaErrors(f"the policy document is not valid: {problems}", errors=errors) from error


def get(*, session: Session, number: int) -> PolicyVersion:
    row = session.get(PolicyVersion, number)
    if row is None:
        raise NotFound(f"there is no policy version {number}")
    return row


def listing(*, session: Session) -> list[PolicyVersion]:
    """Every version, newest first."""
    return list(session.exec(select(PolicyVersion).order_by(col(PolicyVersion.number).desc())))


def active_row(*, session: Session) -> PolicyVersion | None:
    return session.exec(select(PolicyVersion).where(col(PolicyVersion.active))).first()


def ensure_first(*, session: Session, settings: Settings, now: datetime) -> None:
    """Version 1 from the environment, active, unless a version exists; racing processes write it once."""
    statement = (
        pg_insert(PolicyVersion)
        .values(
            number=1,
            document=PolicyDocument.from_settings(settings).model_dump(mode="json"),
            author_name=SYSTEM,
            created_at=now,
            comment="from the environment",
            active=True,
            activated_at=now,
        )
        .on_conflict_do_nothing()
    )
    session.execute(statement)


def propose(
    *, session: Session, document: dict[str, Any], author: Reviewer, comment: str, now: datetime
) -> PolicyVersion:
    """A new version (not active) with the next number; the document is validated first."""
    _require_admin(author, "propose a policy version")
    parsed = parse(document)
    session.execute(select(func.pg_advisory_xact_lock(_NUMBERING)))  # concurrent proposals number in turn
    latest = session.exec(select(func.max(PolicyVersion.number))).one()
    row = PolicyVersion(
        number=(latest or 0) + 1,
        document=parsed.model_dump(mode="json"),
        author_id=author.id,
        author_name=author.display_name,
        created_at=now,
        comment=comment,
    )
    session.add(row)
    record_security_event(
        session=session,
        action="policy_proposed",
        subject=f"policy v{row.number}",
        by=author,
        now=now,
        details={"comment": comment},
    )
    return row


def approve(*, session: Session, number: int, by: Reviewer, now: datetime) -> PolicyVersion:
    """A second admin's approval; the author may not approve their own version."""
    _require_admin(by, "approve a policy version")
    row = _lock(session=session, number=number)
    if row.author_id == by.id:
        raise Forbidden(f"policy v{number} was proposed by you; another admin must approve it")
    if row.approved_at is not None:
        raise Conflict(f"policy v{number} is already approved")
    row.approved_by, row.approved_at = by.id, now
    session.add(row)
    record_security_event(
        session=session, action="policy_approved", subject=f"policy v{number}", by=by, now=now
    )
    return row


@dataclass(frozen=True)
class Activation:
    previous: int | None
    activated: int
    changes: list[Change]


def activate(
    *, session: Session, number: int, by: Reviewer | None, approval_required: bool, now: datetime
) -> Activation:
    """Make `number` the one active version (a rollback is activating an earlier one): one audited
    action, its event holding the per-field diff from the version it replaces.

    `by` None is the command line run by the operator. With `approval_required`, only approved
    versions (and version 1, from the environment) may be activated.
    """
    if by is not None:
        _require_admin(by, "activate a policy version")
    session.execute(select(func.pg_advisory_xact_lock(_ACTIVATION)))
    row = _lock(session=session, number=number)
    if row.active:
        raise Conflict(f"policy v{number} is already active")
    if approval_required and row.author_id is not None and row.approved_at is None:
        raise Forbidden(f"policy v{number} is not approved; another admin must approve it first")
    previous = active_row(session=session)
    changes = diff(
        PolicyDocument() if previous is None else as_policy(previous).document, as_policy(row).document
    )
    session.execute(update(PolicyVersion).where(col(PolicyVersion.active)).values(active=False))
    session.execute(
        update(PolicyVersion).where(col(PolicyVersion.number) == number).values(active=True, activated_at=now)
    )
    session.expire(row)
    record_security_event(
        session=session,
        action="policy_activated",
        subject=f"policy v{number}",
        by=by,
        now=now,
        details={
            "from_version": None if previous is None else previous.number,
            "to_version": number,
            "diff": [change.as_json() for change in changes],
        },
    )
    return Activation(
        previous=None if previous is None else previous.number, activated=number, changes=changes
    )


# Advisory lock keys: one for numbering proposals, one for activations (arbitrary, fixed).
_NUMBERING = 7_013_001
_ACTIVATION = 7_013_002


def _lock(*, session: Session, number: int) -> PolicyVersion:
    row = session.exec(
        select(PolicyVersion).where(col(PolicyVersion.number) == number).with_for_update()
    ).first()
    if row is None:
        raise NotFound(f"there is no policy version {number}")
    return row


def _require_admin(reviewer: Reviewer, what: str) -> None:
    if reviewer.role != Role.admin or reviewer.disabled_at is not None:
        raise Forbidden(f"only an admin may {what}")
