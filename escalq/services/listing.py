"""Filtered, sorted listings of escalations with keyset pagination (stable under inserts)."""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
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


@dataclass(frozen=True)
class _Key:
    """One sort column: its SQL expression, its direction and how to read/write it in a cursor."""

    expression: ColumnElement[Any]
    descending: bool
    of_row: Callable[[Escalation], Any]
    parse: Callable[[Any], Any]


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
    created = _Key(
        _columns.created_at, descending, lambda e: e.created_at.isoformat(), datetime.fromisoformat
    )
    ident = _Key(_columns.id, descending, lambda e: str(e.id), uuid.UUID)
    if sort == SortKey.created_at:
        return [created, ident]
    oldest_first = [replace(created, descending=False), replace(ident, descending=False)]
    if sort == SortKey.priority:
        return [_Key(_priority_rank, descending, effective_rank, int), *oldest_first]
    return [_Key(_status_rank, descending, lambda e: STATUS_RANK[e.status], int), *oldest_first]


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
    """One page of escalations the caller may see, and the cursor of the next page (None at the end)."""
    filters = _visible(filters, principal)
    keys = _keys(sort, order)
    query = select(Escalation).where(*_conditions(filters))
    if cursor is not None:
        query = query.where(_after(keys, _decode(cursor, sort=sort, order=order, keys=keys)))
    query = query.order_by(
        *(key.expression.desc() if key.descending else key.expression.asc() for key in keys)
    )
    rows = list(session.exec(query.limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], _encode(rows[limit - 1], sort=sort, order=order, keys=keys)


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


def _encode(row: Escalation, *, sort: SortKey, order: Order, keys: list[_Key]) -> str:
    payload = {"sort": sort.value, "order": order.value, "after": [key.of_row(row) for key in keys]}
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(cursor: str, *, sort: SortKey, order: Order, keys: list[_Key]) -> list[Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values = payload["after"]
        if len(values) != len(keys):
            raise ValueError("wrong length")
        parsed = [key.parse(value) for key, value in zip(keys, values, strict=True)]
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise Invalid(
            "cursor is not one this API issued; start again without it", field="query.cursor"
        ) from error
    if payload.get("sort") != sort.value or payload.get("order") != order.value:
        raise Invalid(
            "cursor belongs to a different sort or order; keep sort and order while paging",
            field="query.cursor",
        )
    return parsed
