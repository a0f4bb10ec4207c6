"""One attempt of an outbox task, by kind (webhook, notification, categorization), and what it left."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from escalq.clock import Clock
from escalq.db import one_transaction
from escalq.models import Agent, Notification, NotificationStatus, Task, TaskKind
from escalq.services import agent_secrets, categories, notifications, outbox, repeats, webhooks
from escalq.services.errors import Misconfigured
from escalq.services.outbound import Outbound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempted:
    """Attempt number `attempt` of a task; `retry_at` is when the next one is due, if any."""

    escalation_id: uuid.UUID | None
    attempt: int
    retry_at: datetime | None


def run(*, session: Session, task_id: uuid.UUID, config: Outbound, clock: Clock) -> Attempted | None:
    """One attempt of the task, if it is due and nobody else holds it (else None).

    The claim is committed before any outside call, so a crash mid-attempt leaves a lease that
    expires and a sweep that picks the task up again. The claim and a webhook's outcome are one statement
    each: a `job_session` (autocommit) runs them in a round trip apiece.
    """
    claim = outbox.begin_attempt(session=session, task_id=task_id, now=clock(), lease=config.lease)
    if claim is None:
        return None
    session.commit()
    task = claim.task
    if task.kind == TaskKind.webhook:  # its outcome is one statement
        assert claim.agent is not None, "a webhook's escalation has an agent (a foreign key)"
        retry_at = _webhook(session=session, task=task, agent=claim.agent, config=config, clock=clock)
    else:  # the others write several rows
        one_transaction(session)
        runner = _notification if task.kind == TaskKind.notification else _categorize
        retry_at = runner(session=session, task=task, config=config, clock=clock)
    return Attempted(escalation_id=task.escalation_id, attempt=task.attempts, retry_at=retry_at)


def _webhook(
    *, session: Session, task: Task, agent: Agent, config: Outbound, clock: Clock
) -> datetime | None:
    attempt = task.attempts
    try:
        secrets = agent_secrets.signing_secrets(agent=agent, now=clock())
    except Misconfigured as error:
        # Nothing is sent unsigned: the attempt fails with the reason, and is retried once the key is fixed.
        log.error("webhook %s not sent: %s", task.id, error.message)
        result = webhooks.AttemptResult(http_status=None, excerpt=None, error=error.message, duration_ms=0)
    else:
        result = webhooks.send(
            url=task.payload["url"],
            message_id=task.payload["message_id"],
            body=task.payload["body"],
            secrets=secrets,
            timeout_s=config.webhook_timeout_s,
            reach=config.webhook_reach,
            now=clock(),
        )
    now = clock()
    if result.succeeded:
        outcome = outbox.succeeded(now=now)
    else:
        outcome = outbox.failed(
            attempts=attempt,
            now=now,
            error=result.summary,
            retry=result.retryable,
            delays=config.delays,
            retry_after_s=result.retry_after_s,
        )
    word = webhooks.finish_attempt(
        session=session, task=task, attempt=attempt, result=result, outcome=outcome, now=now
    )
    return outcome.retry_at if word == "retrying" else None


def _notification(*, session: Session, task: Task, config: Outbound, clock: Clock) -> datetime | None:
    notification_id = uuid.UUID(task.payload["notification_id"])
    try:
        notification = notifications.deliver(
            session=session, notification_id=notification_id, channels=config.channels
        )
    except Exception as error:
        # Any failure of the outside service is retried; the error text is what the dashboard shows.
        session.rollback()
        return _notification_failed(session=session, task=task, error=error, config=config, clock=clock)
    now = clock()
    if notification is not None:
        notifications.mark(
            session=session, notification=notification, status=NotificationStatus.sent, error=None, now=now
        )
    outbox.succeed(session=session, task=task, now=now)
    return None


def _notification_failed(
    *, session: Session, task: Task, error: Exception, config: Outbound, clock: Clock
) -> datetime | None:
    now, message = clock(), f"{type(error).__name__}: {error}"
    retry_at = outbox.fail(
        session=session, task=task, now=now, error=message, retry=True, delays=config.delays
    )
    notification = session.get(Notification, uuid.UUID(task.payload["notification_id"]))
    if notification is not None:
        status = NotificationStatus.pending if retry_at else NotificationStatus.failed
        notifications.mark(session=session, notification=notification, status=status, error=message, now=now)
    return retry_at


def _categorize(*, session: Session, task: Task, config: Outbound, clock: Clock) -> datetime | None:
    escalation_id = task.escalation_id
    assert escalation_id is not None
    try:
        categories.categorize(
            session=session, escalation_id=escalation_id, ask=config.ask_llm, source=config.llm_source
        )
    except Exception as error:
        # The model's trouble never touches the escalation: retry, and at the end use the local rules.
        session.rollback()
        message = f"{type(error).__name__}: {error}"
        retry_at = outbox.fail(
            session=session, task=task, now=clock(), error=message, retry=True, delays=config.delays
        )
        if retry_at is None:
            log.warning("categorization of %s fell back to local rules after %s", escalation_id, message)
            categories.categorize(
                session=session, escalation_id=escalation_id, ask=None, source=categories.LOCAL
            )
            _flag_near_loop(session=session, escalation_id=escalation_id, config=config, clock=clock)
        return retry_at
    _flag_near_loop(session=session, escalation_id=escalation_id, config=config, clock=clock)
    outbox.succeed(session=session, task=task, now=clock())
    return None


def _flag_near_loop(*, session: Session, escalation_id: uuid.UUID, config: Outbound, clock: Clock) -> None:
    """Once per escalation, with its categorization: the near-repeat loop check the request left out."""
    limits = config.limits
    repeats.flag_near_loop(
        session=session,
        escalation_id=escalation_id,
        threshold=limits.similarity,
        window=limits.loop_window,
        now=clock(),
    )
