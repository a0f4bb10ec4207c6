from datetime import timedelta

from escalq.models import Priority
from escalq.schemas.escalation import EscalationCreate
from escalq.schemas.evaluation import EvaluateIn
from escalq.schemas.gate import Gate
from escalq.schemas.policy import PolicyDocument
from escalq.services import detail, escalations, evaluations, policies
from escalq.services.outbound import configured
from escalq.services.policies import Policy
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


def test_the_page_names_the_gate_rule_the_sample_and_the_policy_version(session, now):
    agent = make_agent(session).agent
    policy = policies.current(session)
    sampling = Policy(number=policy.number, document=PolicyDocument(gate=Gate(sampling_share=1.0)))

    def opened(signals, active):
        request = EvaluateIn.model_validate({**signals, "create": True, "issue_description": f"{signals}"})
        done = evaluations.evaluate(
            session=session,
            request=request,
            agent=agent,
            policy=active,
            outbound=policies.outbound(configured(), active),
            now=now,
        )
        assert done.created is not None
        return detail.view(session=session, escalation_id=done.created.escalation.id)

    by_rule = opened({"flags": ["irreversible"]}, policy)
    sampled = opened({"confidence": 0.95}, sampling)
    direct = detail.view(session=session, escalation_id=_ask(session, agent, now).id)

    assert (by_rule.rule, by_rule.sampled, by_rule.policy_version) == ("irreversible", False, policy.number)
    assert (sampled.rule, sampled.sampled) == ("", True)
    assert (direct.rule, direct.sampled) == ("", False)
