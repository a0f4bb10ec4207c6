"""The demo's two weeks: the shape of the data, the named cases, consistency, determinism."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlmodel import col, select

from escalq.config import get_settings
from escalq.models import (
    Escalation,
    EscalationEvent,
    Notification,
    NotificationStatus,
    OncallOverride,
    Priority,
    Reviewer,
    Status,
    Task,
    TaskKind,
    TaskStatus,
    WebhookDelivery,
)
from escalq.services import demo, metrics, oncall, policies
from escalq.services.secrets import verify_password

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon


@pytest.fixture
def seeded(session):
    return demo.seed(session=session, now=NOW)


def test_two_weeks_of_a_few_hundred_escalations_mostly_resolved(session, seeded):
    rows = session.exec(select(Escalation)).all()

    assert seeded.escalation_count == len(rows) == 348
    statuses = Counter(row.status for row in rows)
    assert statuses == {
        Status.resolved: 325,
        Status.assigned: 14,
        Status.claimed: 7,
        Status.needs_info: 1,
        Status.expired: 1,
    }
    assert Counter(row.priority for row in rows) == {
        Priority.urgent: 39,
        Priority.high: 96,
        Priority.medium: 131,
        Priority.low: 82,
    }
    assert len({row.source_agent for row in rows}) == 5
    assert len({row.category for row in rows}) == 10
    assert min(row.created_at for row in rows) >= NOW - timedelta(days=14)
    assert max(row.created_at for row in rows) < NOW


def test_the_logins_use_a_passphrase_that_is_not_the_email(session, seeded):
    assert seeded.reviewer_emails == [
        "admin@escalq.test",
        "manager@escalq.test",
        "riley@escalq.test",
        "sam@escalq.test",
    ]
    assert len(demo.DEMO_PASSWORD) >= 12
    for email in seeded.reviewer_emails:
        assert email.split("@")[0] not in demo.DEMO_PASSWORD
    assert seeded.agent_api_key.startswith("esq_")
    riley = session.exec(select(Reviewer).where(col(Reviewer.email) == "riley@escalq.test")).one()
    assert verify_password(demo.DEMO_PASSWORD, riley.password_hash)


def test_the_named_cases_are_there(session, seeded):
    told = seeded.stories
    folded = session.get(Escalation, told.folded)
    assert (folded.repeat_count, folded.priority, folded.status) == (1, Priority.high, Status.assigned)
    loop = session.get(Escalation, told.loop)
    assert loop.loop_suspected and loop.related_to == told.loop_of
    assert session.get(Escalation, told.loop_of).resolution == "rejected"
    assert _actions(session, told.answered) == [
        "created",
        "assigned",
        "claimed",
        "info_requested",
        "context_added",
        "resolved",
    ]
    assert session.get(Escalation, told.waiting).status == Status.needs_info
    expired = session.get(Escalation, told.expired)
    assert expired.status == Status.expired and expired.fallback
    assert _delivered(session, told.expired) == ["escalation.expired"]
    assert _delivered(session, told.answered) == ["escalation.info_requested", "escalation.resolved"]
    assert session.get(Escalation, told.urgent_open).status == Status.assigned
    assert session.get(Escalation, told.urgent_claimed).status == Status.claimed


def test_webhooks_mostly_delivered_some_retried_one_failed(session, seeded):
    outcomes = Counter(d.outcome for d in session.exec(select(WebhookDelivery)))
    tasks = Counter((t.kind, t.status) for t in session.exec(select(Task)))

    assert outcomes["succeeded"] > 250
    assert outcomes["retrying"] >= 10
    assert outcomes["failed"] == 1
    assert tasks[(TaskKind.webhook, TaskStatus.failed)] == 1
    # Nothing is left for a worker: a demo never sends anything by itself.
    assert {status for _, status in tasks} == {TaskStatus.done, TaskStatus.failed}
    (failed,) = session.exec(select(Task).where(col(Task.status) == TaskStatus.failed)).all()
    attempts = _attempts(session, failed)
    assert [a.attempt for a in attempts] == list(range(1, len(get_settings().retry_delays_s) + 2))
    assert all(a.at < NOW for a in attempts)


def test_notifications_were_sent_by_email_each_with_its_task(session, seeded):
    sent = session.exec(select(Notification)).all()
    kinds = Counter(n.kind for n in sent)

    assert {"urgent_created", "no_reviewer", "oncall_timeout", "manager_timeout"} <= set(kinds)
    assert {n.status for n in sent} == {NotificationStatus.sent}
    payloads = {
        t.payload["notification_id"]
        for t in session.exec(select(Task).where(col(Task.kind) == TaskKind.notification))
    }
    assert payloads == {str(n.id) for n in sent}


def test_every_trail_is_in_order_and_matches_the_row(session, seeded):
    events: dict[Any, list[EscalationEvent]] = {}
    for event in session.exec(select(EscalationEvent).order_by(col(EscalationEvent.id))):
        events.setdefault(event.escalation_id, []).append(event)
    for escalation in session.exec(select(Escalation)):
        trail = events[escalation.id]
        assert trail[0].action == "created" and trail[0].actor_name == escalation.source_agent
        assert [e.at for e in trail] == sorted(e.at for e in trail)
        assert trail[-1].to_status == escalation.status
        for before, after in pairwise(trail):
            assert after.from_status == before.to_status, (escalation.id, before.action, after.action)
        if escalation.status == Status.resolved:
            assert escalation.claimed_at <= escalation.resolved_at
            assert escalation.assigned_at <= escalation.claimed_at


def test_breaches_fired_the_timeout_rules(session, seeded):
    thresholds = policies.thresholds(policies.current(session).document)
    for escalation in session.exec(select(Escalation).where(col(Escalation.bumped_at).is_not(None))):
        assert escalation.bumped_at - escalation.created_at >= thresholds[Priority.high]
        waited_until = escalation.claimed_at or escalation.expired_at or NOW
        assert escalation.bumped_at < waited_until
    assert session.exec(select(Escalation).where(col(Escalation.oncall_notified_at).is_not(None))).first()
    assert session.exec(select(Escalation).where(col(Escalation.managers_notified_at).is_not(None))).first()


def test_on_call_rotation_with_an_override_covering_now(session, seeded):
    rotation = oncall.rotation_view(session=session, now=NOW)
    (override,) = session.exec(select(OncallOverride)).all()

    assert rotation is not None and len(rotation.members) == 3
    assert override.starts_at <= NOW < override.ends_at
    assert [r.id for r in oncall.on_call_at(session=session, at=NOW)] == [override.reviewer_id]


def test_every_metric_has_something_to_show(session, seeded):
    sla = policies.thresholds(policies.current(session).document)
    for preset in ("24h", "7d", "30d"):
        query = metrics.query_for(preset=preset, start=None, end=None, agent=None, now=NOW)
        found = metrics.compute(session=session, query=query, sla=sla, now=NOW)
        assert found.first_assignment.count > 0 and found.first_assignment.avg_s > 0
        assert any(row.avg_s for row in found.first_assignment_over_time)
        assert all(row.count for row in found.resolution_by_priority), preset
        assert all(row.count for row in found.rate_per_agent), preset
        assert found.top_reasons
        assert any(cell.count for cell in found.backlog)
        assert any(row.total for row in found.sla_breaches), preset
        assert any(row.breached for row in found.sla_breaches) or preset == "24h"
        assert found.sla_by_reviewer and any(row.total for row in found.sla_by_reviewer)
        assert found.webhooks.success_rate is not None


def test_same_seed_and_instant_give_the_same_rows(session):
    demo.seed(session=session, now=NOW)
    first = _snapshot(session)
    session.rollback()

    demo.seed(session=session, now=NOW)

    assert _snapshot(session) == first


def _snapshot(session) -> dict[str, list]:
    """The rows without ids and the random parts (keys, message ids, password hashes)."""
    escalations = session.exec(select(Escalation).order_by(col(Escalation.created_at))).all()
    number = {e.id: n for n, e in enumerate(escalations)}
    return {
        "escalations": [
            (
                e.created_at,
                e.issue_description,
                e.priority,
                e.status,
                e.resolved_at,
                e.category,
                e.repeat_count,
            )
            for e in escalations
        ],
        "events": sorted(
            (number[e.escalation_id], e.at, e.action, e.actor_name, e.to_status)
            for e in session.exec(select(EscalationEvent))
        ),
        "deliveries": sorted(
            (number[d.escalation_id], d.attempt, d.at, d.outcome, d.duration_ms)
            for d in session.exec(select(WebhookDelivery))
        ),
        "notifications": sorted(
            (number[n.escalation_id], n.kind, n.recipient, n.created_at)
            for n in session.exec(select(Notification))
        ),
    }


def _actions(session, escalation_id) -> list[str]:
    query = select(EscalationEvent.action).where(col(EscalationEvent.escalation_id) == escalation_id)
    return list(session.exec(query.order_by(col(EscalationEvent.id))))


def _delivered(session, escalation_id) -> list[str]:
    query = select(WebhookDelivery).where(
        col(WebhookDelivery.escalation_id) == escalation_id, col(WebhookDelivery.outcome) == "succeeded"
    )
    return [d.event_type for d in session.exec(query.order_by(col(WebhookDelivery.id)))]


def _attempts(session, task) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(col(WebhookDelivery.task_id) == task.id)
    return list(session.exec(query.order_by(col(WebhookDelivery.attempt))))
