"""The life of an escalation: created by an agent, assigned, claimed and resolved by people."""

import uuid
from datetime import datetime

from sqlmodel import Session, select

from escalq.models import (
    OPEN_STATUSES,
    Agent,
    Escalation,
    EscalationEvent,
    Priority,
    Reviewer,
    Status,
    TaskKind,
)
from escalq.schemas.escalation import EscalationCreate
from escalq.services import notifications, outbox, urls, webhooks
from escalq.services.assignment import next_reviewer
from escalq.services.audit import events_for, record_event
from escalq.services.auth import Principal, is_supervisor
from escalq.services.errors import Conflict, Forbidden, NotFound
from escalq.services.outbound import Outbound


def create(
    *, session: Session, data: EscalationCreate, agent: Agent, outbound: Outbound, now: datetime
) -> Escalation:
    """Open an escalation for `agent`, hand it to the next reviewer, and queue what must follow.

    Categorization, and for urgent ones the notifications, are outbox tasks in this same transaction.
    """
    if data.webhook_url is not None:
        urls.check_on_create(data.webhook_url, allow_private=outbound.allow_private)
    if data.source_agent is not None and data.source_agent != agent.name:
        raise Forbidden(
            f"source_agent {data.source_agent!r} does not match the API key's agent {agent.name!r}; "
            "leave it out, it is taken from the key"
        )
    escalation = Escalation(
        source_agent=agent.name,
        issue_description=data.issue_description,
        priority=data.priority,
        context_data=data.context_data,
        webhook_url=data.webhook_url,
        status=Status.pending,
        created_at=now,
    )
    session.add(escalation)
    session.flush()
    record_event(
        session=session,
        escalation=escalation,
        action="created",
        from_status=None,
        actor=Principal(agent=agent),
        now=now,
    )
    assign(session=session, escalation=escalation, now=now)
    outbox.record(session=session, kind=TaskKind.categorize, escalation_id=escalation.id, payload={}, now=now)
    if escalation.priority == Priority.urgent:
        notifications.queue_urgent(
            session=session, escalation=escalation, channels=outbound.channels, now=now
        )
    return escalation


def assign(*, session: Session, escalation: Escalation, now: datetime) -> Reviewer | None:
    """Give a pending escalation to the next active reviewer; it stays pending when nobody is active."""
    reviewer = next_reviewer(session=session)
    if reviewer is None:
        return None
    escalation.status, escalation.assigned_to, escalation.assigned_at = Status.assigned, reviewer.id, now
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="assigned",
        from_status=Status.pending,
        actor=None,
        now=now,
        details={"assigned_to": str(reviewer.id), "reviewer": reviewer.display_name, "rule": "round_robin"},
    )
    return reviewer


def get_visible(*, session: Session, escalation_id: uuid.UUID, principal: Principal) -> Escalation:
    """An escalation the caller may see: agents see only their own; others look unknown."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or (
        principal.agent is not None and escalation.source_agent != principal.agent.name
    ):
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def history(*, session: Session, escalation: Escalation) -> list[EscalationEvent]:
    """The escalation's audit trail, oldest first."""
    return events_for(session=session, escalation=escalation)


def claim(*, session: Session, escalation_id: uuid.UUID, by: Reviewer, now: datetime) -> Escalation:
    """Take an open escalation; exactly one of several concurrent claimers wins, a repeat is harmless."""
    escalation = _get_for_update(session=session, escalation_id=escalation_id)
    if escalation.status == Status.claimed and escalation.assigned_to == by.id:
        return escalation
    if escalation.status not in (Status.pending, Status.assigned):
        holder = _holder_name(session=session, escalation=escalation)
        raise Conflict(f"escalation {escalation_id} is already {escalation.status.value} by {holder}")
    previous_status, previous_assignee = escalation.status, escalation.assigned_to
    escalation.status, escalation.assigned_to, escalation.claimed_at = Status.claimed, by.id, now
    escalation.assigned_at = escalation.assigned_at or now
    session.add(escalation)
    details = {} if previous_assignee in (None, by.id) else {"previously_assigned_to": str(previous_assignee)}
    record_event(
        session=session,
        escalation=escalation,
        action="claimed",
        from_status=previous_status,
        actor=Principal(reviewer=by),
        now=now,
        details=details,
    )
    return escalation


def resolve(
    *, session: Session, escalation_id: uuid.UUID, by: Reviewer, resolution: str, notes: str, now: datetime
) -> Escalation:
    """Record the human decision; only the holder or a manager/admin may, and only once."""
    escalation = _get_for_update(session=session, escalation_id=escalation_id)
    if escalation.status not in OPEN_STATUSES:
        holder = _holder_name(session=session, escalation=escalation)
        raise Conflict(f"escalation {escalation_id} is already {escalation.status.value} by {holder}")
    if escalation.assigned_to != by.id and not is_supervisor(by):
        raise Forbidden("only the reviewer holding this escalation, or a manager or admin, may resolve it")
    previous_status = escalation.status
    escalation.status, escalation.resolved_at, escalation.resolved_by = Status.resolved, now, by.id
    escalation.resolution, escalation.resolution_notes = resolution, notes
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="resolved",
        from_status=previous_status,
        actor=Principal(reviewer=by),
        now=now,
        details={"resolution": resolution},
    )
    webhooks.queue(
        session=session,
        escalation=escalation,
        body=webhooks.resolution_body(escalation=escalation, resolver=by),
        now=now,
    )
    return escalation


def _get_for_update(*, session: Session, escalation_id: uuid.UUID) -> Escalation:
    escalation = session.exec(
        select(Escalation).where(Escalation.id == escalation_id).with_for_update()
    ).first()
    if escalation is None:
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def _holder_name(*, session: Session, escalation: Escalation) -> str:
    holder_id = escalation.resolved_by if escalation.status == Status.resolved else escalation.assigned_to
    holder = session.get(Reviewer, holder_id) if holder_id is not None else None
    return holder.display_name if holder is not None else "nobody"
