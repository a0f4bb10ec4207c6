"""Nobody in the pool: the escalation waits, on-call hears about it at once, and the agent is told."""

from datetime import time, timedelta

import pytest
from sqlmodel import col, select

from escalq.integrations.email import SmtpConfig
from escalq.models import Channel, Notification, NotificationStatus, Priority, Role, Status, Task, TaskKind
from escalq.schemas.escalation import EscalationCreate, PoolStatus
from escalq.services import categories, escalations, notifications, oncall
from escalq.services.notifications import Channels
from escalq.services.outbound import Outbound
from tests.factories import make_agent, make_on_call_reviewer, make_reviewer

SLACK_URL = "https://hooks.slack.example/services/T000/B000/XXXX"
SMTP = SmtpConfig(
    host="smtp.example", port=25, username=None, password=None, starttls=False, sender="q@x.test", timeout_s=5
)


def outbound(*, slack: bool = True, smtp: bool = True) -> Outbound:
    """Channels configured, but nothing is sent: these tests only look at what is queued."""
    channels = Channels(
        slack_webhook_url=SLACK_URL if slack else None,
        smtp=SMTP if smtp else None,
        timeout_s=5.0,
        public_url="https://escalq.example",
    )
    return Outbound(
        delays=(10.0, 60.0),
        lease=timedelta(seconds=60),
        webhook_timeout_s=5.0,
        allow_private=True,
        channels=channels,
        ask_llm=None,
        llm_source=categories.LOCAL,
    )


def create(session, agent, config, now, *, priority=Priority.medium, description="Refund for order 1042"):
    data = EscalationCreate(issue_description=description, priority=priority)
    created = escalations.create(session=session, data=data, agent=agent, outbound=config, now=now)
    session.commit()
    return created


def queued(session, escalation) -> set[tuple[Channel, str, str]]:
    rows = notifications.for_escalation(session=session, escalation_id=escalation.id)
    assert {n.status for n in rows} <= {NotificationStatus.pending}
    return {(n.channel, n.recipient, n.kind) for n in rows}


def notification_tasks(session, escalation) -> set[str]:
    query = select(Task).where(
        col(Task.escalation_id) == escalation.id, col(Task.kind) == TaskKind.notification
    )
    return {task.payload["notification_id"] for task in session.exec(query)}


@pytest.mark.parametrize("priority", list(Priority))
def test_with_an_empty_pool_on_call_is_told_at_once_whatever_the_priority(session, now, priority):
    agent = make_agent(session).agent
    make_reviewer(session, "idle@example.com", active=False)
    make_on_call_reviewer(session, "oncall@example.com")  # on call, but not in the pool

    escalation = create(session, agent, outbound(), now, priority=priority).escalation

    assert (escalation.status, escalation.assigned_to, escalation.assigned_at) == (Status.pending, None, None)
    assert queued(session, escalation) == {
        (Channel.slack, "slack", notifications.NO_REVIEWER),
        (Channel.email, "oncall@example.com", notifications.NO_REVIEWER),
    }
    rows = notifications.for_escalation(session=session, escalation_id=escalation.id)
    assert notification_tasks(session, escalation) == {str(n.id) for n in rows}
    assert {n.created_at for n in rows} == {now}
    assert escalations.pool_status(session=session, now=now) == PoolStatus(
        active_reviewers=0, on_call_now=True
    )


def test_every_on_call_reviewer_gets_an_email(session, now):
    agent = make_agent(session).agent
    make_on_call_reviewer(session, "first@example.com")
    make_on_call_reviewer(session, "second@example.com", role=Role.manager)

    escalation = create(session, agent, outbound(), now).escalation

    assert queued(session, escalation) == {
        (Channel.slack, "slack", notifications.NO_REVIEWER),
        (Channel.email, "first@example.com", notifications.NO_REVIEWER),
        (Channel.email, "second@example.com", notifications.NO_REVIEWER),
    }


