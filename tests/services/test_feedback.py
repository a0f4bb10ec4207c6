"""Feedback: resolvers say whether escalating was warranted; the metrics turn it into precision per agent."""

from datetime import timedelta

from escalq.models import Role, Warranted
from escalq.schemas.metrics import RulePrecision, SampledReview
from escalq.schemas.policy import PolicyDocument
from escalq.services import audit, escalations, metrics, policies
from tests.factories import make_agent, make_escalation, make_reviewer


def _resolve(session, escalation, by, now, warranted):
    return escalations.resolve(
        session=session,
        escalation_id=escalation.id,
        by=by,
        resolution="approved",
        notes="",
        now=now,
        warranted=warranted,
    )


def test_the_resolver_s_word_is_kept_on_the_escalation_and_its_event(session, now):
    agent = make_agent(session).agent
    manager = make_reviewer(session, role=Role.manager).reviewer
    escalation = make_escalation(session, agent, now=now)

    resolved = _resolve(session, escalation, manager, now, Warranted.no)
    session.commit()

    assert resolved.warranted == Warranted.no
    (*_, event) = audit.events_for(session=session, escalation=resolved)
    assert (event.action, event.details) == ("resolved", {"resolution": "approved", "warranted": "no"})


def test_precision_per_agent_for_the_range_and_per_bucket(session, now):
    manager = make_reviewer(session, role=Role.manager).reviewer
    careful, noisy = make_agent(session, "careful").agent, make_agent(session, "noisy").agent
    said = [
        (careful, [Warranted.yes, Warranted.yes, Warranted.yes, Warranted.no, None]),
        (noisy, [Warranted.no, Warranted.no, Warranted.yes, Warranted.unsure]),
    ]
    for agent, words in said:
        for n, word in enumerate(words):
            created = now - timedelta(hours=2 if n % 2 else 1)
            escalation = make_escalation(session, agent, now=created)
            _resolve(session, escalation, manager, now, word)
    session.commit()
    query = metrics.MetricsQuery(start=now - timedelta(hours=3), end=now)

    found = metrics.compute(session=session, query=query, sla=policies.thresholds(PolicyDocument()), now=now)

    by_agent = {row.agent: row for row in found.precision_by_agent}
    assert (by_agent["careful"].judged, by_agent["careful"].warranted, by_agent["careful"].unsure) == (
        4,
        3,
        0,
    )
    assert by_agent["careful"].precision == 0.75
    assert (by_agent["noisy"].judged, by_agent["noisy"].warranted, by_agent["noisy"].unsure) == (3, 1, 1)
    assert by_agent["noisy"].precision == 1 / 3
    assert all(row.start is None for row in found.precision_by_agent)
    hourly = sorted((row.agent, row.start, row.judged, row.warranted) for row in found.precision_over_time)
    two_ago = (now - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    one_ago = (now - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    assert hourly == [
        ("careful", two_ago, 2, 1),
        ("careful", one_ago, 2, 2),
        ("noisy", two_ago, 1, 0),
        ("noisy", one_ago, 2, 1),
    ]


def test_no_feedback_means_no_precision(session, now):
    agent = make_agent(session).agent
    manager = make_reviewer(session, role=Role.manager).reviewer
    _resolve(session, make_escalation(session, agent, now=now), manager, now, None)
    session.commit()
    query = metrics.MetricsQuery(start=now - timedelta(hours=1), end=now + timedelta(hours=1))

    found = metrics.compute(session=session, query=query, sla=policies.thresholds(PolicyDocument()), now=now)

    assert (found.precision_by_agent, found.precision_over_time, found.precision_by_rule) == ([], [], [])
    assert found.sampled_review == SampledReview(sampled=0, judged=0, overturned=0, unsure=0, share=None)


def test_precision_per_rule_and_the_share_of_sampled_continues_overturned(session, now):
    agent = make_agent(session).agent
    manager = make_reviewer(session, role=Role.manager).reviewer
    said = {
        "low-confidence": [Warranted.yes, Warranted.yes, Warranted.no, Warranted.unsure, None],
        "irreversible": [Warranted.no, Warranted.no],
        None: [Warranted.yes],  # opened by POST /api/escalations: no rule, left out
    }
    for rule, words in said.items():
        for word in words:
            _resolve(session, make_escalation(session, agent, now=now, rule=rule), manager, now, word)
    for word in [Warranted.yes, Warranted.no, Warranted.no, Warranted.no, Warranted.unsure, None]:
        _resolve(session, make_escalation(session, agent, now=now, sampled=True), manager, now, word)
    make_escalation(session, agent, now=now, sampled=True)  # still open
    earlier = now - timedelta(days=2)
    _resolve(
        session,
        make_escalation(session, agent, now=earlier, rule="irreversible"),
        manager,
        now,
        Warranted.yes,
    )
    session.commit()
    query = metrics.MetricsQuery(start=now - timedelta(hours=1), end=now + timedelta(hours=1))

    found = metrics.compute(session=session, query=query, sla=policies.thresholds(PolicyDocument()), now=now)

    assert found.precision_by_rule == [
        RulePrecision(rule="low-confidence", judged=3, warranted=2, unsure=1, precision=2 / 3),
        RulePrecision(rule="irreversible", judged=2, warranted=0, unsure=0, precision=0.0),
    ]
    assert found.sampled_review == SampledReview(sampled=7, judged=4, overturned=1, unsure=1, share=0.25)
