"""Expiry: past its deadline and still unclaimed, an escalation expires and its agent uses its fallback."""

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from escalq.models import UNCLAIMED, Escalation, Priority, Status
from escalq.services import projections, webhooks
from escalq.services.audit import record_event


def expire_due(
    *, session: Session, fallbacks: Mapping[Priority, str | None], now: datetime
) -> list[uuid.UUID]:
    """Expire every unclaimed escalation whose deadline has passed, audit it and queue its webhook.

    An escalation without a fallback of its own gets its priority's from `fallbacks` (the active policy's),
    so the webhook and the API tell the agent the same. An expiry is not a decision: resolution and
    resolved_by stay empty. One UPDATE takes the rows
    (locked in id order, re-checked after any concurrent change), so two schedulers expire each once.
    """
    due = (
        select(col(Escalation.id), col(Escalation.status))
        .where(col(Escalation.status).in_(UNCLAIMED), col(Escalation.expires_at) <= now)
        .order_by(col(Escalation.id))
        .with_for_update()
        .subquery()
    )
    statement = (
        update(Escalation)
        .where(col(Escalation.id) == due.c.id, col(Escalation.status).in_(UNCLAIMED))
        .values(status=Status.expired, expired_at=now)
        .returning(Escalation, due.c.status)
    )
    expired: list[uuid.UUID] = []
    rows = session.execute(
        statement, execution_options={"populate_existing": True, "synchronize_session": False}
    )
    for escalation, previous in rows.all():
        source = "agent" if escalation.fallback is not None else None
        if source is None and fallbacks.get(escalation.priority) is not None:
            escalation.fallback, source = fallbacks[escalation.priority], "policy"
        record_event(
            session=session,
            escalation=escalation,
            action="expired",
            from_status=Status(previous),
            actor=None,
            now=now,
            details={
                "fallback": escalation.fallback,
                "fallback_from": source,
                "expires_at": _iso(escalation.expires_at),
            },
        )
        body = projections.expired_event(escalation=escalation)
        webhooks.queue(session=session, escalation=escalation, body=body, now=now)
        expired.append(escalation.id)
    return expired


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
