"""Everything the escalation page shows, read in one unit of work."""

import json
import uuid

from sqlmodel import Session

from escalq.models import Escalation, Reviewer, Status
from escalq.schemas.detail import DeliveryRow, EscalationView, EventRow, NotificationRow
from escalq.services import audit, notifications, projections, webhooks
from escalq.services.errors import NotFound


def view(*, session: Session, escalation_id: uuid.UUID) -> EscalationView:
    """The escalation with its context, audit trail, webhook attempts and notifications."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound(f"no escalation {escalation_id}")
    # Once it is closed nobody holds it; the resolution line says who decided.
    held = escalation.assigned_to is not None and escalation.status not in (Status.resolved, Status.expired)
    holder = session.get(Reviewer, escalation.assigned_to) if held else None
    resolver = session.get(Reviewer, escalation.resolved_by) if escalation.resolved_by else None
    return projections.page(
        escalation,
        holder=holder,
        resolver=resolver,
        related_resolution=_decision(session=session, escalation_id=escalation.related_to),
        events=[
            EventRow(
                at=event.at.isoformat(),
                actor=f"{event.actor_name} ({event.actor_kind.value})",
                action=event.action,
                from_status=event.from_status.value if event.from_status else "",
                to_status=event.to_status.value,
                details=json.dumps(event.details) if event.details else "",
            )
            for event in audit.events_for(session=session, escalation=escalation)
        ],
        deliveries=[
            DeliveryRow(
                attempt=attempt.attempt,
                at=attempt.at.isoformat(),
                url=attempt.url,
                event_type=attempt.event_type,
                outcome=attempt.outcome,
                http_status=str(attempt.http_status or "—"),
                duration_ms=attempt.duration_ms,
                response=attempt.error or attempt.response_excerpt or "",
            )
            for attempt in webhooks.attempts_for(session=session, escalation_id=escalation.id)
        ],
        notifications=[
            NotificationRow(
                channel=sent.channel.value,
                recipient=sent.recipient,
                kind=sent.kind,
                status=sent.status.value,
                attempts=sent.attempts,
                error=sent.error or "",
                at=(sent.sent_at or sent.created_at).isoformat(),
            )
            for sent in notifications.for_escalation(session=session, escalation_id=escalation.id)
        ],
    )


def _decision(*, session: Session, escalation_id: uuid.UUID | None) -> str:
    """How an earlier escalation was decided, for a suspected loop: the reviewer sees it without a click."""
    earlier = session.get(Escalation, escalation_id) if escalation_id is not None else None
    if earlier is None or earlier.resolution is None:
        return ""
    resolver = session.get(Reviewer, earlier.resolved_by) if earlier.resolved_by else None
    notes = f": {earlier.resolution_notes}" if earlier.resolution_notes else ""
    return f"{earlier.resolution} by {resolver.display_name if resolver else 'a reviewer'}{notes}"
