"""Signed webhooks to agents (Standard Webhooks), one recorded attempt at a time."""

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

import httpx
from sqlalchemy import Boolean, bindparam, case, exists, insert, update
from sqlmodel import Session, col, select
from standardwebhooks import Webhook

from escalq.integrations import http
from escalq.models import Escalation, Task, TaskKind, TaskStatus, WebhookDelivery
from escalq.services import outbox
from escalq.services.errors import Conflict
from escalq.services.urls import Reach, UnsafeUrl, target

EXCERPT_BYTES = 1024
# The answers whose Retry-After says when to come back (RFC 9110 section 10.2.3).
SAYS_WHEN = {429, 503}


@dataclass(frozen=True)
class AttemptResult:
    """What one POST achieved; `error` is set when no HTTP answer came back."""

    http_status: int | None
    excerpt: str | None
    error: str | None
    duration_ms: int
    refused: bool = False
    retry_after_s: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300

    @property
    def summary(self) -> str:
        """What went wrong, as the task's last error says it."""
        return self.error or f"HTTP {self.http_status}"

    @property
    def retryable(self) -> bool:
        """410 Gone and refused targets stop for good; everything else may be tried again."""
        return not (self.succeeded or self.refused or self.http_status == 410)


def queue(*, session: Session, escalation: Escalation, body: dict[str, Any], now: datetime) -> Task | None:
    """Record a delivery of `body` to the escalation's webhook, if it has one."""
    if not escalation.webhook_url:
        return None
    payload = {"message_id": f"msg_{uuid.uuid4().hex}", "url": escalation.webhook_url, "body": body}
    return outbox.record(
        session=session, kind=TaskKind.webhook, escalation_id=escalation.id, payload=payload, now=now
    )


def redeliver(*, session: Session, escalation_id: uuid.UUID, now: datetime) -> Task:
    """Queue the escalation's last event again, with its original webhook-id (receivers may dedupe)."""
    last = session.exec(
        select(Task)
        .where(col(Task.escalation_id) == escalation_id, col(Task.kind) == TaskKind.webhook)
        .order_by(col(Task.created_at).desc())
        .limit(1)
    ).first()
    if last is None:
        raise Conflict(
            "this escalation has no webhook event to redeliver (no webhook_url, or nothing sent yet)"
        )
    session.execute(
        update(Escalation).where(col(Escalation.id) == escalation_id).values(agent_not_told_at=None)
    )
    return outbox.record(
        session=session,
        kind=TaskKind.webhook,
        escalation_id=escalation_id,
        payload=dict(last.payload),
        now=now,
    )


def mark_not_told(*, session: Session, task: Task, now: datetime) -> None:
    """The task's last attempt gave up: its escalation shows that the agent never heard (until someone
    redelivers)."""
    session.execute(
        update(Escalation).where(col(Escalation.id) == task.escalation_id).values(agent_not_told_at=now)
    )


def log_died(*, session: Session, died: outbox.Died, now: datetime) -> None:
    """Keep the attempt whose worker died, as the dashboard's history of the delivery shows it."""
    result = AttemptResult(
        http_status=None,
        excerpt=None,
        error=f"the worker stopped mid-attempt; its lease ran out at {died.lease_until:%H:%M:%S} UTC",
        duration_ms=0,
    )
    log_attempt(session=session, task=died.task, result=result, outcome="died", now=now, attempt=died.attempt)
    if died.task.status == TaskStatus.failed:
        mark_not_told(session=session, task=died.task, now=now)


_HELD = outbox.HELD.cte("held")
_ESCALATIONS, _DELIVERIES = Escalation.__table__, WebhookDelivery.__table__  # type: ignore[attr-defined]
_TOLD = (
    update(_ESCALATIONS)
    .where(bindparam("p_gave_up", type_=Boolean), _ESCALATIONS.c.id.in_(select(_HELD.c.escalation_id)))
    .values(agent_not_told_at=bindparam("p_at"))
)
_FINISH = (  # `finish_attempt`'s, built once (a worker runs it per delivery); parameters: p_ + column
    insert(_DELIVERIES)
    .values(
        {c.name: bindparam(f"p_{c.name}") for c in _DELIVERIES.c if c.name not in ("id", "outcome")}
        | {
            "outcome": case(
                (exists(select(_HELD.c.escalation_id)), bindparam("p_outcome")), else_="superseded"
            )
        }
    )
    .returning(_DELIVERIES.c.outcome)
    .add_cte(_HELD, _TOLD.cte("told"))
)


