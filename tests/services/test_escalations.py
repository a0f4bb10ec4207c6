"""The escalation life cycle rules, called directly."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from escalq.models import ActorKind, EscalationEvent, Priority, Role, Status
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations
from escalq.services.errors import Conflict, Forbidden, Invalid, NotFound
from escalq.services.outbound import configured
from escalq.services.people import create_agent, create_reviewer, normalize_email
from tests.factories import PASSWORD, make_agent, make_escalation, make_reviewer


def events(session, escalation) -> list[EscalationEvent]:
    query = select(EscalationEvent).where(EscalationEvent.escalation_id == escalation.id)
    return list(session.exec(query.order_by(EscalationEvent.id)))


def test_second_resolve_conflicts(session, now):
    agent = make_agent(session)
    reviewer = make_reviewer(session).reviewer
    esc = make_escalation(session, agent.agent, now=now)
    escalations.claim(session=session, escalation_id=esc.id, by=reviewer, now=now)
    escalations.resolve(
        session=session, escalation_id=esc.id, by=reviewer, resolution="approved", notes="", now=now
    )

    with pytest.raises(Conflict):
        escalations.resolve(
            session=session, escalation_id=esc.id, by=reviewer, resolution="rejected", notes="", now=now
        )


def test_resolve_records_who_and_when(session, now):
    agent = make_agent(session)
    reviewer = make_reviewer(session).reviewer
    esc = make_escalation(session, agent.agent, now=now)
    later = now + timedelta(minutes=5)

    resolved = escalations.resolve(
        session=session, escalation_id=esc.id, by=reviewer, resolution="approved", notes="ok", now=later
    )

    assert (resolved.status, resolved.resolved_at, resolved.resolved_by) == (
        Status.resolved,
        later,
        reviewer.id,
    )
    last = events(session, esc)[-1]
    assert (last.action, last.from_status, last.to_status, last.at) == (
        "resolved",
        Status.assigned,
        Status.resolved,
        later,
    )


def test_non_holder_may_not_resolve(session, now):
    agent = make_agent(session)
    holder = make_reviewer(session, "holder@example.com").reviewer
    other = make_reviewer(session, "other@example.com", active=False).reviewer
    esc = make_escalation(session, agent.agent, now=now)
    escalations.claim(session=session, escalation_id=esc.id, by=holder, now=now)

    with pytest.raises(Forbidden):
        escalations.resolve(
            session=session, escalation_id=esc.id, by=other, resolution="x", notes="", now=now
        )


def test_claim_is_idempotent_for_the_holder(session, now):
    agent = make_agent(session)
    reviewer = make_reviewer(session).reviewer
    esc = make_escalation(session, agent.agent, now=now)

    escalations.claim(session=session, escalation_id=esc.id, by=reviewer, now=now)
    again = escalations.claim(
        session=session, escalation_id=esc.id, by=reviewer, now=now + timedelta(hours=1)
    )

    assert again.claimed_at == now
    assert [e.action for e in events(session, esc)] == ["created", "assigned", "claimed"]


def test_unknown_escalation_is_not_found(session, now):
    reviewer = make_reviewer(session).reviewer

    with pytest.raises(NotFound):
        escalations.claim(session=session, escalation_id=uuid.uuid4(), by=reviewer, now=now)


def test_create_audits_the_agent_and_the_system(session, now):
    agent = make_agent(session, "bot")
    make_reviewer(session)

    esc = make_escalation(session, agent.agent, priority=Priority.high, now=now)

    trail = [(e.action, e.actor_kind, e.actor_id, e.from_status, e.to_status) for e in events(session, esc)]
    assert trail == [
        ("created", ActorKind.agent, agent.agent.id, None, Status.pending),
        ("assigned", ActorKind.system, None, Status.pending, Status.assigned),
    ]
    assert esc.assigned_at == now


def test_create_refuses_a_foreign_source_agent(session, now):
    agent = make_agent(session, "bot")
    data = EscalationCreate(issue_description="Help", priority=Priority.high, source_agent="someone-else")

    with pytest.raises(Forbidden):
        escalations.create(session=session, data=data, agent=agent.agent, outbound=configured(), now=now)


@pytest.mark.parametrize(
    ("given", "stored"), [("Ada@Example.COM", "ada@example.com"), ("  bo@example.org ", "bo@example.org")]
)
def test_emails_are_normalized(given, stored):
    assert normalize_email(given) == stored


@pytest.mark.parametrize("email", ["", "no-at-sign", "@example.com", "ada@localhost", "a b@example.com"])
def test_bad_emails_are_invalid(email):
    with pytest.raises(Invalid):
        normalize_email(email)


def test_people_rules(session, now):
    create_agent(session=session, name="bot", now=now)
    with pytest.raises(Conflict):
        create_agent(session=session, name=" bot ", now=now)
    with pytest.raises(Invalid):
        create_agent(session=session, name="   ", now=now)
    with pytest.raises(Invalid):
        create_reviewer(session=session, email="a@example.com", display_name="A", password="short", now=now)
    create_reviewer(
        session=session,
        email="a@example.com",
        display_name="A",
        password=PASSWORD,
        role=Role.admin,
        now=now,
    )
    with pytest.raises(Conflict):
        create_reviewer(session=session, email="A@EXAMPLE.com", display_name="A", password=PASSWORD, now=now)
