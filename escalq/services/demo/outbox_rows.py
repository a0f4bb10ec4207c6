"""The outbox side of the demo's history: tasks as the worker leaves them, webhook attempts, email notices."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from escalq.models import (
    Channel,
    Escalation,
    EscalationEvent,
    Notification,
    NotificationStatus,
    Reviewer,
    Task,
    TaskKind,
    TaskStatus,
    WebhookDelivery,
)
from escalq.services import webhooks
from escalq.services.demo import timing


@dataclass
class Rows:
    """Every row the history adds, in the order they happened within each table."""

    escalations: list[Escalation] = field(default_factory=list)
    events: list[EscalationEvent] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


def deliver(
    rng: random.Random,
    rows: Rows,
    escalation: Escalation,
    body: dict[str, Any],
    *,
    at: datetime,
    now: datetime,
    delays: list[float],
    give_up: bool,
) -> None:
    """The webhook task and its attempts: mostly delivered at once, sometimes after a retry, once never."""
    assert escalation.webhook_url is not None
    payload = {
        "message_id": f"msg_{uuid.UUID(int=rng.getrandbits(128)).hex}",
        "url": escalation.webhook_url,
        "body": body,
    }
    sent = task(rows, TaskKind.webhook, escalation, at=at, done_at=None, payload=payload)
    failures = (
        len(delays) + 1 if give_up else (1 if rng.random() < 0.08 and now - at > timedelta(hours=1) else 0)
    )
    attempt_at = at + timedelta(seconds=rng.uniform(0.3, 1.5))
    for attempt in range(1, failures + 1):
        failure = rng.choice(timing.FAILURES)
        retrying = attempt <= len(delays)
        outcome = "retrying" if retrying else "failed"
        rows.deliveries.append(_attempt(sent, escalation, attempt, attempt_at, failure, outcome))
        sent.attempts, sent.last_error = attempt, failure.summary
        if not retrying:
            sent.status, sent.finished_at = TaskStatus.failed, attempt_at
            escalation.agent_not_told_at = attempt_at
            return
        sent.next_attempt_at = attempt_at + timedelta(seconds=delays[attempt - 1] * rng.uniform(0.8, 1.2))
        attempt_at = sent.next_attempt_at + timedelta(seconds=rng.uniform(0.05, 0.4))
    sent.attempts += 1
    rows.deliveries.append(
        _attempt(sent, escalation, sent.attempts, attempt_at, timing.delivered(rng), "succeeded")
    )
    sent.status, sent.finished_at, sent.last_error = TaskStatus.done, attempt_at, None


def _attempt(
    task: Task,
    escalation: Escalation,
    attempt: int,
    at: datetime,
    result: webhooks.AttemptResult,
    outcome: str,
) -> WebhookDelivery:
    return WebhookDelivery(
        task_id=task.id,
        escalation_id=escalation.id,
        event_type=task.payload["body"]["type"],
        url=task.payload["url"],
        attempt=attempt,
        at=at,
        duration_ms=result.duration_ms,
        http_status=result.http_status,
        response_excerpt=result.excerpt,
        error=result.error,
        outcome=outcome,
    )


def notify(
    rng: random.Random, rows: Rows, escalation: Escalation, kind: str, people: list[Reviewer], *, at: datetime
) -> None:
    """One email per recipient, sent by the worker within seconds (the demo's channel is email)."""
    for reviewer in {r.id: r for r in people}.values():
        sent_at = at + timedelta(seconds=rng.uniform(0.5, 4))
        notification = Notification(
            escalation_id=escalation.id,
            channel=Channel.email,
            recipient=reviewer.email,
            kind=kind,
            status=NotificationStatus.sent,
            attempts=1,
            created_at=at,
            sent_at=sent_at,
        )
        rows.notifications.append(notification)
        task(
            rows,
            TaskKind.notification,
            escalation,
            at=at,
            done_at=sent_at,
            payload={"notification_id": str(notification.id)},
        )


def task(
    rows: Rows,
    kind: TaskKind,
    escalation: Escalation,
    *,
    at: datetime,
    done_at: datetime | None,
    payload: dict[str, Any] | None = None,
) -> Task:
    """An outbox task as the worker leaves it: done after one attempt, or filled in by the caller."""
    task = Task(
        kind=kind,
        escalation_id=escalation.id,
        payload=payload or {},
        status=TaskStatus.done,
        attempts=1,
        next_attempt_at=at,
        created_at=at,
        finished_at=done_at,
    )
    rows.tasks.append(task)
    return task
