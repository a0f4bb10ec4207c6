"""Urgent escalations tell people on Slack and by email; failures are retried and recorded."""

import pytest

from escalq.models import Channel, NotificationStatus, Priority, TaskKind, TaskStatus
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations, notifications
from tests.background.helpers import (
    PUBLIC_URL,
    SENDER,
    SLACK_PATH,
    channels,
    make_outbound,
    run_once,
    tasks_of,
)
from tests.background.receivers import Answer
from tests.factories import make_agent, make_on_call_reviewer, make_reviewer

DESCRIPTION = "Customer threatens legal action over a double charge of 4,200 EUR"


def create(session, agent, config, clock, priority=Priority.urgent):
    data = EscalationCreate(issue_description=DESCRIPTION, priority=priority)
    escalation = escalations.create(
        session=session, data=data, agent=agent, outbound=config, now=clock()
    ).escalation
    session.commit()
    return escalation


def run_notifications(session, escalation, config, clock):
    """One attempt of each of the escalation's notification tasks; returns when each retries (or None)."""
    retry_times = []
    for task in tasks_of(session, escalation.id, TaskKind.notification):
        attempted = run_once(session, task, config, clock)
        retry_times.append(attempted.retry_at if attempted is not None else "not taken")
    return retry_times


def by_channel(session, escalation):
    session.expire_all()
    found = notifications.for_escalation(session=session, escalation_id=escalation.id)
    return {(n.channel, n.recipient): n for n in found}


def test_urgent_escalation_tells_slack_and_the_assignee(
    session, clock, slack_receiver, smtp_inbox, webhook_receiver
):
    agent = make_agent(session)
    make_reviewer(session, "dana@example.com")
    make_on_call_reviewer(session, "oncall@example.com")
    config = make_outbound(channels=channels(slack=slack_receiver, inbox=smtp_inbox))
    escalation = create(session, agent.agent, config, clock)

    assert set(by_channel(session, escalation)) == {
        (Channel.slack, "slack"),
        (Channel.email, "dana@example.com"),
    }
    clock.advance(2)
    assert run_notifications(session, escalation, config, clock) == [None, None]

    (post,) = slack_receiver.requests
    assert post.path == SLACK_PATH
    text = post.json()["text"]
    assert "Priority: urgent" in text
    assert "Agent: agent-a" in text
    assert f"Description: {DESCRIPTION}" in text
    assert "Assignee: Dana" in text
    assert f"{PUBLIC_URL}/escalations/{escalation.id}" in text
    assert post.json()["blocks"][0]["text"]["text"] == text
    (mail,) = smtp_inbox.messages
    assert mail["To"] == "dana@example.com"
    assert mail["From"] == SENDER
    assert mail["Subject"] == f"[escalq] Urgent escalation: {DESCRIPTION[:80]}"
    assert f"{PUBLIC_URL}/escalations/{escalation.id}" in mail.get_content()
    assert smtp_inbox.recipients == [["dana@example.com"]]
    for notification in by_channel(session, escalation).values():
        assert notification.kind == notifications.URGENT_CREATED
        assert (notification.status, notification.attempts, notification.error) == (
            NotificationStatus.sent,
            1,
            None,
        )
        assert notification.sent_at == clock()
    assert webhook_receiver.requests == []


def test_urgent_escalation_nobody_holds_goes_to_on_call(session, clock, slack_receiver, smtp_inbox):
    agent = make_agent(session)
    make_on_call_reviewer(session, "zoe@example.com")
    make_on_call_reviewer(session, "amir@example.com")
    make_reviewer(session, "off@example.com", active=False)
    config = make_outbound(channels=channels(slack=slack_receiver, inbox=smtp_inbox))
    escalation = create(session, agent.agent, config, clock)

    assert escalation.assigned_to is None
    assert set(by_channel(session, escalation)) == {
        (Channel.slack, "slack"),
        (Channel.email, "amir@example.com"),
        (Channel.email, "zoe@example.com"),
    }
    run_notifications(session, escalation, config, clock)

    assert sorted(m["To"] for m in smtp_inbox.messages) == ["amir@example.com", "zoe@example.com"]
    assert "Assignee: nobody yet" in slack_receiver.requests[0].json()["text"]


