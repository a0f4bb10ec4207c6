"""The audit logs: one row per status change, and one per security event, in the same transaction."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from escalq.models import ActorKind, Escalation, EscalationEvent, Reviewer, SecurityEvent, Status
from escalq.services.auth import Principal

SYSTEM = "escalq"


def record_event(
    *,
    session: Session,
    escalation: Escalation,
    action: str,
    from_status: Status | None,
    actor: Principal | None,
    now: datetime,
    details: dict[str, Any] | None = None,
    to_status: Status | None = None,
) -> EscalationEvent:
    """Append an event for the escalation's move from `from_status` to `to_status` (default: its current
    status). Written at the session's next flush, with whatever else the transaction adds: a create's
    events and tasks then cost one statement per table."""
    event = EscalationEvent(
        escalation_id=escalation.id,
        **event_values(
            action=action,
            from_status=from_status,
            to_status=to_status or escalation.status,
            actor=actor,
            now=now,
            details=details,
        ),
    )
    session.add(event)
    return event


def event_values(
    *,
    action: str,
    from_status: Status | None,
    to_status: Status,
    actor: Principal | None,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event's row but its escalation_id: for `record_event`, and for a statement that writes the
    event with its escalation (the create)."""
    return {
        "at": now,
        "actor_kind": ActorKind.system if actor is None else actor.kind,
        "actor_id": None if actor is None else actor.id,
        "actor_name": SYSTEM if actor is None else actor.name,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "details": details or {},
    }


def events_for(*, session: Session, escalation: Escalation) -> list[EscalationEvent]:
    """The escalation's audit trail, oldest first."""
    query = (
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(EscalationEvent.id)  # type: ignore[arg-type]
    )
    return list(session.exec(query))


def record_security_event(
    *,
    session: Session,
    action: str,
    subject: str,
    now: datetime,
    reviewer: Reviewer | None = None,
    by: Reviewer | None = None,
    client_ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append a sign-in, offboarding or secret event about `subject` (an email or an agent's name); never a
    password or a secret.

    `by` is the admin or reviewer who acted; None is escalq itself (sign-in) or the command line.
    """
    event = SecurityEvent(
        at=now,
        action=action,
        reviewer_id=None if reviewer is None else reviewer.id,
        subject=subject,
        client_ip=client_ip or None,
        actor_name=SYSTEM if by is None else by.display_name,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event
