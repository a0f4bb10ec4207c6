"""The claim warning: claiming something less urgent while older urgent escalations wait for anyone."""

from datetime import timedelta

from escalq.models import Priority, Status
from escalq.services import escalations
from escalq.services.priorities import older_urgent_unclaimed
from escalq.state.actions import claimed_notice
from tests.factories import make_agent, make_escalation, make_reviewer

MINUTE = timedelta(minutes=1)


def test_claiming_past_older_urgent_unclaimed_ones_is_counted(session, now):
    agent = make_agent(session).agent

    def opened(priority, age):
        return make_escalation(session, agent, priority=priority, now=now - age)

    older_urgent = [opened(Priority.urgent, 3 * MINUTE), opened(Priority.urgent, 2 * MINUTE)]
    claimed_urgent = opened(Priority.urgent, 4 * MINUTE)
    newer_urgent = opened(Priority.urgent, 0 * MINUTE)
    low = opened(Priority.low, MINUTE)
    gave_up = opened(Priority.urgent, 5 * MINUTE)
    gave_up.status = Status.expired
    session.add(gave_up)
    reviewer = make_reviewer(session).reviewer
    escalations.claim(session=session, escalation_id=claimed_urgent.id, by=reviewer, now=now)
    escalations.claim(session=session, escalation_id=low.id, by=reviewer, now=now)

    assert older_urgent_unclaimed(session=session, than=low) == 2
    assert older_urgent_unclaimed(session=session, than=older_urgent[1]) == 1
    assert older_urgent_unclaimed(session=session, than=older_urgent[0]) == 0
    assert newer_urgent.status == Status.pending


def test_the_notice_warns_only_when_something_was_passed_over():
    assert claimed_notice(0) == "Claimed. It is yours now."
    assert claimed_notice(1) == "Claimed — but 1 older urgent escalation is still unclaimed."
    assert claimed_notice(2) == "Claimed — but 2 older urgent escalations are still unclaimed."
