"""The reviewers' queue: one page of rows, sorted and filtered in PostgreSQL."""

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col, select

from escalq.models import Agent, Escalation, Priority, Reviewer, Status
from escalq.schemas.queue import QueuePage, QueueRow
from escalq.services.auth import Principal
from escalq.services.listing import EscalationFilter, Order, SortKey, count, list_page
from escalq.services.text import shorten

SHORT_DESCRIPTION = 140
UNCLAIMED = (Status.pending, Status.assigned)


class Scope(StrEnum):
    all = "all"
    mine = "mine"
    unassigned = "unassigned"


def page(
    *,
    session: Session,
    viewer: Reviewer,
    scope: Scope,
    filters: EscalationFilter,
    sort: SortKey,
    order: Order,
    limit: int,
    cursor: str | None,
    stale_after: dict[Priority, timedelta],
    now: datetime,
) -> QueuePage:
    """The viewer's page of the queue with the total that matches."""
    if scope == Scope.mine:
        filters = replace(filters, assigned_to=viewer.id)
    elif scope == Scope.unassigned:
        filters = replace(filters, unassigned=True)
    principal = Principal(reviewer=viewer)
    escalations, next_cursor = list_page(
        session=session,
        principal=principal,
        filters=filters,
        sort=sort,
        order=order,
        limit=limit,
        cursor=cursor,
    )
    names = _names(session=session, ids={e.assigned_to for e in escalations if e.assigned_to})
    rows = [
        _row(escalation, viewer=viewer, names=names, stale_after=stale_after, now=now)
        for escalation in escalations
    ]
    return QueuePage(
        rows=rows, next_cursor=next_cursor, total=count(session=session, principal=principal, filters=filters)
    )


def agent_names(*, session: Session) -> list[str]:
    """Every agent's name, for the filter."""
    return list(session.exec(select(Agent.name).order_by(col(Agent.name))))


def _names(*, session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    found = session.exec(select(Reviewer.id, Reviewer.display_name).where(col(Reviewer.id).in_(wanted)))
    return dict(found.all())


def is_stale(escalation: Escalation, *, stale_after: dict[Priority, timedelta], now: datetime) -> bool:
    """Unclaimed past its priority's timeout."""
    threshold = stale_after.get(escalation.priority)
    return (
        escalation.status in UNCLAIMED and threshold is not None and now - escalation.created_at > threshold
    )


def _row(
    escalation: Escalation,
    *,
    viewer: Reviewer,
    names: dict[uuid.UUID, str],
    stale_after: dict[Priority, timedelta],
    now: datetime,
) -> QueueRow:
    return QueueRow(
        id=str(escalation.id),
        priority=escalation.priority.value,
        bumped=escalation.bumped_at is not None,
        status=escalation.status.value,
        source_agent=escalation.source_agent,
        description=shorten(escalation.issue_description, SHORT_DESCRIPTION),
        category=escalation.category or "",
        assignee=names.get(escalation.assigned_to, "") if escalation.assigned_to else "",
        mine=escalation.assigned_to == viewer.id,
        created_at=escalation.created_at.isoformat(),
        stale=is_stale(escalation, stale_after=stale_after, now=now),
        oncall_notified=escalation.oncall_notified_at is not None,
        repeat_count=escalation.repeat_count,
        loop_suspected=escalation.loop_suspected,
    )
