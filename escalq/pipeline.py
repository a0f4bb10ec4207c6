"""The unit of work: a change, the outside work it needs, and that work done once, whatever fails.

1. A service records the tasks a change needs in the caller's transaction (`services.outbox.record`),
   beside the audit events of the escalations it changes (`services.audit.record_event`).
2. `commit` commits it, then announces those escalations to the dashboards and hands the tasks to RQ,
   in one Redis round trip. Only the commit can fail the caller: after it, trouble is logged and the
   sweep queues what was not. Routes, states, commands and jobs all commit changes through it, and
   none names what to announce or queue: the session noted what it wrote.
3. A worker runs `run_task`: one attempt (`services.attempts`); a retry is scheduled in RQ.
4. `sweep`, every sweep interval: gives back the tasks of workers that died mid-attempt, then queues each
   due task whose job RQ does not hold (Redis was down, flushed or restarted), and only those.
"""

import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from rq import Queue
from rq.job import JobStatus
from sqlalchemy import event
from sqlmodel import Session

from escalq import changes
from escalq.broker import redis
from escalq.clock import Clock, utc_now
from escalq.db import job_session, new_session
from escalq.models import EscalationEvent, Task, TaskKind, TaskStatus
from escalq.services import attempts, outbox, policies, webhooks
from escalq.services.outbound import configured

log = logging.getLogger(__name__)
QUEUE = "escalq"
RUN_TASK = "escalq.pipeline.run_task"
SWEEP = "escalq.pipeline.sweep"
# A task due this long and not in RQ was not queued by its commit (Redis was down): the sweep queues it.
# Shorter would race a commit's own dispatch, a few milliseconds behind it.
DISPATCH_GRACE = timedelta(seconds=5)
# RQ holds a task's job while it waits in the queue, waits for its time, or runs.
# A task's job keeps no result: the outbox row is the record, and RQ then deletes the finished job in the
# pipeline that closes it rather than storing a result and a finished-registry entry for each.
_RUN: dict[str, Any] = {"result_ttl": 0}
_HELD = {JobStatus.QUEUED.value, JobStatus.SCHEDULED.value, JobStatus.DEFERRED.value, JobStatus.STARTED.value}
Due = tuple[uuid.UUID, int]  # a task and its attempts so far, which name its next job


def queue() -> Queue:
    return Queue(QUEUE, connection=redis())


def job_id(task_id: uuid.UUID, attempt: int) -> str:
    """The job of the task's attempt after `attempt` (RQ job ids allow letters, digits, `_` and `-`)."""
    return f"task-{task_id}-{attempt}"


@event.listens_for(Session, "before_flush")
def _note(session: Session, flush_context: object, instances: object) -> None:
    written = outbox.written(session)
    for row in session.new:
        if isinstance(row, EscalationEvent):
            written.escalations.add(row.escalation_id)
        elif isinstance(row, Task):
            written.tasks.append(row.id)
            if row.escalation_id is not None:
                written.escalations.add(row.escalation_id)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Tasks committed outside `commit` are left to the sweep; a rolled-back transaction wrote none."""
    outbox.take_written(session)


def commit(session: Session) -> None:
    """Commit the session's change, then tell the dashboards about the escalations it changed (those
    given an audit event or a task) and queue the tasks it recorded. Raises only if the commit does."""
    session.flush()
    written = outbox.take_written(session)
    session.commit()
    _dispatch(changed=written.escalations, due=[(task_id, 0) for task_id in written.tasks])


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session for one change, committed by `commit` when the block ends, rolled back if it raises."""
    with new_session() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        commit(session)


def run_task(task_id: str) -> None:
    """RQ job: one attempt of an outbox task, if it is due and nobody holds it; then the dashboards hear of
    it, and a retry, if one is due later, is scheduled in the same round trip."""
    task = uuid.UUID(task_id)
    with job_session() as session:
        config = policies.outbound(configured(), policies.current(session))
        attempted = attempts.run(session=session, task_id=task, config=config, clock=utc_now)
        session.commit()
    if attempted is None:
        return
    changed = [] if attempted.escalation_id is None else [attempted.escalation_id]
    retry = None if attempted.retry_at is None else (task, attempted.attempt, attempted.retry_at)
    _dispatch(changed=changed, due=[], retry=retry)


def sweep(clock: Clock = utc_now) -> int:
    """RQ job: give back the tasks whose worker died, then queue every due task RQ does not hold.
    Returns how many it queued."""
    now = clock()
    with new_session() as session:
        died = outbox.take_died(session=session, now=now, delays=configured().delays)
        for lost in died:
            log.warning("task %s: attempt %d died (lease ran out)", lost.task.id, lost.attempt)
            if lost.task.kind == TaskKind.webhook:
                webhooks.log_died(session=session, died=lost, now=now)
        session.commit()
        due = outbox.pending_due(session=session, before=now - DISPATCH_GRACE)
    # A dead attempt's job stays "started" in RQ; the next attempt has a job id of its own.
    again = [(lost.task.id, lost.attempt) for lost in died if lost.task.status == TaskStatus.pending]
    queued = again + _not_held(due)
    _dispatch(changed={lost.task.escalation_id for lost in died if lost.task.escalation_id}, due=queued)
    if queued:
        log.info("sweep queued %d task(s) RQ did not hold", len(queued))
    return len(queued)


def _not_held(due: Sequence[Due]) -> list[Due]:
    """The tasks whose next job RQ does not hold (an unreachable Redis holds none: all of them)."""
    if not due:
        return []
    try:
        with redis().pipeline(transaction=False) as pipe:
            for task_id, attempt in due:
                pipe.hget(f"rq:job:{job_id(task_id, attempt)}", "status")
            statuses = pipe.execute()
    except RedisError as error:
        log.warning("could not ask RQ which tasks it holds: %s", error)
        return list(due)
    return [task for task, status in zip(due, statuses, strict=True) if _text(status) not in _HELD]


def _text(status: bytes | str | None) -> str | None:
    return status.decode() if isinstance(status, bytes) else status


def _dispatch(
    *, changed: Iterable[uuid.UUID], due: Sequence[Due], retry: tuple[uuid.UUID, int, datetime] | None = None
) -> None:
    """One Redis round trip: the announcement, the tasks to run now, the retry to run later. Never
    raises: a lost announcement only delays a dashboard, and the sweep queues lost tasks."""
    announced = list(changed)
    if not announced and not due and retry is None:
        return
    try:
        target = queue()
        with target.connection.pipeline() as pipe:
            for task_id, attempt in due:
                target.enqueue(RUN_TASK, str(task_id), job_id=job_id(task_id, attempt), **_RUN, pipeline=pipe)
            if retry is not None:
                task_id, attempt, when = retry
                target.enqueue_at(
                    when, RUN_TASK, str(task_id), job_id=job_id(task_id, attempt), **_RUN, pipeline=pipe
                )
            if announced:  # last: RQ opens the pipeline's MULTI with its first command
                pipe.publish(changes.CHANNEL, changes.announcement(announced))
            pipe.execute()
    except RedisError as error:
        log.warning(
            "could not announce %d change(s) or queue %d task(s): %s", len(announced), len(due), error
        )