def test_with_nobody_on_call_only_slack_is_told(session, now):
    agent = make_agent(session).agent

    escalation = create(session, agent, outbound(), now).escalation

    assert escalation.status == Status.pending
    assert queued(session, escalation) == {(Channel.slack, "slack", notifications.NO_REVIEWER)}
    assert escalations.pool_status(session=session, now=now) == PoolStatus(
        active_reviewers=0, on_call_now=False
    )


def test_an_unconfigured_channel_is_skipped(session, now):
    agent = make_agent(session).agent
    make_on_call_reviewer(session, "oncall@example.com")

    by_email = create(session, agent, outbound(slack=False), now, description="Refund for order 1").escalation
    by_slack = create(session, agent, outbound(smtp=False), now, description="Refund for order 2").escalation
    silent = create(session, agent, outbound(slack=False, smtp=False), now, description="Order 3").escalation

    assert queued(session, by_email) == {(Channel.email, "oncall@example.com", notifications.NO_REVIEWER)}
    assert queued(session, by_slack) == {(Channel.slack, "slack", notifications.NO_REVIEWER)}
    assert queued(session, silent) == set()
    assert silent.status == Status.pending


def test_a_folded_repeat_does_not_tell_anyone_again(session, now):
    agent = make_agent(session).agent
    make_on_call_reviewer(session, "oncall@example.com")
    first = create(session, agent, outbound(), now).escalation

    again = create(session, agent, outbound(), now + timedelta(minutes=1))

    assert (again.duplicate, again.escalation.id) == (True, first.id)
    assert len(notifications.for_escalation(session=session, escalation_id=first.id)) == 2


def test_an_assigned_escalation_tells_nobody_unless_urgent(session, now):
    agent = make_agent(session).agent
    make_reviewer(session, "dana@example.com")
    make_on_call_reviewer(session, "oncall@example.com")

    medium = create(session, agent, outbound(), now, description="Refund for order 1").escalation
    urgent = create(
        session, agent, outbound(), now, priority=Priority.urgent, description="Order 2"
    ).escalation

    assert medium.status == Status.assigned
    assert queued(session, medium) == set()
    assert queued(session, urgent) == {
        (Channel.slack, "slack", notifications.URGENT_CREATED),
        (Channel.email, "dana@example.com", notifications.URGENT_CREATED),
    }


def test_pool_status_counts_active_reviewers_only(session, now):
    make_reviewer(session, "a@example.com")
    make_reviewer(session, "b@example.com", role=Role.manager)
    make_reviewer(session, "idle@example.com", active=False)

    assert escalations.pool_status(session=session, now=now) == PoolStatus(
        active_reviewers=2, on_call_now=False
    )


def test_on_call_now_follows_the_rotation(session, now):
    member = make_reviewer(session, "member@example.com", active=False).reviewer
    assert escalations.pool_status(session=session, now=now).on_call_now is False

    oncall.set_rotation(
        session=session,
        name="Primary",
        timezone="UTC",
        handover_time=time(9, 0),
        shift_hours=24,
        member_ids=[member.id],
        now=now,
    )
    session.commit()

    assert escalations.pool_status(session=session, now=now) == PoolStatus(
        active_reviewers=0, on_call_now=True
    )
    agent = make_agent(session).agent
    escalation = create(session, agent, outbound(slack=False), now).escalation
    assert queued(session, escalation) == {(Channel.email, "member@example.com", notifications.NO_REVIEWER)}


def test_the_no_reviewer_message_says_nobody_holds_it(session, now):
    agent = make_agent(session).agent
    escalation = create(session, agent, outbound(), now).escalation
    (slack,) = session.exec(select(Notification).where(col(Notification.escalation_id) == escalation.id))

    subject, text = notifications.message(
        session=session, escalation=escalation, kind=slack.kind, public_url="https://escalq.example"
    )

    assert subject == "[escalq] Escalation waiting: no reviewer is in the pool: Refund for order 1042"
    assert "Assignee: nobody yet" in text
    assert f"https://escalq.example/escalations/{escalation.id}" in text
