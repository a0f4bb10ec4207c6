"""Priority timeouts: each rule fires once per stale unclaimed escalation, however often it runs."""

from datetime import timedelta

from sqlmodel import col, select

import workers.periodic
from escalq.clock import utc_now
from escalq.models import ActorKind, Escalation, EscalationEvent, Notification, Priority, Role
from escalq.schemas.policy import PolicyDocument, TimeoutAction
from escalq.services import escalations, notifications, timeouts
from tests.background.helpers import SLACK_PATH, channels, drain
from tests.concurrency import at_once
from tests.factories import (
    make_active_policy,
    make_agent,
    make_escalation,
    make_on_call_reviewer,
    make_reviewer,
)

RULES = timeouts.rules(PolicyDocument())  # an hour, 4 hours and a day
MINUTE = timedelta(minutes=1)


def stale_world(session, now):
    """One escalation just past and one just short of each threshold, plus a claimed and a low one."""
    agent = make_agent(session).agent
    make_on_call_reviewer(session, "zoe@example.com")
    make_on_call_reviewer(session, "amir@example.com")
    make_reviewer(session, "boss@example.com", role=Role.manager, active=False)
    make_reviewer(session, "chief@example.com", role=Role.manager, active=False)
    holder = make_reviewer(session, "holder@example.com", active=False).reviewer

    def opened(priority, age):
        return make_escalation(
            session, agent, priority=priority, description=f"{priority} {age}", now=now - age
        )

    world = {
        "urgent": opened(Priority.urgent, 61 * MINUTE),
        "urgent_fresh": opened(Priority.urgent, 59 * MINUTE),
        "high": opened(Priority.high, 241 * MINUTE),
        "high_fresh": opened(Priority.high, 239 * MINUTE),
        "medium": opened(Priority.medium, 1441 * MINUTE),
        "medium_fresh": opened(Priority.medium, 1439 * MINUTE),
        "low": opened(Priority.low, timedelta(days=30)),
        "claimed": opened(Priority.urgent, timedelta(days=2)),
        "claimed_medium": opened(Priority.medium, timedelta(days=2)),
    }
    for name in ("claimed", "claimed_medium"):
        escalations.claim(session=session, escalation_id=world[name].id, by=holder, now=now - MINUTE)
    session.commit()
    return world


def apply(session, slack_receiver, smtp_inbox, now):
    report = timeouts.apply(
        session=session, rules=RULES, channels=channels(slack=slack_receiver, inbox=smtp_inbox), now=now
    )
    session.commit()
    return report


def fresh(session, escalation):
    session.expire_all()
    return session.get(Escalation, escalation.id)


def system_events(session, action):
    query = select(EscalationEvent).where(col(EscalationEvent.action) == action)
    return list(session.exec(query))


def sent_to(session, escalation):
    found = notifications.for_escalation(session=session, escalation_id=escalation.id)
    return sorted((n.kind, n.channel.value, n.recipient) for n in found)


def assert_fired_once(session, world, now):
    urgent, high, medium = (fresh(session, world[name]) for name in ("urgent", "high", "medium"))
    assert urgent.oncall_notified_at == now
    assert high.bumped_at == now
    assert medium.managers_notified_at == now
    untouched = [fresh(session, world[name]) for name in world if name not in ("urgent", "high", "medium")]
    for escalation in untouched:
        markers = (escalation.oncall_notified_at, escalation.bumped_at, escalation.managers_notified_at)
        assert markers == (None, None, None), escalation.issue_description
    for action, escalation in (("oncall_notified", urgent), ("bumped", high), ("managers_notified", medium)):
        (event,) = system_events(session, action)
        assert event.escalation_id == escalation.id
        assert (event.actor_kind, event.at) == (ActorKind.system, now)
    assert sent_to(session, urgent) == [
        ("oncall_timeout", "email", "amir@example.com"),
        ("oncall_timeout", "email", "zoe@example.com"),
        ("oncall_timeout", "slack", "slack"),
    ]
    assert sent_to(session, medium) == [
        ("manager_timeout", "email", "boss@example.com"),
        ("manager_timeout", "email", "chief@example.com"),
        ("manager_timeout", "slack", "slack"),
    ]
    assert len(session.exec(select(Notification)).all()) == 6


def test_each_rule_fires_for_stale_unclaimed_escalations(session, now, slack_receiver, smtp_inbox):
    world = stale_world(session, now)

    report = apply(session, slack_receiver, smtp_inbox, now)

    assert report == {
        "oncall_notified": [world["urgent"].id],
        "bumped": [world["high"].id],
        "managers_notified": [world["medium"].id],
    }
    assert_fired_once(session, world, now)


