"""The audit logs: one row per status change, and one per admin action, in the change's transaction."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from escalq.models import ActorKind, AdminEvent, Agent, Escalation, EscalationEvent, Reviewer, Status
from escalq.services.auth import Principal

SYSTEM = "escalq"
CLI = "escalq command line"


def record_event(
    *,
    session: Session,
    escalation: Escalation,
    action: str,
    from_status: Status | None,
    actor: Principal | None,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> EscalationEvent:
    """Append an event for the escalation's move from `from_status` to its current status."""
    event = EscalationEvent(
        escalation_id=escalation.id,
        at=now,
        actor_kind=ActorKind.system if actor is None else actor.kind,
        actor_id=None if actor is None else actor.id,
        actor_name=SYSTEM if actor is None else actor.name,
        action=action,
        from_status=from_status,
        to_status=escalation.status,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event


def events_for(*, session: Session, escalation: Escalation) -> list[EscalationEvent]:
    """The escalation's audit trail, oldest first."""
    query = (
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.id)  # type: ignore[arg-type]
    )
    return list(session.exec(query))


def record_admin_event(
    *,
    session: Session,
    action: str,
    subject: Agent | Reviewer,
    by: Reviewer | None,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> AdminEvent:
    """Append what `by` (None: the operator, on the command line) did to `subject`; never pass a secret."""
    event = AdminEvent(
        at=now,
        actor_kind=ActorKind.system if by is None else ActorKind.reviewer,
        actor_id=None if by is None else by.id,
        actor_name=CLI if by is None else by.display_name,
        action=action,
        subject_kind="agent" if isinstance(subject, Agent) else "reviewer",
        subject_id=subject.id,
        subject_name=subject.name if isinstance(subject, Agent) else subject.email,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event
