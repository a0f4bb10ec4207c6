"""Hand-back: a reviewer asks the agent a question instead of deciding; the agent's answer returns it."""

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from escalq.models import OPEN_STATUSES, Agent, ContextUpdate, Escalation, Reviewer, Status
from escalq.schemas.handback import MAX_QUESTION_CHARS, ContextUpdateRow, Exchange, Question
from escalq.services import pool, projections, webhooks
from escalq.services.audit import record_event
from escalq.services.auth import Principal, is_supervisor
from escalq.services.errors import Conflict, Forbidden, Invalid, NotFound
from escalq.services.escalations import get_for_update
from escalq.services.limits import check_context

ASKABLE = (Status.assigned, Status.claimed)
NOTE_IN_TIMELINE = 500
_QUESTION = TypeAdapter(Question)


def request_info(
    *, session: Session, escalation_id: uuid.UUID, by: Reviewer, question: str, now: datetime
) -> Escalation:
    """Hand the escalation back to its agent with a question; the holder or a manager/admin may.

    The asker holds it while the agent answers, and gets it back (claimed) with the answer.
    Asking the same question again is harmless.
    """
    try:
        question = _QUESTION.validate_python(question)
    except ValidationError:
        raise Invalid(
            f"the question must be 1 to {MAX_QUESTION_CHARS} characters, without NUL", field="question"
        ) from None
    escalation = get_for_update(session=session, escalation_id=escalation_id)
    if (
        escalation.status == Status.needs_info
        and escalation.info_requested_by == by.id
        and escalation.info_question == question
    ):
        return escalation
    if escalation.status not in ASKABLE:
        raise Conflict(
            f"escalation {escalation_id} is {escalation.status.value}; "
            "only an assigned or claimed escalation can be handed back to its agent"
        )
    if escalation.assigned_to != by.id and not is_supervisor(by):
        raise Forbidden("only the reviewer holding this escalation, or a manager or admin, may ask its agent")
    previous_status, previous_holder = escalation.status, escalation.assigned_to
    escalation.status, escalation.info_question, escalation.info_requested_by = (
        Status.needs_info,
        question,
        by.id,
    )
    escalation.assigned_to = by.id
    escalation.assigned_at = escalation.assigned_at or now
    escalation.claimed_at = escalation.claimed_at or now
    session.add(escalation)
    details: dict[str, Any] = {"question": question}
    if previous_holder not in (None, by.id):
        details["previously_assigned_to"] = str(previous_holder)
    record_event(
        session=session,
        escalation=escalation,
        action="info_requested",
        from_status=previous_status,
        actor=Principal(reviewer=by),
        now=now,
        details=details,
    )
    webhooks.queue(
        session=session,
        escalation=escalation,
        body=projections.info_requested_event(escalation=escalation, reviewer=by, now=now),
        now=now,
    )
    return escalation


def add_context(
    *,
    session: Session,
    escalation_id: uuid.UUID,
    agent: Agent,
    data: dict[str, Any],
    note: str | None,
    now: datetime,
    max_context_bytes: int,
) -> Escalation:
    """Merge the agent's new top-level keys into the context (new values win) and keep them as history.

    While the escalation waits for an answer, this is the answer: it goes back, claimed, to the
    reviewer who asked. Other agents' escalations look unknown; closed ones cannot change.
    """
    escalation = get_for_update(session=session, escalation_id=escalation_id)
    if escalation.source_agent != agent.name:
        raise NotFound(f"no escalation {escalation_id}")
    if escalation.status not in OPEN_STATUSES:
        raise Conflict(
            f"escalation {escalation_id} is already {escalation.status.value}; "
            "context can be added only while it is open"
        )
    if not data and not note:
        raise Invalid("send at least one key in context_data, or a note", field="context_data")
    merged = {**escalation.context_data, **data}
    check_context(merged, max_bytes=max_context_bytes, merged=True)
    escalation.context_data = merged
    session.add(ContextUpdate(escalation_id=escalation.id, at=now, data=data, note=note))
    previous_status = escalation.status
    details: dict[str, Any] = {"keys": sorted(data)}
    if note:
        details["note"] = note[:NOTE_IN_TIMELINE]
    if previous_status == Status.needs_info:
        details["answers"] = escalation.info_question
        escalation.status = Status.claimed
        escalation.assigned_to = escalation.info_requested_by or escalation.assigned_to
        escalation.info_question, escalation.info_requested_by = None, None
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="context_added",
        from_status=previous_status,
        actor=Principal(agent=agent),
        now=now,
        details=details,
    )
    asker = session.get(Reviewer, escalation.assigned_to) if previous_status == Status.needs_info else None
    if asker is not None and asker.disabled_at is not None:
        # The asker was offboarded while the agent answered: the answer goes to round-robin instead.
        pool.return_to_pool(
            session=session, escalation=escalation, reviewer=asker, by=None, now=now, reason="disabled"
        )
    return escalation


def exchange(*, session: Session, escalation_id: uuid.UUID) -> Exchange:
    """The open question, if any, and the agent's additions to the context, oldest first."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"no escalation {escalation_id}")
    asker = session.get(Reviewer, escalation.info_requested_by) if escalation.info_requested_by else None
    return Exchange(
        question=escalation.info_question or "",
        asked_by=asker.display_name if asker else "",
        updates=[
            ContextUpdateRow(
                at=update.at.isoformat(),
                added=", ".join(sorted(update.data)),
                note=update.note or "",
                json=json.dumps(update.data, indent=2, ensure_ascii=False, sort_keys=True),
            )
            for update in updates_for(session=session, escalation_id=escalation_id)
        ],
    )


def updates_for(*, session: Session, escalation_id: uuid.UUID) -> list[ContextUpdate]:
    """What the agent added to the escalation's context later, oldest first."""
    query = select(ContextUpdate).where(col(ContextUpdate.escalation_id) == escalation_id)
    return list(session.exec(query.order_by(col(ContextUpdate.id))))
