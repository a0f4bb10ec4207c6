"""The outbox: tasks recorded with the change that needs them, claimed by one worker at a time.

A task's life: `record` (in the caller's transaction) -> `begin_attempt` (one worker holds it under a
lease) -> `succeed`, or `fail` (due again later, or given up). A worker that dies holding one leaves a
lease that expires: `take_died` gives the task back. escalq.pipeline moves tasks through these steps.
"""

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, update
from sqlalchemy import select as core_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from escalq.models import Agent, Escalation, Task, TaskKind, TaskStatus

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
    task = Task(escalation_id=escalation_id, **task_values(kind=kind, payload=payload, now=now))
    session.add(task)  # written with the caller's next flush, beside the rows it belongs to
    return task


def task_values(*, kind: TaskKind, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A new task's row but its escalation_id (pending, due now): for `record`, and for a statement that
    writes the task with its escalation (the create), which then says so with `written`."""
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "payload": payload,
        "status": TaskStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


@dataclass
class Written:
    """What a session's transaction wrote that the outside must hear of once it commits: the escalations
    given an audit event or a task (the dashboards are told), and the tasks (RQ queues them)."""

    escalations: set[uuid.UUID] = field(default_factory=set)
    tasks: list[uuid.UUID] = field(default_factory=list)


_WRITTEN = "escalq.outbox.written"


def written(session: Session) -> Written:
    """The session's note of what its transaction wrote. Rows added to the session are noted at each
    flush (escalq.pipeline); rows written by a statement of their own, by the code that runs it."""
    note: Written = session.info.setdefault(_WRITTEN, Written())
    return note


def take_written(session: Session) -> Written:
    """The note, removed from the session: once its transaction has committed or rolled back."""
    note: Written = session.info.pop(_WRITTEN, Written())
    return note


# Built once: a worker runs these for every task, and building a statement costs more than running it.
_TASKS = Task.__table__  # type: ignore[attr-defined]
_ESCALATIONS, _AGENTS = Escalation.__table__, Agent.__table__  # type: ignore[attr-defined]
_CLAIMED = (
    update(_TASKS)
    .where(
        _TASKS.c.id == bindparam("task_id"),
        _TASKS.c.status == TaskStatus.pending,
        _TASKS.c.next_attempt_at <= bindparam("due_by"),
    )
    .values(status=TaskStatus.running, attempts=_TASKS.c.attempts + 1, lease_until=bindparam("lease_until"))
    .returning(*_TASKS.c)
    .cte("claimed")
)
_AGENT_PREFIX = "agent_"
# The claim, and for a webhook the agent whose secrets sign it: one round trip, run through Core (the
# ORM's UPDATE ... RETURNING path cost a worker more Python than the statement's round trip).
_CLAIM = core_select(
    _CLAIMED, *(column.label(_AGENT_PREFIX + column.name) for column in _AGENTS.c)
).select_from(
    _CLAIMED.outerjoin(
        _ESCALATIONS,
        and_(_ESCALATIONS.c.id == _CLAIMED.c.escalation_id, _CLAIMED.c.kind == TaskKind.webhook),
    ).outerjoin(_AGENTS, _AGENTS.c.name == _ESCALATIONS.c.source_agent)
)


@dataclass(frozen=True)
class Claim:
    """A task held for one attempt (in the caller's session), and for a webhook its agent (read only)."""

    task: Task
    agent: Agent | None


def begin_attempt(*, session: Session, task_id: uuid.UUID, now: datetime, lease: timedelta) -> Claim | None:
    """Take the task for one attempt, or None when it is done, not yet due, or held by a worker.

    A single UPDATE decides, so two workers given the same task never both run it.
    """
    session.flush()  # the session's own pending rows first, as its queries see them (none in a worker)
    row = (
        session.connection()
        .execute(_CLAIM, {"task_id": task_id, "due_by": now + EARLY, "lease_until": now + lease})
        .one_or_none()
    )
    if row is None:
        return None
    values = row._asdict()
    claimed = Task(**{column.name: values[column.name] for column in _TASKS.c})
    make_transient_to_detached(claimed)  # as loaded: what `finish` changes is what a flush writes
    task = session.merge(claimed, load=False)  # the session's own copy, refreshed, if it has one
    agent_id = values[_AGENT_PREFIX + "id"]
    agent = (
        None
        if agent_id is None
        else Agent(**{column.name: values[_AGENT_PREFIX + column.name] for column in _AGENTS.c})
    )
    return Claim(task=task, agent=agent)


@dataclass(frozen=True)
class Outcome:
    """How an attempt leaves its task: its status, finish time and error, and when the next attempt is
    due (`retry_at`, None when the task is finished: done or given up)."""

    status: TaskStatus
    finished_at: datetime | None
    last_error: str | None
    retry_at: datetime | None

    @property
    def gave_up(self) -> bool:
        return self.status == TaskStatus.failed


def succeeded(*, now: datetime) -> Outcome:
    """The attempt worked: the task is finished for good."""
    return Outcome(status=TaskStatus.done, finished_at=now, last_error=None, retry_at=None)


def failed(
    *,
    attempts: int,
    now: datetime,
    error: str,
    retry: bool,
    delays: Sequence[float],
    retry_after_s: float | None = None,
) -> Outcome:
    """Attempt number `attempts` failed: due again later, or given up when no retry is left.

    The next attempt waits the configured delay (jittered), or what the receiver asked for with
    Retry-After, capped at the longest configured delay; it is due on a whole second, as RQ's scheduler
    counts them.
    """
    if retry and attempts <= len(delays):
        delay = jittered(delays[attempts - 1]) if retry_after_s is None else min(retry_after_s, max(delays))
        retry_at = _whole_second(now + timedelta(seconds=delay))
        return Outcome(
            status=TaskStatus.pending, finished_at=None, last_error=error[:2000], retry_at=retry_at
        )
    return Outcome(status=TaskStatus.failed, finished_at=now, last_error=error[:2000], retry_at=None)


def finish(*, session: Session, task: Task, outcome: Outcome) -> datetime | None:
    """Apply the outcome to the task in the caller's transaction; returns when the task is due again."""
    task.status, task.finished_at, task.last_error = outcome.status, outcome.finished_at, outcome.last_error
    task.lease_until = None
    if outcome.retry_at is not None:
        task.next_attempt_at = outcome.retry_at
    session.add(task)
    return outcome.retry_at


# `finish` as one conditional UPDATE, for a worker whose lease may have run out during slow outside work:
# it changes the task only while attempt `p_attempt` still holds it, and returns the task's escalation_id
# when it did; a CTE of the statement that records the attempt, so both take one round trip. Parameters:
# `held_params`. Their names start with `p_`, as no column's does: Core adds any parameter named like a
# column of an UPDATE's table to its SET (here the statement's other parameters, too).
HELD = (
    update(_TASKS)
    .where(
        _TASKS.c.id == bindparam("p_task_id"),
        _TASKS.c.status == TaskStatus.running,
        _TASKS.c.attempts == bindparam("p_attempt"),
    )
    .values(
        status=bindparam("p_status"),
        finished_at=bindparam("p_finished_at"),
        last_error=bindparam("p_last_error"),
        lease_until=None,
        next_attempt_at=func.coalesce(
            bindparam("p_retry_at", type_=_TASKS.c.next_attempt_at.type), _TASKS.c.next_attempt_at
        ),
    )
    .returning(_TASKS.c.escalation_id)
)


def held_params(*, task_id: uuid.UUID, attempt: int, outcome: Outcome) -> dict[str, Any]:
    return {
        "p_task_id": task_id,
        "p_attempt": attempt,
        "p_status": outcome.status,
        "p_finished_at": outcome.finished_at,
        "p_last_error": outcome.last_error,
        "p_retry_at": outcome.retry_at,
    }


def succeed(*, session: Session, task: Task, now: datetime) -> None:
    """The attempt worked: the task is finished for good."""
    finish(session=session, task=task, outcome=succeeded(now=now))


def fail(
    *,
    session: Session,
    task: Task,
    now: datetime,
    error: str,
    retry: bool,
    delays: Sequence[float],
) -> datetime | None:
    """Record a failed attempt in the caller's transaction; returns when to try again, or None when the
    task has given up."""
    outcome = failed(attempts=task.attempts, now=now, error=error, retry=retry, delays=delays)
    return finish(session=session, task=task, outcome=outcome)


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
