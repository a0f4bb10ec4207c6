"""SLA breaches per reviewer: claimed escalations created in the range, by who holds them."""

from datetime import UTC, datetime, timedelta

from escalq.models import Escalation, Priority, Status
from escalq.schemas.metrics import ReviewerBreaches
from escalq.services import metrics
from escalq.services.metrics import MetricsQuery
from tests.factories import make_agent, make_reviewer

S = datetime(2026, 11, 20, tzinfo=UTC)
DAY = MetricsQuery(start=S, end=S + timedelta(days=1))
SLA = {
    Priority.urgent: timedelta(hours=1),
    Priority.high: timedelta(hours=4),
    Priority.medium: timedelta(hours=24),
}
H, M = timedelta(hours=1), timedelta(minutes=1)


def add(session, agent, holder, *, created, priority, claimed_after, status=Status.claimed):
    escalation = Escalation(
        source_agent=agent,
        issue_description="hand-built",
        priority=priority,
        status=status,
        created_at=created,
        assigned_to=None if holder is None else holder.id,
        assigned_at=None if holder is None else created,
        claimed_at=None if claimed_after is None else created + claimed_after,
    )
    session.add(escalation)
    session.flush()
    return escalation


def test_breaches_are_attributed_to_the_reviewer_holding_the_claimed_escalation(session, now):
    make_agent(session, "alpha")
    make_agent(session, "beta")
    ada = make_reviewer(session, "ada@example.com").reviewer
    bob = make_reviewer(session, "bob@example.com").reviewer
    cy = make_reviewer(session, "cy@example.com").reviewer
    U, HI, MED, LO = Priority.urgent, Priority.high, Priority.medium, Priority.low
    for agent, holder, created, priority, claimed_after, status in [
        ("alpha", ada, S, U, 2 * H, Status.resolved),  # 2 h > 1 h: breached
        ("alpha", ada, S + H, HI, 4 * H, Status.claimed),  # exactly the threshold: within
        ("beta", ada, S + 2 * H, MED, 30 * M, Status.claimed),
        ("alpha", bob, S + 3 * H, U, H + M, Status.claimed),  # breached
        ("beta", bob, S + 4 * H, U, 5 * M, Status.needs_info),
        ("alpha", bob, S + 5 * H, LO, 3 * 24 * H, Status.claimed),  # low has no timeout: not counted
        ("alpha", cy, S + 6 * H, U, None, Status.assigned),  # assigned, never claimed: nobody's
        ("alpha", None, S + 7 * H, U, None, Status.pending),
        ("alpha", cy, S - M, U, 5 * H, Status.claimed),  # created before the range
        ("alpha", cy, S + 24 * H, U, 5 * H, Status.claimed),  # created at its end (exclusive)
    ]:
        add(
            session,
            agent,
            holder,
            created=created,
            priority=priority,
            claimed_after=claimed_after,
            status=status,
        )
    session.commit()

    found = metrics.compute(session=session, query=DAY, sla=SLA, now=now)

    assert found.sla_by_reviewer == [
        ReviewerBreaches(reviewer="Ada", total=3, breached=1),
        ReviewerBreaches(reviewer="Bob", total=2, breached=1),
    ]
    beta = metrics.compute(
        session=session, query=MetricsQuery(start=DAY.start, end=DAY.end, agent="beta"), sla=SLA, now=now
    )
    assert beta.sla_by_reviewer == [
        ReviewerBreaches(reviewer="Ada", total=1, breached=0),
        ReviewerBreaches(reviewer="Bob", total=1, breached=0),
    ]
    only_urgent = metrics.compute(session=session, query=DAY, sla={Priority.urgent: 3 * H}, now=now)
    assert only_urgent.sla_by_reviewer == [
        ReviewerBreaches(reviewer="Ada", total=1, breached=0),
        ReviewerBreaches(reviewer="Bob", total=2, breached=0),
    ]


def test_most_breaches_first_then_by_name(session, now):
    make_agent(session, "alpha")
    names = {
        email: make_reviewer(session, email).reviewer for email in ("zed@example.com", "amy@example.com")
    }
    for email, late in (("zed@example.com", 2), ("amy@example.com", 1)):
        for n in range(late):
            add(
                session,
                "alpha",
                names[email],
                created=S + n * M,
                priority=Priority.urgent,
                claimed_after=2 * H,
            )
    add(session, "alpha", names["amy@example.com"], created=S, priority=Priority.urgent, claimed_after=M)
    session.commit()

    found = metrics.compute(session=session, query=DAY, sla=SLA, now=now)

    assert found.sla_by_reviewer == [
        ReviewerBreaches(reviewer="Zed", total=2, breached=2),
        ReviewerBreaches(reviewer="Amy", total=2, breached=1),
    ]


def test_nobody_claimed_anything(session, now):
    assert metrics.compute(session=session, query=DAY, sla=SLA, now=now).sla_by_reviewer == []