@lru_cache(maxsize=8)
def _client(timeout_s: float, reach: Reach) -> httpx.Client:
    """One client per process and policy, so deliveries reuse open connections to a receiver; every new
    connection is still checked and pinned by `reach`, and a reused one goes where it was checked."""
    return http.client(timeout_s=timeout_s, gate=reach)


def send(
    *,
    url: str,
    message_id: str,
    body: dict[str, Any],
    secrets: Sequence[str],
    timeout_s: float,
    reach: Reach,
    now: datetime,
) -> AttemptResult:
    """POST the body once, signed with each of `secrets` (space-separated, as Standard Webhooks allows),
    to an address `reach` allows; never raises for network or HTTP trouble."""
    started = time.perf_counter()

    def result(**fields: Any) -> AttemptResult:
        return AttemptResult(duration_ms=round((time.perf_counter() - started) * 1000), **fields)

    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(Webhook(secret).sign(message_id, now, data) for secret in secrets),
    }
    try:
        target(url)
        with _client(timeout_s, reach).stream("POST", url, content=data, headers=headers) as r:
            excerpt = next(r.iter_bytes(EXCERPT_BYTES), b"")[:EXCERPT_BYTES].decode("utf-8", "replace")
            wait = retry_after(r.headers.get("retry-after"), now=now) if r.status_code in SAYS_WHEN else None
            return result(http_status=r.status_code, excerpt=excerpt, error=None, retry_after_s=wait)
    except UnsafeUrl as error:
        return result(http_status=None, excerpt=None, error=error.message, refused=True)
    except httpx.TimeoutException:
        return result(http_status=None, excerpt=None, error=f"timed out after {timeout_s:g} s")
    except (httpx.HTTPError, OSError) as error:
        return result(
            http_status=None, excerpt=None, error=f"{type(error).__name__}: {error}"[:EXCERPT_BYTES]
        )


def retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds a Retry-After header asks us to wait (delay-seconds or an HTTP date); None when absent or
    unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT; RFC 850 and asctime forms carry no zone
        when = when.replace(tzinfo=now.tzinfo)
    return max(0.0, (when - now).total_seconds())


def log_attempt(
    *,
    session: Session,
    task: Task,
    result: AttemptResult,
    outcome: str,
    now: datetime,
    attempt: int | None = None,
) -> WebhookDelivery:
    """Keep the attempt for the dashboard; `attempt` defaults to the task's current one."""
    delivery = WebhookDelivery(
        **_delivery(task=task, result=result, now=now, attempt=task.attempts if attempt is None else attempt),
        outcome=outcome,
    )
    session.add(delivery)
    return delivery


def finish_attempt(
    *,
    session: Session,
    task: Task,
    attempt: int,
    result: AttemptResult,
    outcome: outbox.Outcome,
    now: datetime,
) -> str:
    """Apply the attempt's outcome to its task, while the attempt still holds it, and keep the attempt for
    the dashboard (a given-up task also marks its escalation "agent not told"), in one statement: a
    worker's round trip per delivery. Returns the word the history shows ("superseded" when another
    attempt took the task meanwhile)."""
    delivery = _delivery(task=task, result=result, now=now, attempt=attempt)
    params = {
        **{f"p_{name}": value for name, value in delivery.items()},
        **outbox.held_params(task_id=task.id, attempt=attempt, outcome=outcome),
        "p_outcome": _word(result, outcome),
        "p_gave_up": outcome.gave_up,
    }
    return str(session.connection().execute(_FINISH, params).scalar_one())  # Core: no ORM bookkeeping


def _word(result: AttemptResult, outcome: outbox.Outcome) -> str:
    if result.succeeded:
        return "succeeded"
    if outcome.retry_at is not None:
        return "retrying"
    return "gone" if result.http_status == 410 else "failed"


def _delivery(*, task: Task, result: AttemptResult, now: datetime, attempt: int) -> dict[str, Any]:
    """The columns of an attempt's history row, but its outcome."""
    assert task.escalation_id is not None
    return {
        "task_id": task.id,
        "escalation_id": task.escalation_id,
        "event_type": task.payload["body"]["type"],
        "url": task.payload["url"],
        "attempt": attempt,
        "at": now,
        "duration_ms": result.duration_ms,
        "http_status": result.http_status,
        "response_excerpt": result.excerpt,
        "error": result.error,
    }


def attempts_for(*, session: Session, escalation_id: uuid.UUID) -> list[WebhookDelivery]:
    """Every delivery attempt for the escalation, oldest first."""
    query = select(WebhookDelivery).where(col(WebhookDelivery.escalation_id) == escalation_id)
    return list(session.exec(query.order_by(col(WebhookDelivery.id))))
