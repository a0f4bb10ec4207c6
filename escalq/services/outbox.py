"""The outbox: tasks recorded with the change that needs them, claimed by one worker at a time."""

import random
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from escalq.models import Task, TaskKind, TaskStatus


def record(
    *,
    session: Session,
    kind: TaskKind,
    escalation_id: uuid.UUID | None,
    payload: dict[str, Any],
    now: datetime,
) -> Task:
    """Add a task to the caller's transaction; it runs only if that transaction commits."""
    task = Task(
        kind=kind,
        escalation_id=escalation_id,
        payload=payload,
        status=TaskStatus.pending,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(task)
    session.flush()
    return task


def begin_attempt(*, session: Session, task_id: uuid.UUID, now: datetime, lease: timedelta) -> Task | None:
    """Take the task for one attempt, or None when it is done, not yet due, or held by a live worker.

    A single UPDATE decides, so two workers given the same task never both run it; a task whose
    worker died (lease expired) can be taken again.
    """
    claimable = or_(
        (col(Task.status) == TaskStatus.pending) & (col(Task.next_attempt_at) <= now),
        (col(Task.status) == TaskStatus.running) & (col(Task.lease_until) < now),
    )
    return session.scalars(
        update(Task)
        .where(col(Task.id) == task_id, claimable)
        .values(status=TaskStatus.running, attempts=col(Task.attempts) + 1, lease_until=now + lease)
        .returning(Task),
        execution_options={"populate_existing": True},
    ).one_or_none()


def still_held(*, session: Session, task: Task, attempt: int) -> bool:
    """After slow outside work: is the task still this attempt's? A worker past its lease may have lost it."""
    session.refresh(task, with_for_update=True)
    return task.status == TaskStatus.running and task.attempts == attempt


def succeed(*, session: Session, task: Task, now: datetime) -> None:
    """The attempt worked: the task is finished for good."""
    task.status, task.finished_at, task.lease_until, task.last_error = TaskStatus.done, now, None, None
    session.add(task)


def fail(
    *, session: Session, task: Task, now: datetime, error: str, retry: bool, delays: Sequence[float]
) -> datetime | None:
    """Record a failed attempt; returns when to try again, or None when the task has given up."""
    task.last_error, task.lease_until = error[:2000], None
    if retry and task.attempts <= len(delays):
        task.status = TaskStatus.pending
        task.next_attempt_at = now + timedelta(seconds=jittered(delays[task.attempts - 1]))
        task.enqueued_at = None
        session.add(task)
        return task.next_attempt_at
    task.status, task.finished_at = TaskStatus.failed, now
    session.add(task)
    return None


def jittered(delay: float) -> float:
    """Spread retries by +/-20% so receivers that failed together are not hit together again."""
    return delay * random.uniform(0.8, 1.2)


def due(*, session: Session, now: datetime, requeue_after: timedelta) -> list[uuid.UUID]:
    """Tasks to (re-)enqueue: due and never enqueued, enqueued long ago but not started, or orphaned."""
    query = select(Task.id).where(
        or_(
            (col(Task.status) == TaskStatus.pending)
            & (col(Task.next_attempt_at) <= now)
            & (col(Task.enqueued_at).is_(None) | (col(Task.enqueued_at) < now - requeue_after)),
            (col(Task.status) == TaskStatus.running) & (col(Task.lease_until) < now),
        )
    )
    return list(session.exec(query.order_by(col(Task.next_attempt_at)).limit(1000)))


def waiting_for(*, session: Session, escalation_id: uuid.UUID) -> list[uuid.UUID]:
    """The escalation's tasks that are due now and not yet handed to the queue."""
    query = select(Task.id).where(
        col(Task.escalation_id) == escalation_id,
        col(Task.status) == TaskStatus.pending,
        col(Task.enqueued_at).is_(None),
    )
    return list(session.exec(query))


def mark_enqueued(*, session: Session, task_ids: Sequence[uuid.UUID], now: datetime) -> None:
    """Remember that the queue has these tasks, so the sweep leaves them alone for a while."""
    if task_ids:
        session.execute(update(Task).where(col(Task.id).in_(task_ids)).values(enqueued_at=now))