def test_a_second_run_changes_nothing(session, now, slack_receiver, smtp_inbox):
    world = stale_world(session, now)
    apply(session, slack_receiver, smtp_inbox, now)

    again = apply(session, slack_receiver, smtp_inbox, now)

    assert again == {"oncall_notified": [], "bumped": [], "managers_notified": []}
    assert_fired_once(session, world, now)
    later = apply(session, slack_receiver, smtp_inbox, now + 5 * MINUTE)
    assert later == {
        "oncall_notified": [world["urgent_fresh"].id],
        "bumped": [world["high_fresh"].id],
        "managers_notified": [world["medium_fresh"].id],
    }, "only the escalations that went stale since"


def test_two_concurrent_runs_fire_each_rule_once(session, now, slack_receiver, smtp_inbox):
    world = stale_world(session, now)
    reports = at_once(lambda own: apply(own, slack_receiver, smtp_inbox, now))

    for action, name in (("oncall_notified", "urgent"), ("bumped", "high"), ("managers_notified", "medium")):
        acted = [eid for report in reports for eid in report[action]]
        assert acted == [world[name].id], action
    assert_fired_once(session, world, now)


def test_the_periodic_job_applies_the_rules_and_queues_the_notices(
    session, env, queue_redis, slack_receiver, smtp_inbox
):
    agent = make_agent(session).agent
    make_on_call_reviewer(session, "zoe@example.com")
    stale = make_escalation(session, agent, priority=Priority.urgent, now=utc_now() - 90 * MINUTE)
    env.set(
        ESCALQ_SLACK_WEBHOOK_URL=slack_receiver.url + SLACK_PATH,
        ESCALQ_SMTP_HOST="127.0.0.1",
        ESCALQ_SMTP_PORT=str(smtp_inbox.port),
    )

    assert workers.periodic.check_timeouts() == {"oncall_notified": 1, "bumped": 0, "managers_notified": 0}
    queue = drain(queue_redis)

    assert queue.failed_job_registry.count == 0
    assert fresh(session, stale).oncall_notified_at is not None
    assert [m["To"] for m in smtp_inbox.messages] == ["zoe@example.com"]
    assert "Urgent escalation unclaimed past its timeout" in smtp_inbox.messages[0]["Subject"]
    assert len(slack_receiver.requests) == 1
    assert workers.periodic.check_timeouts() == {"oncall_notified": 0, "bumped": 0, "managers_notified": 0}
    drain(queue_redis)
    assert (len(smtp_inbox.messages), len(slack_receiver.requests)) == (1, 1)


def test_the_rules_follow_the_policy_document():
    document = PolicyDocument.model_validate(
        {"timeouts": {"urgent_oncall_after_min": 5, "urgent_action": "none", "medium_action": "oncall"}}
    )

    rules = timeouts.rules(document)

    assert {p: (r.after, r.action) for p, r in rules.items()} == {
        Priority.urgent: (timedelta(minutes=5), None),
        Priority.high: (timedelta(minutes=240), timeouts.ACTIONS[TimeoutAction.bump]),
        Priority.medium: (timedelta(minutes=1440), timeouts.ACTIONS[TimeoutAction.oncall]),
    }
    assert timeouts.rules(PolicyDocument()) == RULES


def test_a_newly_activated_policy_changes_what_the_periodic_job_does(session, queue_redis, smtp_inbox, env):
    agent = make_agent(session).agent
    make_on_call_reviewer(session, "zoe@example.com")
    make_reviewer(session, "boss@example.com", role=Role.manager, active=False)
    urgent = make_escalation(session, agent, priority=Priority.urgent, now=utc_now() - 90 * MINUTE)
    medium = make_escalation(session, agent, priority=Priority.medium, now=utc_now() - 90 * MINUTE)
    env.set(ESCALQ_SMTP_HOST="127.0.0.1", ESCALQ_SMTP_PORT=str(smtp_inbox.port))
    make_active_policy(
        session,
        {"timeouts": {"urgent_action": "none", "medium_managers_after_min": 60, "medium_action": "oncall"}},
    )

    assert workers.periodic.check_timeouts() == {"oncall_notified": 1, "bumped": 0, "managers_notified": 0}
    drain(queue_redis)

    assert fresh(session, urgent).oncall_notified_at is None, "urgent's action is none now"
    assert fresh(session, medium).oncall_notified_at is not None
    assert fresh(session, medium).managers_notified_at is None
    assert [m["To"] for m in smtp_inbox.messages] == ["zoe@example.com"]
    assert "Medium escalation unclaimed past its timeout" in smtp_inbox.messages[0]["Subject"]
    (event,) = system_events(session, "oncall_notified")
    assert event.escalation_id == medium.id
    assert event.policy_version == 2
