"""Reading the audit log: filtered, newest first by page, or all of it in order for an export."""

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from escalq.models import Escalation, EscalationEvent
from escalq.schemas.audit import AuditRow

EXPORT_BATCH = 1_000


@dataclass(frozen=True)
class AuditFilter:
    """Events matching every given part. `rule`: the events of escalations that decision-gate rule
    opened (read from the escalation, so events need no copy of it); `policy_version`: events written
    while that version was active."""

    escalation_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    actor_name: str | None = None
    actions: Sequence[str] = ()
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    rule: str | None = None
    policy_version: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.escalation_id is not None:
            conditions.append(col(EscalationEvent.escalation_id) == self.escalation_id)
        if self.actor_id is not None:
            conditions.append(col(EscalationEvent.actor_id) == self.actor_id)
        if self.actor_name is not None:
            conditions.append(col(EscalationEvent.actor_name) == self.actor_name)
        if self.actions:
            conditions.append(col(EscalationEvent.action).in_(self.actions))
        if self.since is not None:
            conditions.append(col(EscalationEvent.at) >= self.since)
        if self.until is not None:
            conditions.append(col(EscalationEvent.at) < self.until)
        if self.rule is not None:
            opened = select(col(Escalation.id)).where(col(Escalation.rule) == self.rule)
            conditions.append(col(EscalationEvent.escalation_id).in_(opened))
        if self.policy_version is not None:
            conditions.append(col(EscalationEvent.policy_version) == self.policy_version)
        return conditions


def page(
    *, session: Session, filters: AuditFilter, limit: int, cursor: int | None = None
) -> tuple[list[EscalationEvent], int | None]:
    """Up to `limit` matching events older than event `cursor` (None: the newest), and the next cursor."""
    query = select(EscalationEvent).where(*filters.conditions())
    if cursor is not None:
        query = query.where(col(EscalationEvent.id) < cursor)
    rows = list(session.exec(query.order_by(col(EscalationEvent.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more and rows else None


def export(*, session: Session, filters: AuditFilter) -> Iterator[EscalationEvent]:
    """Every matching event, oldest first, read in batches by id (no long-open cursor)."""
    after = 0
    while True:
        batch = list(
            session.exec(
                select(EscalationEvent)
                .where(*filters.conditions(), col(EscalationEvent.id) > after)
                .order_by(col(EscalationEvent.id))
                .limit(EXPORT_BATCH)
            )
        )
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        after = batch[-1].id or after
        session.expunge_all()  # a long export keeps no more than a batch in memory


def rows(events: Sequence[EscalationEvent]) -> list[AuditRow]:
    """The events as the audit page lists them."""
    return [
        AuditRow(
            id=str(event.id),
            at=event.at.astimezone(UTC).isoformat(timespec="seconds"),
            escalation_id=str(event.escalation_id),
            actor=f"{event.actor_name} ({event.actor_kind.value})",
            action=event.action,
            change=f"{event.from_status.value} → {event.to_status.value}"
            if event.from_status is not None
            else event.to_status.value,
            details=json.dumps(event.details, ensure_ascii=False) if event.details else "",
            sealed=event.global_seq is not None,
        )
        for event in events
    ]
