"""The outbox: tasks recorded with the change that needs them, claimed by one worker at a time.

A task's life: `record` (in the caller's transaction) -> `begin_attempt` (one worker holds it under a
lease) -> `succeed`, or `fail` (due again later, or given up). A worker that dies holding one leaves a
lease that expires: `take_died` gives the task back. escalq.pipeline moves tasks through these steps.
"""

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from escalq.models import Task, TaskKind, TaskStatus

# A job may start a little before its task is due: RQ's scheduler keeps times in whole seconds, and the
# worker's clock may run ahead of the one that scheduled the retry.
EARLY = timedelta(seconds=1)


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
    """Take the task for one attempt, or None when it is done, not yet due, or held by a worker.

    A single UPDATE decides, so two workers given the same task never both run it.
    """
    return session.scalars(
        update(Task)
        .where(
            col(Task.id) == task_id,
            col(Task.status) == TaskStatus.pending,
            col(Task.next_attempt_at) <= now + EARLY,
        )
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
    *,
    session: Session,
    task: Task,
    now: datetime,
    error: str,
    retry: bool,
    delays: Sequence[float],
    retry_after_s: float | None = None,
) -> datetime | None:
    """Record a failed attempt; returns when to try again, or None when the task has given up.

    The next attempt waits the configured delay (jittered), or what the receiver asked for with
    Retry-After, capped at the longest configured delay; it is due on a whole second, as RQ's scheduler
    counts them.
    """
    task.last_error, task.lease_until = error[:2000], None
    if retry and task.attempts <= len(delays):
        if retry_after_s is None:
            delay = jittered(delays[task.attempts - 1])
        else:
            delay = min(retry_after_s, max(delays))
        task.status = TaskStatus.pending
        task.next_attempt_at = _whole_second(now + timedelta(seconds=delay))
        session.add(task)
        return task.next_attempt_at
    task.status, task.finished_at = TaskStatus.failed, now
    session.add(task)
    return None


def jittered(delay: float) -> float:
    """Spread retries by +/-20% so receivers that failed together are not hit together again."""
    return delay * random.uniform(0.8, 1.2)


def _whole_second(when: datetime) -> datetime:
    return datetime.fromtimestamp(math.ceil(when.timestamp()), tz=when.tzinfo)


@dataclass(frozen=True)
class Died:
    """An attempt whose worker died: the lease it held ran out."""

    task: Task
    attempt: int
    lease_until: datetime


def take_died(*, session: Session, now: datetime, delays: Sequence[float]) -> list[Died]:
    """Give back the tasks whose worker died mid-attempt (lease expired): due now while retries remain
    (the dead attempt counts), failed when none do."""
    held = session.exec(
        select(Task)
        .where(col(Task.status) == TaskStatus.running, col(Task.lease_until) < now)
        .order_by(col(Task.lease_until))
        .limit(1000)
        .with_for_update(skip_locked=True)
    ).all()
    died = []
    for task in held:
        assert task.lease_until is not None
        died.append(Died(task=task, attempt=task.attempts, lease_until=task.lease_until))
        task.lease_until = None
        task.last_error = f"attempt {task.attempts} died: its worker stopped before finishing"
        if task.attempts <= len(delays):
            task.status, task.next_attempt_at = TaskStatus.pending, now
        else:
            task.status, task.finished_at = TaskStatus.failed, now
        session.add(task)
    return died


def pending_due(*, session: Session, before: datetime) -> list[tuple[uuid.UUID, int]]:
    """Pending tasks due before `before`, oldest first, with their attempts so far (which name their job)."""
    query = select(Task.id, Task.attempts).where(
        col(Task.status) == TaskStatus.pending, col(Task.next_attempt_at) <= before
    )
    return [
        (task_id, attempts)
        for task_id, attempts in session.exec(query.order_by(col(Task.next_attempt_at)).limit(1000))
    ]