@pytest.mark.parametrize("configured", ["slack", "email"])
def test_a_channel_not_configured_is_skipped(session, clock, slack_receiver, smtp_inbox, configured):
    agent = make_agent(session)
    make_reviewer(session, "dana@example.com")
    only = channels(slack=slack_receiver) if configured == "slack" else channels(inbox=smtp_inbox)
    config = make_outbound(channels=only)
    escalation = create(session, agent.agent, config, clock)

    rows = by_channel(session, escalation)
    assert [channel.value for channel, _ in rows] == [configured]
    assert len(tasks_of(session, escalation.id, TaskKind.notification)) == 1
    run_notifications(session, escalation, config, clock)
    assert (len(slack_receiver.requests), len(smtp_inbox.messages)) == (
        (1, 0) if configured == "slack" else (0, 1)
    )


def test_nothing_is_sent_for_an_escalation_that_is_not_urgent(session, clock, slack_receiver, smtp_inbox):
    agent = make_agent(session)
    make_reviewer(session)
    config = make_outbound(channels=channels(slack=slack_receiver, inbox=smtp_inbox))

    escalation = create(session, agent.agent, config, clock, priority=Priority.high)

    assert by_channel(session, escalation) == {}
    assert tasks_of(session, escalation.id, TaskKind.notification) == []


def test_failures_are_retried_and_recorded(session, clock, slack_receiver, smtp_inbox):
    agent = make_agent(session)
    make_reviewer(session, "dana@example.com")
    config = make_outbound(channels=channels(slack=slack_receiver, inbox=smtp_inbox), delays=(10.0, 60.0))
    escalation = create(session, agent.agent, config, clock)
    slack_receiver.respond(Answer(500, b"no_service"))
    smtp_inbox.refuse = 1

    started = clock()
    retries = run_notifications(session, escalation, config, clock)

    assert all(8 <= (at - started).total_seconds() <= 12 for at in retries), retries
    rows = by_channel(session, escalation)
    slack_row, mail_row = rows[(Channel.slack, "slack")], rows[(Channel.email, "dana@example.com")]
    assert (slack_row.status, slack_row.attempts) == (NotificationStatus.pending, 1)
    assert "Slack answered 500" in (slack_row.error or "")
    assert (mail_row.status, mail_row.attempts) == (NotificationStatus.pending, 1)
    assert "554" in (mail_row.error or "")
    waiting = tasks_of(session, escalation.id, TaskKind.notification)
    assert [t.status for t in waiting] == [TaskStatus.pending] * 2

    clock.at = max(retries)
    assert run_notifications(session, escalation, config, clock) == [None, None]

    rows = by_channel(session, escalation)
    for row in rows.values():
        assert (row.status, row.attempts, row.error) == (NotificationStatus.sent, 2, None)
        assert row.sent_at == clock()
    assert len(slack_receiver.requests) == 2
    assert len(smtp_inbox.messages) == 1


def test_a_notification_that_keeps_failing_ends_failed(session, clock, slack_receiver):
    agent = make_agent(session)
    make_reviewer(session)
    slack_receiver.default = Answer(500, b"no_service")
    config = make_outbound(channels=channels(slack=slack_receiver), delays=(10.0,))
    escalation = create(session, agent.agent, config, clock)

    (first,) = run_notifications(session, escalation, config, clock)
    assert first is not None
    clock.at = first
    assert run_notifications(session, escalation, config, clock) == [None]

    (row,) = by_channel(session, escalation).values()
    assert (row.status, row.attempts, row.sent_at) == (NotificationStatus.failed, 2, None)
    assert "Slack answered 500" in (row.error or "")
    (task,) = tasks_of(session, escalation.id, TaskKind.notification)
    assert (task.status, task.attempts) == (TaskStatus.failed, 2)
    clock.advance(86_400)
    assert run_notifications(session, escalation, config, clock) == ["not taken"]
    assert len(slack_receiver.requests) == 2
