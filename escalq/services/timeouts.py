"""Priority timeouts: stale unclaimed escalations go to on-call, get bumped, or reach the managers, as the
active policy says for each priority."""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from escalq.models import UNCLAIMED, Escalation, Priority
from escalq.schemas.policy import PolicyDocument, TimeoutAction
from escalq.services import notifications
from escalq.services.audit import record_event
from escalq.services.policies import applied


@dataclass(frozen=True)
class Action:
    """What a fired timeout does: set `marker` once, audit it as `event`, and maybe send a notice."""

    marker: str
    event: str
    notice: str | None
    recipients: Callable[..., list[str]] | None


ACTIONS = {
    TimeoutAction.oncall: Action(
        "oncall_notified_at", "oncall_notified", notifications.ONCALL_TIMEOUT, notifications.on_call_emails
    ),
    TimeoutAction.bump: Action("bumped_at", "bumped", None, None),
    TimeoutAction.managers: Action(
        "managers_notified_at",
        "managers_notified",
        notifications.MANAGER_TIMEOUT,
        notifications.manager_emails,
    ),
}


@dataclass(frozen=True)
class Rule:
    """Unclaimed `priority` escalations older than `after` get its action once (None: only the SLA)."""

    priority: Priority
    after: timedelta
    action: Action | None


def rules(document: PolicyDocument) -> dict[Priority, Rule]:
    """Each priority's timeout under a policy; low has none."""
    actions = applied.timeout_actions(document)
    return {
        priority: Rule(priority, after, ACTIONS.get(actions[priority]))
        for priority, after in applied.thresholds(document).items()
    }


def apply(
    *,
    session: Session,
    rules: Mapping[Priority, Rule],
    channels: notifications.Channels,
    now: datetime,
) -> dict[str, list[uuid.UUID]]:
    """Run every rule; concurrent runs (two schedulers) act on each escalation only once.

    Returns the ids acted on, by action.
    """
    report: dict[str, list[uuid.UUID]] = {action.event: [] for action in ACTIONS.values()}
    for rule in rules.values():
        action = rule.action
        if action is None:
            continue
        for escalation in _mark_stale(session=session, rule=rule, action=action, now=now):
            record_event(
                session=session,
                escalation=escalation,
                action=action.event,
                from_status=escalation.status,
                actor=None,
                now=now,
                details=rule_details(rule),
            )
            if action.notice is not None and action.recipients is not None:
                notifications.queue(
                    session=session,
                    escalation=escalation,
                    kind=action.notice,
                    emails=action.recipients(session=session, now=now),
                    channels=channels,
                    now=now,
                )
            report[action.event].append(escalation.id)
    return report


def rule_details(rule: Rule) -> dict[str, str]:
    """What the audit event of a fired rule says about it."""
    return {"rule": f"unclaimed {rule.priority.value} escalation older than {rule.after}"}


def _mark_stale(*, session: Session, rule: Rule, action: Action, now: datetime) -> list[Escalation]:
    """One UPDATE per rule: the row lock and the IS NULL test make each marker land once."""
    marker = getattr(Escalation, action.marker)
    statement = (
        update(Escalation)
        .where(
            col(Escalation.priority) == rule.priority,
            col(Escalation.status).in_(UNCLAIMED),
            col(Escalation.created_at) <= now - rule.after,
            col(marker).is_(None),
        )
        .values({action.marker: now})
        .returning(Escalation)
    )
    return list(session.scalars(statement, execution_options={"populate_existing": True}))
