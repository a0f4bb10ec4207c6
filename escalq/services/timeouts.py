"""Priority timeouts: stale unclaimed escalations go to on-call, get bumped, or reach the managers."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from escalq.config import Settings
from escalq.models import Escalation, Priority, Status
from escalq.schemas.policy import PolicyDocument
from escalq.services import notifications
from escalq.services.audit import record_event
from escalq.services.policies import applied

UNCLAIMED = (Status.pending, Status.assigned)


@dataclass(frozen=True)
class Rule:
    """Unclaimed `priority` escalations older than the threshold get `marker` set once, and maybe a notice."""

    priority: Priority
    marker: str
    action: str
    notice: str | None
    recipients: Callable[..., list[str]] | None


RULES = (
    Rule(
        Priority.urgent,
        "oncall_notified_at",
        "oncall_notified",
        notifications.ONCALL_TIMEOUT,
        notifications.on_call_emails,
    ),
    Rule(Priority.high, "bumped_at", "bumped", None, None),
    Rule(
        Priority.medium,
        "managers_notified_at",
        "managers_notified",
        notifications.MANAGER_TIMEOUT,
        notifications.manager_emails,
    ),
)


def thresholds(settings: Settings) -> dict[Priority, timedelta]:
    """The environment's thresholds (policy version 1's); running processes use the active policy's."""
    return applied.thresholds(PolicyDocument.from_settings(settings))


def apply(
    *,
    session: Session,
    limits: dict[Priority, timedelta],
    channels: notifications.Channels,
    now: datetime,
) -> dict[str, list[uuid.UUID]]:
    """Run every rule; concurrent runs (two schedulers) act on each escalation only once.

    Returns the ids acted on, by action.
    """
    report: dict[str, list[uuid.UUID]] = {}
    for rule in RULES:
        threshold = limits[rule.priority]
        acted = report.setdefault(rule.action, [])
        for escalation in _mark_stale(session=session, rule=rule, older_than=threshold, now=now):
            record_event(
                session=session,
                escalation=escalation,
                action=rule.action,
                from_status=escalation.status,
                actor=None,
                now=now,
                details=rule_details(rule, threshold),
            )
            if rule.notice is not None and rule.recipients is not None:
                notifications.queue(
                    session=session,
                    escalation=escalation,
                    kind=rule.notice,
                    emails=rule.recipients(session=session, now=now),
                    channels=channels,
                    now=now,
                )
            acted.append(escalation.id)
    return report


def rule_details(rule: Rule, threshold: timedelta) -> dict[str, str]:
    """What the audit event of a fired rule says about it."""
    return {"rule": f"unclaimed {rule.priority.value} escalation older than {threshold}"}


def _mark_stale(*, session: Session, rule: Rule, older_than: timedelta, now: datetime) -> list[Escalation]:
    """One UPDATE per rule: the row lock and the IS NULL test make each marker land once."""
    marker = getattr(Escalation, rule.marker)
    statement = (
        update(Escalation)
        .where(
            col(Escalation.priority) == rule.priority,
            col(Escalation.status).in_(UNCLAIMED),
            col(Escalation.created_at) <= now - older_than,
            col(marker).is_(None),
        )
        .values({rule.marker: now})
        .returning(Escalation)
    )
    return list(session.scalars(statement, execution_options={"populate_existing": True}))
