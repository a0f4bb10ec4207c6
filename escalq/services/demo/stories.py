"""The demo's named cases, played through the real services at past instants: a folded repeat, a suspected
loop, a question to the agent answered and one still open, an expiry with its fallback, and the urgent work
on the queue right now. What a worker would have done in between (categorize, notify, deliver) is done with
the same service calls the worker makes, minus the network: every receiver answers at once.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from escalq.models import (
    Agent,
    Notification,
    NotificationStatus,
    Priority,
    Reviewer,
    Task,
    TaskKind,
    TaskStatus,
)
from escalq.schemas.escalation import EscalationCreate
from escalq.services import categories, escalations, expiry, handback, notifications, outbox, webhooks
from escalq.services.demo import timing
from escalq.services.outbound import Outbound


@dataclass(frozen=True)
class Cast:
    """Who plays the stories."""

    agents: dict[str, Agent]
    urls: dict[str, str | None]
    riley: Reviewer
    sam: Reviewer
    outbound: Outbound
    fallbacks: dict[Priority, str | None]  # the active policy's, for an expiry


@dataclass(frozen=True)
class Told:
    """The escalations each story left, for the caller (and the tests) to find."""

    folded: uuid.UUID
    loop: uuid.UUID
    loop_of: uuid.UUID
    answered: uuid.UUID
    waiting: uuid.UUID
    expired: uuid.UUID
    urgent_open: uuid.UUID
    urgent_claimed: uuid.UUID


def tell(*, session: Session, cast: Cast, rng: random.Random, now: datetime) -> Told:
    """Every story, oldest first, each ending at or before `now`."""
    worker = _Worker(session=session, rng=rng, lease=cast.outbound.lease)
    answered = _answered_question(session=session, cast=cast, worker=worker, at=now - timedelta(hours=26))
    expired = _expired(session=session, cast=cast, worker=worker, at=now - timedelta(hours=5, minutes=10))
    loop, loop_of = _loop(session=session, cast=cast, worker=worker, at=now - timedelta(hours=3))
    waiting = _open_question(session=session, cast=cast, worker=worker, at=now - timedelta(minutes=70))
    folded = _folded(session=session, cast=cast, worker=worker, at=now - timedelta(minutes=50))
    urgent_claimed = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="trust-bot",
        text="Payout details changed on account acct-30877 minutes after a password reset",
        priority=Priority.urgent,
        context={"account": "acct-30877", "payout_iban_changed": True, "reset_from_ip": "203.0.113.77"},
        at=now - timedelta(minutes=24),
    )
    escalations.claim(
        session=session, escalation_id=urgent_claimed, by=cast.sam, now=now - timedelta(minutes=19)
    )
    urgent_open = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="billing-bot",
        text="Refund of $4,950 for order A-30912 exceeds my approval limit",
        priority=Priority.urgent,
        context={"order_id": "A-30912", "amount": 4950, "currency": "USD", "customer_id": "C-30912"},
        at=now - timedelta(minutes=6),
    )
    return Told(
        folded=folded,
        loop=loop,
        loop_of=loop_of,
        answered=answered,
        waiting=waiting,
        expired=expired,
        urgent_open=urgent_open,
        urgent_claimed=urgent_claimed,
    )


def _answered_question(*, session: Session, cast: Cast, worker: "_Worker", at: datetime) -> uuid.UUID:
    """A reviewer asks the agent, the agent answers, the reviewer decides: the needs-info round trip."""
    escalation_id = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="contracts-bot",
        text="Contract MSA-20417 renewal term: the signed copy and the CRM disagree (12 or 24 months)",
        priority=Priority.medium,
        context={"document": "MSA-20417", "counterparty": "Globex", "crm_term_months": 12},
        at=at,
    )
    escalations.claim(
        session=session, escalation_id=escalation_id, by=cast.sam, now=at + timedelta(minutes=18)
    )
    handback.request_info(
        session=session,
        escalation_id=escalation_id,
        by=cast.sam,
        question="Which term is on page 3 of the signed PDF, and who signed it?",
        now=at + timedelta(minutes=26),
    )
    worker.work_off(at=at + timedelta(minutes=26))
    agent = cast.agents["contracts-bot"]
    handback.add_context(
        session=session,
        escalation_id=escalation_id,
        agent=agent,
        data={"signed_term_months": 24, "signed_by": "J. Ortega, COO", "signed_on": "2026-03-02"},
        note="Page 3 of the signed copy says 24 months; the CRM entry was made from the draft.",
        now=at + timedelta(hours=2, minutes=4),
        max_context_bytes=cast.outbound.limits.max_context_bytes,
    )
    escalations.resolve(
        session=session,
        escalation_id=escalation_id,
        by=cast.sam,
        resolution="answered",
        notes="The signed copy wins: 24 months. Correct the CRM and keep the renewal reminder.",
        now=at + timedelta(hours=2, minutes=15),
    )
    worker.work_off(at=at + timedelta(hours=2, minutes=15))
    return escalation_id


def _expired(*, session: Session, cast: Cast, worker: "_Worker", at: datetime) -> uuid.UUID:
    """Nobody claims it before the deadline the agent gave: it expires and the agent uses its fallback."""
    escalation_id = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="support-bot",
        text="Customer C-30871 wants an answer on a goodwill credit before their flight in an hour",
        priority=Priority.high,
        context={"customer_id": "C-30871", "credit_asked": 120, "currency": "EUR"},
        at=at,
        expires_in=3600,
        fallback="Offer the standard 20% voucher; a person follows up tomorrow",
    )
    expired_at = at + timedelta(hours=1, seconds=worker.rng.uniform(5, 59))  # the scheduler's minute
    expiry.expire_due(session=session, fallbacks=cast.fallbacks, now=expired_at)
    worker.work_off(at=expired_at)
    return escalation_id


def _loop(*, session: Session, cast: Cast, worker: "_Worker", at: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """Resolved, then asked again a little later: created anyway, flagged as a suspected loop."""
    text = "Refund of $640 for order A-30531 exceeds my approval limit"
    context = {"order_id": "A-30531", "amount": 640, "currency": "USD", "previous_refunds": 1}
    first = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="billing-bot",
        text=text,
        priority=Priority.high,
        context=context,
        at=at,
    )
    escalations.claim(session=session, escalation_id=first, by=cast.riley, now=at + timedelta(minutes=9))
    escalations.resolve(
        session=session,
        escalation_id=first,
        by=cast.riley,
        resolution="rejected",
        notes="Already refunded once in October; no second refund without the finance team.",
        now=at + timedelta(minutes=21),
    )
    worker.work_off(at=at + timedelta(minutes=21))
    again = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="billing-bot",
        text=text,
        priority=Priority.high,
        context=context,
        at=at + timedelta(minutes=34),
    )
    return again, first


def _open_question(*, session: Session, cast: Cast, worker: "_Worker", at: datetime) -> uuid.UUID:
    """Claimed, then handed back with a question the agent has not answered yet."""
    escalation_id = _create(
        session=session,
        cast=cast,
        worker=worker,
        agent="trust-bot",
        text="Login from a new device for finance user acct-30112 while they are travelling",
        priority=Priority.high,
        context={"account": "acct-30112", "device": "Android 14", "country": "PT"},
        at=at,
    )
    escalations.claim(
        session=session, escalation_id=escalation_id, by=cast.riley, now=at + timedelta(minutes=7)
    )
    handback.request_info(
        session=session,
        escalation_id=escalation_id,
        by=cast.riley,
        question="Did the user register the trip with IT before leaving?",
        now=at + timedelta(minutes=15),
    )
    worker.work_off(at=at + timedelta(minutes=15))
    return escalation_id


def _folded(*, session: Session, cast: Cast, worker: "_Worker", at: datetime) -> uuid.UUID:
    """The agent sends the same case again (same dedupe_key, now high): counted on the open one."""
    text = "Customer C-30442 disputes a duplicate charge on their card"
    context = {"customer_id": "C-30442", "charge_ids": ["ch_8812", "ch_8813"], "amount": 89}
    escalation_id = uuid.UUID(int=0)
    for priority, sent_at in ((Priority.medium, at), (Priority.high, at + timedelta(minutes=12))):
        escalation_id = _create(
            session=session,
            cast=cast,
            worker=worker,
            agent="support-bot",
            text=text,
            priority=priority,
            context=context,
            at=sent_at,
            dedupe_key="ticket-30442",
        )
    return escalation_id


def _create(
    *,
    session: Session,
    cast: Cast,
    worker: "_Worker",
    agent: str,
    text: str,
    priority: Priority,
    context: dict[str, Any],
    at: datetime,
    expires_in: int | None = None,
    fallback: str | None = None,
    dedupe_key: str | None = None,
) -> uuid.UUID:
    data = EscalationCreate(
        issue_description=text,
        priority=priority,
        context_data=context,
        webhook_url=cast.urls[agent],
        expires_in=expires_in,
        fallback=fallback,
        dedupe_key=dedupe_key,
    )
    created = escalations.create(
        session=session, data=data, agent=cast.agents[agent], outbound=cast.outbound, now=at
    )
    worker.work_off(at=at)
    return created.escalation.id


@dataclass
class _Worker:
    """Works off the pending tasks as `escalq.services.attempts.run` does when every outside call works."""

    session: Session
    rng: random.Random
    lease: timedelta

    def work_off(self, *, at: datetime) -> None:
        pending = self.session.exec(
            select(Task).where(col(Task.status) == TaskStatus.pending).order_by(col(Task.created_at))
        ).all()
        for task_id in [task.id for task in pending]:
            done_at = at + timedelta(seconds=self.rng.uniform(0.3, 2.0))
            claim = outbox.begin_attempt(session=self.session, task_id=task_id, now=done_at, lease=self.lease)
            assert claim is not None
            task = claim.task
            self._run(task, done_at)
            outbox.succeed(session=self.session, task=task, now=done_at)
        self.session.flush()

    def _run(self, task: Task, at: datetime) -> None:
        if task.kind == TaskKind.categorize:
            assert task.escalation_id is not None
            categories.categorize(
                session=self.session, escalation_id=task.escalation_id, ask=None, source=categories.LOCAL
            )
        elif task.kind == TaskKind.notification:
            notification = self.session.get(Notification, uuid.UUID(task.payload["notification_id"]))
            assert notification is not None
            notifications.mark(
                session=self.session,
                notification=notification,
                status=NotificationStatus.sent,
                error=None,
                now=at,
            )
        else:
            webhooks.log_attempt(
                session=self.session,
                task=task,
                result=timing.delivered(self.rng),
                outcome="succeeded",
                now=at,
            )
