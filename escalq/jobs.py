"""Hand committed outbox tasks to RQ; jobs are named by dotted path, so escalq never imports workers."""

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from redis.exceptions import RedisError
from rq import Queue
from sqlmodel import Session

from escalq import changes
from escalq.broker import redis
from escalq.clock import utc_now
from escalq.services import outbox

log = logging.getLogger(__name__)
RUN_TASK = "workers.jobs.run_task"
QUEUE = "escalq"


def queue() -> Queue:
    return Queue(QUEUE, connection=redis())


def job_id(task_id: uuid.UUID, attempt: int) -> str:
    """RQ job ids allow only letters, digits, `_` and `-`."""
    return f"task-{task_id}-{attempt}"


def enqueue(task_ids: Sequence[uuid.UUID]) -> bool:
    """Queue the tasks now; False (and a warning) when Redis is unreachable: the sweep will do it."""
    try:
        target = queue()
        with target.connection.pipeline() as pipe:
            for task_id in task_ids:
                target.enqueue(RUN_TASK, str(task_id), job_id=job_id(task_id, 0), pipeline=pipe)
            pipe.execute()
    except RedisError as error:
        log.warning("could not queue %d task(s), the sweep will: %s", len(task_ids), error)
        return False
    return True


def enqueue_at(task_id: uuid.UUID, attempt: int, when: datetime) -> None:
    """Queue a retry for `when` (RQ's scheduler runs it); the sweep covers it if this is lost."""
    try:
        queue().enqueue_at(when, RUN_TASK, str(task_id), job_id=job_id(task_id, attempt))
    except RedisError as error:
        log.warning("could not schedule a retry of task %s, the sweep will: %s", task_id, error)


def after_commit(*, session: Session, escalation_id: uuid.UUID) -> None:
    """Tell the dashboards and waiting agents first (they wait on us), then queue the escalation's new
    tasks and remember that they are queued."""
    changes.publish([escalation_id])
    task_ids = outbox.waiting_for(session=session, escalation_id=escalation_id)
    if task_ids and enqueue(task_ids):
        outbox.mark_enqueued(session=session, task_ids=task_ids, now=utc_now())
        session.commit()
