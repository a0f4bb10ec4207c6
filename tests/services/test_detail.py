from datetime import timedelta

from escalq.models import Priority
from escalq.schemas.escalation import EscalationCreate
from escalq.services import detail, escalations
from escalq.services.outbound import configured
from tests.factories import make_agent, make_reviewer

ASK = "Customer 77 wants a refund of 120 EUR"


def _ask(session, agent, now):
    data = EscalationCreate(issue_description=ASK, priority=Priority.high)
    created = escalations.create(session=session, data=data, agent=agent, outbound=configured(), now=now)
    session.commit()
    return created.escalation


def test_a_suspected_loop_shows_how_the_earlier_one_was_decided(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    earlier = _ask(session, agent, now)
    escalations.resolve(
        session=session, escalation_id=earlier.id, by=reviewer, resolution="rejected", notes="fraud", now=now
    )
    session.commit()

    again = _ask(session, agent, now + timedelta(minutes=5))
    view = detail.view(session=session, escalation_id=again.id)

    assert (view.related_to, view.related_resolution) == (str(earlier.id), "rejected by Rev: fraud")
    assert detail.view(session=session, escalation_id=earlier.id).related_resolution == ""


def test_a_closed_escalation_is_held_by_nobody(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    escalation = _ask(session, agent, now)
    assert detail.view(session=session, escalation_id=escalation.id).holder == "Rev"
    escalations.resolve(
        session=session, escalation_id=escalation.id, by=reviewer, resolution="approved", notes="", now=now
    )
    session.commit()
    assert detail.view(session=session, escalation_id=escalation.id).holder == ""
