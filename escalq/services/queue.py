"""The reviewers' queue: one page of rows, sorted and filtered in PostgreSQL."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from escalq.models import OPEN_STATUSES, UNCLAIMED, Agent, Escalation, Priority, Reviewer, Role, Status
from escalq.schemas.queue import Deadline, QueuePage, QueueRow, UrgentAlert
from escalq.services import projections, timeouts
from escalq.services.auth import Principal
from escalq.services.listing import EscalationFilter, Order, SortKey, count, list_page

# What each priority's timeout rule does when it fires (escalq.services.timeouts), as the countdown says it.
RULE_LABELS = {"oncall_notified": "to on-call", "bumped": "bumped", "managers_notified": "to managers"}


class Scope(StrEnum):
    all = "all"
    mine = "mine"
    unassigned = "unassigned"


@dataclass(frozen=True)
class Window:
    """A page of the queue as any reviewer sees it, before it is marked for one of them."""

    rows: list[QueueRow]  # mine and resolvable False: shown_to marks them
    holders: list[uuid.UUID | None]  # each row's assignee
    next_cursor: str | None
    total: int


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
    rules: Mapping[Priority, timeouts.Rule],
    now: datetime,
) -> QueuePage:
    """The viewer's page of the queue with the total that matches."""
    found = window(
        session=session,
        viewer=viewer,
        scope=scope,
        filters=filters,
        sort=sort,
        order=order,
        limit=limit,
        cursor=cursor,
        rules=rules,
        now=now,
    )
    return shown_to(found, viewer=viewer)


def window(
    *,
    session: Session,
    viewer: Reviewer,
    scope: Scope,
    filters: EscalationFilter,
    sort: SortKey,
    order: Order,
    limit: int,
    cursor: str | None,
    rules: Mapping[Priority, timeouts.Rule],
    now: datetime,
) -> Window:
    """The page `viewer` sees, unmarked: the same for every reviewer but in scope mine (listing narrows
    only agents), so the open dashboards showing one view can share it."""
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
    return Window(
        rows=[_row(escalation, names=names, rules=rules, now=now) for escalation in escalations],
        holders=[escalation.assigned_to for escalation in escalations],
        next_cursor=next_cursor,
        total=count(session=session, principal=principal, filters=filters),
    )


def shown_to(window: Window, *, viewer: Reviewer) -> QueuePage:
    """The window as `viewer` sees it: which rows are theirs, and which they may resolve from the queue."""
    rows = []
    for row, holder in zip(window.rows, window.holders, strict=True):
        mine = holder == viewer.id
        resolvable = Status(row.status) in OPEN_STATUSES and (mine or viewer.role != Role.reviewer)
        # Most rows are nobody's to this viewer: the window's own row then, not a copy per open tab.
        rows.append(replace(row, mine=mine, resolvable=resolvable) if mine or resolvable else row)
    return QueuePage(rows=rows, next_cursor=window.next_cursor, total=window.total)


def agent_names(*, session: Session) -> list[str]:
    """Every agent's name, for the filter."""
    return list(session.exec(select(Agent.name).order_by(col(Agent.name))))


def _names(*, session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    found = session.exec(select(Reviewer.id, Reviewer.display_name).where(col(Reviewer.id).in_(wanted)))
    return dict(found.all())


def next_deadline(escalation: Escalation, *, rules: Mapping[Priority, timeouts.Rule]) -> Deadline | None:
    """Its priority's timeout action until that has fired, then its expiry; None once claimed or done.

    A rule past due that the scheduler has not yet applied is still the deadline (breached); once applied,
    the expiry comes next, and without one the breached rule stays.
    """
    if escalation.status not in UNCLAIMED:
        return None
    rule = rules.get(escalation.priority)
    action = rule.action if rule is not None else None
    fired = action is not None and getattr(escalation, action.marker) is not None
    if escalation.expires_at is not None and (action is None or fired):
        return Deadline("expires", escalation.expires_at, escalation.created_at)
    if rule is None or action is None:
        return None
    return Deadline(RULE_LABELS[action.event], escalation.created_at + rule.after, escalation.created_at)


def urgent_waiting(*, session: Session) -> dict[uuid.UUID, list[UrgentAlert]]:
    """Each reviewer's urgent escalations assigned to them and not yet claimed, oldest first."""
    found = session.exec(
        select(Escalation)
        .where(col(Escalation.priority) == Priority.urgent, col(Escalation.status) == Status.assigned)
        .order_by(col(Escalation.created_at))
    )
    waiting: defaultdict[uuid.UUID, list[UrgentAlert]] = defaultdict(list)
    for e in found:
        if e.assigned_to is not None:
            waiting[e.assigned_to].append(projections.urgent_alert(e))
    return dict(waiting)


def remember_my_work(*, session: Session, reviewer_id: uuid.UUID, on: bool) -> None:
    """Whether the reviewer's queue opens on My work from now on."""
    session.execute(update(Reviewer).where(col(Reviewer.id) == reviewer_id).values(opens_my_work=on))


def is_stale(escalation: Escalation, *, rules: Mapping[Priority, timeouts.Rule], now: datetime) -> bool:
    """Unclaimed past its priority's timeout (its SLA, whatever the action)."""
    rule = rules.get(escalation.priority)
    return escalation.status in UNCLAIMED and rule is not None and now - escalation.created_at > rule.after


def _row(
    escalation: Escalation,
    *,
    names: dict[uuid.UUID, str],
    rules: Mapping[Priority, timeouts.Rule],
    now: datetime,
) -> QueueRow:
    return projections.queue_row(
        escalation,
        assignee=names.get(escalation.assigned_to, "") if escalation.assigned_to else "",
        stale=is_stale(escalation, rules=rules, now=now),
        deadline=next_deadline(escalation, rules=rules),
    )
