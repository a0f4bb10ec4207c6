"""Filtered, sorted listings of escalations with keyset pagination (stable under inserts)."""

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_
from sqlmodel import Session, col, select

from escalq.models import PRIORITY_RANK, STATUS_RANK, Escalation, Priority, Status
from escalq.services.auth import Principal
from escalq.services.errors import Forbidden, Invalid


class SortKey(StrEnum):
    priority = "priority"
    created_at = "created_at"
    status = "status"


class Order(StrEnum):
    asc = "asc"
    desc = "desc"


@dataclass(frozen=True)
class EscalationFilter:
    statuses: Sequence[Status] = ()
    priorities: Sequence[Priority] = ()
    source_agent: str | None = None
    assigned_to: uuid.UUID | None = None
    unassigned: bool = False
    created_after: datetime | None = None
    created_before: datetime | None = None


# A cursor is a position: the last row's priority rank (bumped counts as urgent), status rank, creation
# time (microseconds since 1970) and id; empty means the start. It holds every sort's values, so it fits
# any sort and order, and every string matching the pattern is a position: the pattern is the whole rule.
CURSOR_PATTERN = r"^(?:([0-9])\.([0-9])\.([0-9]{1,16})\.([0-9a-f]{32}))?$"
_cursor = re.compile(CURSOR_PATTERN)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Position:
    priority_rank: int
    status_rank: int
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class _Key:
    """One sort column: its SQL expression, its direction and its value at a position."""

    expression: ColumnElement[Any]
    descending: bool
    at: Callable[[_Position], Any]


_columns = Escalation.__table__.c  # type: ignore[attr-defined]
# A bumped escalation (high, stale) sorts with the urgent ones.
_priority_rank = case(
    (col(Escalation.bumped_at).is_not(None), PRIORITY_RANK[Priority.urgent]),
    else_=case({p.value: rank for p, rank in PRIORITY_RANK.items()}, value=col(Escalation.priority)),
)


def effective_rank(escalation: Escalation) -> int:
    """The priority an escalation sorts by: its own, or urgent once bumped."""
    return (
        PRIORITY_RANK[Priority.urgent]
        if escalation.bumped_at is not None
        else PRIORITY_RANK[escalation.priority]
    )


_status_rank = case({s.value: rank for s, rank in STATUS_RANK.items()}, value=col(Escalation.status))


def _keys(sort: SortKey, order: Order) -> list[_Key]:
    """The full ordering: the chosen column, then age (oldest first) and id as tie-breakers."""
    descending = order == Order.desc
    created = _Key(_columns.created_at, descending, lambda p: p.created_at)
    ident = _Key(_columns.id, descending, lambda p: p.id)
    if sort == SortKey.created_at:
        return [created, ident]
    oldest_first = [replace(created, descending=False), replace(ident, descending=False)]
    if sort == SortKey.priority:
        return [_Key(_priority_rank, descending, lambda p: p.priority_rank), *oldest_first]
    return [_Key(_status_rank, descending, lambda p: p.status_rank), *oldest_first]


def list_page(
    *,
    session: Session,
    principal: Principal,
    filters: EscalationFilter,
    sort: SortKey,
    order: Order,
    limit: int,
    cursor: str | None,
) -> tuple[list[Escalation], str | None]:
    """One page of escalations the caller may see, and the cursor of the next page (None at the end);
    `cursor` empty or None: the first page."""
    filters = _visible(filters, principal)
    keys = _keys(sort, order)
    query = select(Escalation).where(*_conditions(filters))
    if cursor:
        position = _decode(cursor)
        query = query.where(_after(keys, [key.at(position) for key in keys]))
    query = query.order_by(
        *(key.expression.desc() if key.descending else key.expression.asc() for key in keys)
    )
    rows = list(session.exec(query.limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], _encode(rows[limit - 1])


def count(*, session: Session, principal: Principal, filters: EscalationFilter) -> int:
    """How many escalations match, for "50 of 10,000"."""
    query = select(func.count()).select_from(Escalation).where(*_conditions(_visible(filters, principal)))
    return int(session.exec(query).one())


def _visible(filters: EscalationFilter, principal: Principal) -> EscalationFilter:
    """Agents see only their own escalations, whatever they ask for."""
    if principal.agent is None:
        return filters
    if filters.source_agent not in (None, principal.agent.name):
        raise Forbidden("an agent key lists only its own agent's escalations")
    return replace(filters, source_agent=principal.agent.name)


def _conditions(filters: EscalationFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.statuses:
        conditions.append(col(Escalation.status).in_(filters.statuses))
    if filters.priorities:
        conditions.append(col(Escalation.priority).in_(filters.priorities))
    if filters.source_agent is not None:
        conditions.append(col(Escalation.source_agent) == filters.source_agent)
    if filters.assigned_to is not None:
        conditions.append(col(Escalation.assigned_to) == filters.assigned_to)
    if filters.unassigned:
        conditions.append(col(Escalation.assigned_to).is_(None))
    if filters.created_after is not None:
        conditions.append(col(Escalation.created_at) > filters.created_after)
    if filters.created_before is not None:
        conditions.append(col(Escalation.created_at) < filters.created_before)
    return conditions


def _after(keys: list[_Key], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the ordering (columns may differ in direction)."""
    branches: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        equal_before = [k.expression == v for k, v in zip(keys[:i], values[:i], strict=True)]
        beyond = key.expression < values[i] if key.descending else key.expression > values[i]
        branches.append(and_(*equal_before, beyond))
    return or_(false(), *branches)


def _encode(row: Escalation) -> str:
    microseconds = (row.created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{effective_rank(row)}.{STATUS_RANK[row.status]}.{microseconds}.{row.id.hex}"


def _decode(cursor: str) -> _Position:
    match = _cursor.fullmatch(cursor)
    if match is None or not cursor:
        raise Invalid("invalid cursor: pass next_cursor from a page as it is", field="cursor")
    priority_rank, status_rank, microseconds, ident = match.groups()
    return _Position(
        priority_rank=int(priority_rank),
        status_rank=int(status_rank),
        created_at=_EPOCH + timedelta(microseconds=int(microseconds)),
        id=uuid.UUID(ident),
    )
