"""RQ job functions: ids in, re-fetch, harmless to repeat."""

import logging
import uuid
from datetime import timedelta

from escalq import changes, jobs, metrics_cache
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.db import session_scope
from escalq.services import expiry, outbox, tasks, timeouts, trail
from escalq.services.outbound import configured

log = logging.getLogger(__name__)


def run_task(task_id: str) -> None:
    """One attempt of an outbox task; a failed attempt is recorded and its retry scheduled."""
    with session_scope() as session:
        attempted = tasks.run(session=session, task_id=uuid.UUID(task_id), config=configured(), clock=utc_now)
    if attempted is None:
        return
    if attempted.escalation_id is not None:
        changes.publish([attempted.escalation_id])
    if attempted.retry_at is not None:
        jobs.enqueue_at(uuid.UUID(task_id), attempted.attempt, attempted.retry_at)


def sweep() -> int:
    """Queue every task that is due but not in the queue: Redis was down, or a worker died holding it."""
    settings = get_settings()
    with session_scope() as session:
        due = outbox.due(
            session=session, now=utc_now(), requeue_after=timedelta(seconds=settings.task_lease_s)
        )
        if due and jobs.enqueue(due):
            outbox.mark_enqueued(session=session, task_ids=due, now=utc_now())
    if due:
        log.info("sweep queued %d task(s)", len(due))
    return len(due)


def check_timeouts() -> dict[str, int]:
    """Apply the priority timeout rules, then queue the notifications they recorded."""
    thresholds = timeouts.thresholds(get_settings())
    with session_scope() as session:
        report = timeouts.apply(
            session=session, limits=thresholds, channels=configured().channels, now=utc_now()
        )
    with session_scope() as session:
        for escalation_id in {eid for ids in report.values() for eid in ids}:
            jobs.after_commit(session=session, escalation_id=escalation_id)
    return {action: len(ids) for action, ids in report.items()}


def expire() -> int:
    """Expire the escalations nobody claimed in time, then queue the webhooks telling their agents."""
    with session_scope() as session:
        expired = expiry.expire_due(session=session, now=utc_now())
    with session_scope() as session:
        for escalation_id in expired:
            jobs.after_commit(session=session, escalation_id=escalation_id)
    if expired:
        log.info("expired %d escalation(s)", len(expired))
    return len(expired)


def refresh_metrics() -> list[str]:
    """Recompute the managers' preset figures, so the page and the API answer from the cache."""
    with session_scope() as session:
        return metrics_cache.refresh_presets(
            session=session, sla=timeouts.thresholds(get_settings()), now=utc_now()
        )


def seal_audit() -> int:
    """Seal the audit events committed since the last run into the global chain."""
    sealed = trail.seal_all(transactions=session_scope)
    if sealed:
        log.info("sealed %d audit event(s)", sealed)
    return sealed
