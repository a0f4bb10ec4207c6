"""The round-robin pool changing: waiting escalations go to whoever joins, a leaver's go back to the pool."""

import uuid
from datetime import datetime

from sqlalchemy import case
from sqlmodel import Session, col, select

from escalq.models import PRIORITY_RANK, Escalation, Reviewer, Status
from escalq.services import escalations
from escalq.services.audit import record_event
from escalq.services.auth import Principal

_URGENT_FIRST = (
    case(
        {priority.value: rank for priority, rank in PRIORITY_RANK.items()}, value=col(Escalation.priority)
    ).desc(),
    col(Escalation.created_at),
    col(Escalation.id),
)


def assign_pending(*, session: Session, now: datetime) -> list[uuid.UUID]:
    """Hand every pending escalation to the pool, urgent first then oldest; returns those assigned."""
    waiting = session.exec(
        select(Escalation)
        .where(col(Escalation.status) == Status.pending)
        .order_by(*_URGENT_FIRST)
        .with_for_update(),
        execution_options={"populate_existing": True},
    ).all()
    assigned = []
    for escalation in waiting:
        if escalations.assign(session=session, escalation=escalation, now=now) is None:
            break  # the pool is empty after all
        assigned.append(escalation.id)
    return assigned


def hand_back(
    *,
    session: Session,
    reviewer: Reviewer,
    by: Reviewer | None,
    now: datetime,
    statuses: tuple[Status, ...] = (Status.assigned,),
    reason: str = "left the pool",
) -> list[uuid.UUID]:
    """Return what `reviewer` holds in `statuses` (by default: not yet claimed) to round-robin.

    Each goes back to pending (audited as handed_back, by `by` or by escalq itself when None) and straight
    to the next active reviewer, or stays pending when there is none. Call it once `reviewer` is out of the
    pool, so they are not picked again. Returns the escalations touched.
    """
    held = session.exec(
        select(Escalation)
        .where(col(Escalation.assigned_to) == reviewer.id, col(Escalation.status).in_(statuses))
        .order_by(*_URGENT_FIRST)
        .with_for_update(),
        execution_options={"populate_existing": True},
    ).all()
    for escalation in held:
        return_to_pool(
            session=session, escalation=escalation, reviewer=reviewer, by=by, now=now, reason=reason
        )
    return [escalation.id for escalation in held]


def return_to_pool(
    *,
    session: Session,
    escalation: Escalation,
    reviewer: Reviewer,
    by: Reviewer | None,
    now: datetime,
    reason: str,
) -> None:
    """One escalation `reviewer` held (locked by the caller) goes back to pending, audited, then on to the
    next active reviewer."""
    previous = escalation.status
    escalation.status, escalation.assigned_to, escalation.claimed_at = Status.pending, None, None
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="handed_back",
        from_status=previous,
        actor=None if by is None else Principal(reviewer=by),
        now=now,
        details={
            "previously_assigned_to": str(reviewer.id),
            "reviewer": reviewer.display_name,
            "reason": reason,
        },
    )
    escalations.assign(session=session, escalation=escalation, now=now)
