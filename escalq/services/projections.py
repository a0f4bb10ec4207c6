"""An escalation as each audience sees it: the API, the dashboard, the agent's webhook events.

The API's `EscalationOut` reads the escalation's fields by name (schemas.escalation). The dashboard's
views (a queue row, the urgent alert, the escalation page) are mapped here; the row and the page derive
from `EscalationSummary` (schemas.queue), its fields mapped once in `_summary`. A webhook event is its
documented model (schemas.webhooks), the fields every event carries mapped once in `_event`.
"""

import json
from datetime import datetime
from typing import Any, TypeVar

from escalq.models import UNCLAIMED, Escalation, Reviewer
from escalq.schemas.detail import ContextSection, DeliveryRow, EscalationView, EventRow, NotificationRow
from escalq.schemas.queue import Deadline, EscalationSummary, QueueRow, UrgentAlert
from escalq.schemas.webhooks import Event, ExpiredEvent, InfoRequestedEvent, ResolvedEvent
from escalq.services import masking
from escalq.services.text import shorten

SHORT_DESCRIPTION = 140
ALERT_DESCRIPTION = 120
_S = TypeVar("_S", bound=EscalationSummary)


def queue_row(escalation: Escalation, *, assignee: str, stale: bool, deadline: Deadline | None) -> QueueRow:
    """A row of the reviewers' queue, as any reviewer sees it (`mine` and `resolvable` unmarked)."""
    return _summary(
        QueueRow,
        escalation,
        description=shorten(escalation.issue_description, SHORT_DESCRIPTION),
        assignee=assignee,
        mine=False,
        stale=stale,
        oncall_notified=escalation.oncall_notified_at is not None,
        agent_not_told=escalation.agent_not_told_at is not None,
        claimable=escalation.status in UNCLAIMED,
        resolvable=False,
        deadline_label=deadline.label if deadline else "",
        deadline_at=deadline.at.isoformat() if deadline else "",
        deadline_from=deadline.counted_from.isoformat() if deadline else "",
    )


def urgent_alert(escalation: Escalation) -> UrgentAlert:
    """An urgent escalation waiting for its assignee, as the browser announces it: masked, shortened."""
    return UrgentAlert(
        id=str(escalation.id),
        agent=escalation.source_agent,
        description=shorten(masking.mask(escalation.issue_description), ALERT_DESCRIPTION),
    )


def page(
    escalation: Escalation,
    *,
    holder: Reviewer | None,
    resolver: Reviewer | None,
    related_resolution: str,
    events: list[EventRow],
    deliveries: list[DeliveryRow],
    notifications: list[NotificationRow],
) -> EscalationView:
    """The escalation page: all of it, with who holds it (None once closed) and who decided."""
    since = escalation.claimed_at or escalation.assigned_at
    return _summary(
        EscalationView,
        escalation,
        description=escalation.issue_description,
        category_source=escalation.category_source or "",
        holder=holder.display_name if holder else "",
        holder_id=str(holder.id) if holder else "",
        holder_since=since.isoformat() if since else "",
        resolution=escalation.resolution or "",
        resolution_notes=escalation.resolution_notes or "",
        warranted=escalation.warranted.value if escalation.warranted else "",
        resolved_by=resolver.display_name if resolver else "",
        webhook_url=escalation.webhook_url or "",
        agent_not_told_at=escalation.agent_not_told_at.isoformat() if escalation.agent_not_told_at else "",
        rule=escalation.rule or "",
        sampled=escalation.sampled,
        policy_version=escalation.policy_version or 0,
        expires_at=escalation.expires_at.isoformat() if escalation.expires_at else "",
        fallback=escalation.fallback or "",
        related_to=str(escalation.related_to) if escalation.related_to else "",
        related_resolution=related_resolution,
        context_size=len(_pretty(escalation.context_data)),
        context=[_section(key, value) for key, value in escalation.context_data.items()],
        events=events,
        deliveries=deliveries,
        notifications=notifications,
    )


def resolved_event(*, escalation: Escalation, resolver: Reviewer) -> dict[str, Any]:
    """The event body an agent receives when its escalation is resolved."""
    return _event(
        ResolvedEvent,
        escalation,
        type="escalation.resolved",
        resolution=escalation.resolution,
        resolution_notes=escalation.resolution_notes,
        resolved_at=escalation.resolved_at,
        resolved_by=resolver.id,
        resolved_by_name=resolver.display_name,
    )


def expired_event(*, escalation: Escalation) -> dict[str, Any]:
    """The event body an agent receives when nobody claimed its escalation in time: use the fallback."""
    return _event(
        ExpiredEvent,
        escalation,
        type="escalation.expired",
        fallback=escalation.fallback,
        expires_at=escalation.expires_at,
        expired_at=escalation.expired_at,
    )


def info_requested_event(*, escalation: Escalation, reviewer: Reviewer, now: datetime) -> dict[str, Any]:
    """The event body an agent receives when a reviewer hands the escalation back with a question."""
    return _event(
        InfoRequestedEvent,
        escalation,
        type="escalation.info_requested",
        question=escalation.info_question,
        reviewer=reviewer.display_name,
        reviewer_id=reviewer.id,
        requested_at=now,
        answer_path=f"/api/escalations/{escalation.id}/context",
    )


def _summary(view: type[_S], escalation: Escalation, *, description: str, **specific: Any) -> _S:
    """A dashboard view of an escalation: what every view shows, and what this one adds."""
    return view(
        id=str(escalation.id),
        priority=escalation.priority.value,
        bumped=escalation.bumped_at is not None,
        status=escalation.status.value,
        source_agent=escalation.source_agent,
        description=description,
        category=escalation.category or "",
        created_at=escalation.created_at.isoformat(),
        repeat_count=escalation.repeat_count,
        loop_suspected=escalation.loop_suspected,
        **specific,
    )


def _event(model: type[Event], escalation: Escalation, **specific: Any) -> dict[str, Any]:
    """The body of a webhook event: what every event says of the escalation, and what this kind adds."""
    return model(
        escalation_id=escalation.id,
        source_agent=escalation.source_agent,
        priority=escalation.priority,
        status=escalation.status,
        created_at=escalation.created_at,
        context_data=escalation.context_data,
        **specific,
    ).model_dump(mode="json")


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _section(key: str, value: Any) -> ContextSection:
    text = _pretty(value)
    return ContextSection(key=key, json=text, size=len(text))
