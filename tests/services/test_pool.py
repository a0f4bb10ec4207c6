"""The pool changing: pending escalations go to whoever joins, a leaver's unclaimed ones go back."""

from datetime import timedelta

from sqlmodel import col, select

from escalq.models import ActorKind, EscalationEvent, Priority, Role, Status
from escalq.services import escalations
from escalq.services.admin import set_reviewer_flags
from tests.factories import make_agent, make_escalation, make_reviewer

MINUTE = timedelta(minutes=1)


def actions(session, escalation) -> list[tuple[str, str | None, str]]:
    query = select(EscalationEvent).where(EscalationEvent.escalation_id == escalation.id)
    return [
        (e.action, e.from_status and e.from_status.value, e.to_status.value)
        for e in session.exec(query.order_by(col(EscalationEvent.id)))
    ]


def test_with_nobody_in_the_pool_escalations_wait_until_someone_joins(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False).reviewer
    joiner = make_reviewer(session, "joiner@example.com", active=False).reviewer
    agent = make_agent(session).agent
    old = make_escalation(session, agent, priority=Priority.medium, now=now)
    urgent = make_escalation(session, agent, priority=Priority.urgent, now=now + MINUTE)
    low = make_escalation(session, agent, priority=Priority.low, now=now + 2 * MINUTE)
    assert {e.status for e in (old, urgent, low)} == {Status.pending}

    change = set_reviewer_flags(session=session, reviewer_id=joiner.id, by=admin, active=True, now=now)

    assert change.touched == [urgent.id, old.id, low.id]  # urgent first, then oldest
    for escalation in (old, urgent, low):
        session.refresh(escalation)
        assert (escalation.status, escalation.assigned_to, escalation.assigned_at) == (
            Status.assigned,
            joiner.id,
            now,
        )
        assert actions(session, escalation) == [
            ("created", None, "pending"),
            ("assigned", "pending", "assigned"),
        ]


def test_leaving_hands_unclaimed_escalations_to_the_next_active_reviewer(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False).reviewer
    leaver = make_reviewer(session, "leaver@example.com").reviewer
    stayer = make_reviewer(session, "stayer@example.com").reviewer
    agent = make_agent(session).agent
    mine, theirs, kept = (make_escalation(session, agent, now=now + n * MINUTE) for n in range(3))
    assert (mine.assigned_to, theirs.assigned_to, kept.assigned_to) == (leaver.id, stayer.id, leaver.id)
    escalations.claim(session=session, escalation_id=kept.id, by=leaver, now=now)
    later = now + timedelta(hours=1)

    change = set_reviewer_flags(session=session, reviewer_id=leaver.id, by=admin, active=False, now=later)

    assert change.touched == [mine.id]
    # assigned_at keeps the first assignment: time to first assignment is what metrics measure.
    assert (mine.status, mine.assigned_to, mine.assigned_at) == (Status.assigned, stayer.id, now)
    assert (kept.status, kept.assigned_to) == (Status.claimed, leaver.id)  # claimed work stays
    assert theirs.assigned_to == stayer.id
    assert actions(session, mine)[-2:] == [
        ("handed_back", "assigned", "pending"),
        ("assigned", "pending", "assigned"),
    ]
    handed_back = session.exec(
        select(EscalationEvent).where(
            EscalationEvent.escalation_id == mine.id, EscalationEvent.action == "handed_back"
        )
    ).one()
    assert (handed_back.actor_kind, handed_back.actor_id, handed_back.at) == (
        ActorKind.reviewer,
        admin.id,
        later,
    )
    assert handed_back.details["previously_assigned_to"] == str(leaver.id)


def test_leaving_an_empty_pool_leaves_escalations_pending_until_someone_joins(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False).reviewer
    leaver = make_reviewer(session, "leaver@example.com").reviewer
    agent = make_agent(session).agent
    escalation = make_escalation(session, agent, now=now)

    change = set_reviewer_flags(session=session, reviewer_id=leaver.id, by=admin, active=False, now=now)

    assert change.touched == [escalation.id]
    assert (escalation.status, escalation.assigned_to) == (Status.pending, None)
    assert actions(session, escalation)[-1] == ("handed_back", "assigned", "pending")

    set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, active=True, now=now + MINUTE)

    assert (escalation.status, escalation.assigned_to) == (Status.assigned, admin.id)
    assert actions(session, escalation)[-1] == ("assigned", "pending", "assigned")


def test_flags_that_do_not_change_the_pool_touch_nothing(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    idle = make_reviewer(session, "idle@example.com", active=False).reviewer
    agent = make_agent(session).agent
    held = make_escalation(session, agent, now=now)

    again = set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, active=True, now=now)
    out = set_reviewer_flags(
        session=session, reviewer_id=idle.id, by=admin, active=False, on_call=True, now=now
    )
    role = set_reviewer_flags(session=session, reviewer_id=idle.id, by=admin, role=Role.manager, now=now)

    assert (again.touched, out.touched, role.touched) == ([], [], [])
    assert (held.status, held.assigned_to) == (Status.assigned, admin.id)
    assert len(actions(session, held)) == 2
