"""Expiry: unclaimed past the deadline, an escalation expires once, and it is never a human decision."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from escalq.models import ActorKind, Escalation, EscalationEvent, Priority, Role, Status, Task, TaskKind
from escalq.services import escalations, expiry, handback, metrics
from escalq.services.errors import Conflict
from tests.concurrency import at_once
from tests.factories import make_agent, make_escalation, make_reviewer

SECOND = timedelta(seconds=1)
HOOK = "https://agent.example/hooks/escalq"


def opened(session, agent, *, due, now, fallback="reject", webhook=True, priority=Priority.medium):
    """An escalation whose deadline is `due`, created an hour before `now`."""
    escalation = make_escalation(session, agent, priority=priority, now=now - timedelta(hours=1))
    escalation.expires_at, escalation.fallback = due, fallback
    escalation.webhook_url = HOOK if webhook else None
    session.add(escalation)
    session.commit()
    return escalation


def world(session, now):
    """Due ones in each unclaimed status, plus ones that are not due or no longer wait for a claim."""
    agent = make_agent(session).agent
    pending = opened(session, agent, due=now - SECOND, now=now, fallback="proceed")
    holder = make_reviewer(session, "holder@example.com").reviewer
    found = {
        "pending": pending,
        "assigned": opened(session, agent, due=now - timedelta(minutes=5), now=now, webhook=False),
        "exactly_now": opened(session, agent, due=now, now=now, fallback=None),
        "not_yet": opened(session, agent, due=now + SECOND, now=now),
        "claimed": opened(session, agent, due=now - SECOND, now=now),
        "needs_info": opened(session, agent, due=now - SECOND, now=now),
        "resolved": opened(session, agent, due=now - SECOND, now=now),
    }
    for name in ("claimed", "needs_info", "resolved"):
        escalations.claim(session=session, escalation_id=found[name].id, by=holder, now=now - 2 * SECOND)
    handback.request_info(
        session=session,
        escalation_id=found["needs_info"].id,
        by=holder,
        question="Which order?",
        now=now - 2 * SECOND,
    )
    escalations.resolve(
        session=session,
        escalation_id=found["resolved"].id,
        by=holder,
        resolution="approved",
        notes="",
        now=now - 2 * SECOND,
    )
    session.commit()
    assert (found["pending"].status, found["assigned"].status) == (Status.pending, Status.assigned)
    return found, holder


def fresh(session, escalation):
    session.expire_all()
    return session.get(Escalation, escalation.id)


def expired_events(session):
    query = select(EscalationEvent).where(col(EscalationEvent.action) == "expired")
    return list(session.exec(query.order_by(col(EscalationEvent.id))))


def expiry_webhooks(session):
    tasks = session.exec(select(Task).where(col(Task.kind) == TaskKind.webhook)).all()
    return [task for task in tasks if task.payload["body"]["type"] == "escalation.expired"]


def expire(session, now):
    ids = expiry.expire_due(session=session, fallbacks={}, now=now)
    session.commit()
    return ids


def assert_expired_once(session, found, now):
    due = ("pending", "assigned", "exactly_now")
    for name in due:
        escalation = fresh(session, found[name])
        assert (escalation.status, escalation.expired_at) == (Status.expired, now), name
        assert (escalation.resolution, escalation.resolved_by, escalation.resolved_at) == (None, None, None)
    for name in ("not_yet", "claimed", "needs_info", "resolved"):
        escalation = fresh(session, found[name])
        assert escalation.status != Status.expired, name
        assert escalation.expired_at is None, name
    events = {event.escalation_id: event for event in expired_events(session)}
    assert set(events) == {found[name].id for name in due}
    assert (events[found["pending"].id].from_status, events[found["assigned"].id].from_status) == (
        Status.pending,
        Status.assigned,
    )
    for event in events.values():
        assert (event.actor_kind, event.actor_name, event.at) == (ActorKind.system, "escalq", now)
        assert event.to_status == Status.expired
    assert events[found["pending"].id].details["fallback"] == "proceed"
    assert events[found["exactly_now"].id].details["fallback"] is None
    hooks = {task.escalation_id: task.payload for task in expiry_webhooks(session)}
    assert set(hooks) == {found["pending"].id, found["exactly_now"].id}, "only those with a webhook_url"
    assert hooks[found["pending"].id]["url"] == HOOK


def test_due_unclaimed_escalations_expire_with_their_fallback(session, now):
    found, _ = world(session, now)

    ids = expire(session, now)

    assert sorted(ids) == sorted(found[name].id for name in ("pending", "assigned", "exactly_now"))
    assert_expired_once(session, found, now)


def test_the_webhook_body_carries_the_fallback_and_the_times(session, now):
    found, _ = world(session, now)
    expire(session, now)

    (task,) = [t for t in expiry_webhooks(session) if t.escalation_id == found["pending"].id]
    escalation = fresh(session, found["pending"])
    assert task.payload["body"] == {
        "type": "escalation.expired",
        "escalation_id": str(escalation.id),
        "source_agent": "agent-a",
        "priority": "medium",
        "status": "expired",
        "fallback": "proceed",
        "expires_at": (now - SECOND).isoformat(),
        "expired_at": now.isoformat(),
        "created_at": escalation.created_at.isoformat(),
        "context_data": {},
    }


def test_a_second_run_expires_nothing_more(session, now):
    found, _ = world(session, now)
    expire(session, now)

    assert expire(session, now) == []
    assert_expired_once(session, found, now)
    assert expire(session, now + timedelta(minutes=1)) == [found["not_yet"].id], "only what fell due since"


def test_two_concurrent_runs_expire_each_once(session, now):
    found, _ = world(session, now)
    results = at_once(lambda own: expire(own, now))

    expired = sorted(eid for ids in results for eid in ids)
    assert expired == sorted(found[name].id for name in ("pending", "assigned", "exactly_now"))
    assert_expired_once(session, found, now)


def test_an_expired_escalation_cannot_be_claimed_or_resolved(session, now):
    found, holder = world(session, now)
    expire(session, now)
    manager = make_reviewer(session, "boss@example.com", role=Role.manager).reviewer

    with pytest.raises(Conflict):
        escalations.claim(session=session, escalation_id=found["assigned"].id, by=holder, now=now)
    for reviewer in (holder, manager):
        with pytest.raises(Conflict):
            escalations.resolve(
                session=session,
                escalation_id=found["assigned"].id,
                by=reviewer,
                resolution="approved",
                notes="",
                now=now,
            )
    escalation = fresh(session, found["assigned"])
    assert (escalation.status, escalation.resolution, escalation.resolved_by) == (Status.expired, None, None)


def test_expiry_is_never_counted_as_a_resolution(session, now):
    agent = make_agent(session).agent
    # Urgent: its claim timeout is an hour; this one expired after 10 minutes, on the agent's request.
    escalation = opened(session, agent, due=now - timedelta(minutes=50), now=now, priority=Priority.urgent)
    expire(session, now - timedelta(minutes=50))
    query = metrics.MetricsQuery(start=now - timedelta(days=1), end=now + timedelta(days=1))
    sla = {Priority.urgent: timedelta(hours=1)}

    found = metrics.compute(session=session, query=query, sla=sla, now=now + timedelta(days=1))

    assert fresh(session, escalation).status == Status.expired
    assert [(r.priority, r.count) for r in found.resolution_by_priority] == [
        ("urgent", 0),
        ("high", 0),
        ("medium", 0),
        ("low", 0),
    ]
    assert [(b.priority, b.total, b.breached) for b in found.sla_breaches] == [("urgent", 1, 0)]
    assert all(cell.count == 0 for cell in found.backlog), "expired is not waiting any more"
    resolved = select(EscalationEvent).where(col(EscalationEvent.action) == "resolved")
    assert session.exec(resolved).all() == []


def test_the_policy_fallback_fills_in_for_escalations_without_their_own(session, now):
    agent = make_agent(session).agent
    own = opened(session, agent, due=now - SECOND, now=now, fallback="proceed")
    bare = opened(session, agent, due=now - SECOND, now=now, fallback=None)
    low = opened(session, agent, due=now - SECOND, now=now, fallback=None, priority=Priority.low)

    expiry.expire_due(session=session, fallbacks={Priority.medium: "deny", Priority.low: None}, now=now)
    session.commit()

    assert [fresh(session, e).fallback for e in (own, bare, low)] == ["proceed", "deny", None]
    events = {event.escalation_id: event.details for event in expired_events(session)}
    assert [(events[e.id]["fallback"], events[e.id]["fallback_from"]) for e in (own, bare, low)] == [
        ("proceed", "agent"),
        ("deny", "policy"),
        (None, None),
    ]
    bodies = {task.escalation_id: task.payload["body"] for task in expiry_webhooks(session)}
    assert bodies[bare.id]["fallback"] == "deny"
