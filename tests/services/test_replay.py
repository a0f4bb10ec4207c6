"""Rule tests: a version change flips a known number of recorded decisions per rule; sampling never counts."""

from datetime import timedelta

import pytest

from escalq.models import Priority, Role
from escalq.schemas.evaluation import EvaluateIn
from escalq.schemas.gate import ConfidenceBelow, Gate, Signals
from escalq.schemas.policy import PolicyDocument
from escalq.services import evaluations, policies
from escalq.services.errors import Invalid
from escalq.services.outbound import configured
from escalq.services.policies import Policy, RuleChanges
from tests.factories import make_agent, make_reviewer

# What each kind of signal set is, how many of it, and what v1's default rules and the tested version do.
SETS = [
    ({"confidence": 0.6}, 3),  # continue -> low-confidence (its level raised to 0.7)
    ({"confidence": 0.3}, 2),  # low-confidence both times
    ({"confidence": 0.9, "latency_ms": 90_000}, 2),  # slow -> continue (the rule is gone)
    ({"flags": ["irreversible"]}, 1),  # irreversible, urgent -> high
    ({"confidence": 0.9}, 4),  # continue both times
]


def changed_version() -> PolicyDocument:
    rules = {rule.name: rule for rule in PolicyDocument().gate.rules}
    return PolicyDocument(
        gate=Gate(
            rules=[
                rules["irreversible"].model_copy(update={"priority": Priority.high}),
                rules["low-confidence"].model_copy(update={"when": ConfidenceBelow(level=0.7)}),
                rules["incomplete-data"],
            ]
        )
    )


EXPECTED = [
    RuleChanges(rule="irreversible", before=1, after=1, changed=1),
    RuleChanges(rule="low-confidence", before=2, after=5, to_escalate=3),
    RuleChanges(rule="incomplete-data"),
    RuleChanges(rule="slow", before=2, to_continue=2),
]


def _record(session, agent, signals, *, policy, now, draw=lambda: 0.5):
    evaluations.evaluate(
        session=session,
        request=EvaluateIn.model_validate(signals),
        agent=agent,
        policy=policy,
        outbound=configured(),
        now=now,
        draw=draw,
    )


def test_replay_counts_the_decisions_a_version_changes_per_rule(session, now):
    agent = make_agent(session).agent
    v1 = Policy(number=1, document=PolicyDocument())
    for signals, times in SETS:
        for _ in range(times):
            _record(session, agent, signals, policy=v1, now=now - timedelta(hours=1))
    sampling = Policy(number=1, document=PolicyDocument(gate=Gate(sampling_share=0.5)))
    _record(session, agent, {"confidence": 0.9}, policy=sampling, now=now, draw=lambda: 0.0)  # sampled
    _record(session, agent, {"confidence": 0.6}, policy=v1, now=now - timedelta(days=8))  # out of range
    session.flush()

    found = policies.replay(
        session=session, document=changed_version(), since=now - timedelta(days=7), until=now + timedelta(1)
    )

    assert (found.evaluated, found.changed) == (13, 6)
    assert found.rules == EXPECTED


def test_the_same_version_changes_nothing(session, now):
    agent = make_agent(session).agent
    v1 = Policy(number=1, document=PolicyDocument())
    for signals, times in SETS:
        for _ in range(times):
            _record(session, agent, signals, policy=v1, now=now)

    found = policies.replay(session=session, document=PolicyDocument(), since=now, until=now + timedelta(1))

    assert (found.evaluated, found.changed) == (12, 0)
    assert {rule.rule: (rule.before, rule.after) for rule in found.rules} == {
        "irreversible": (1, 1),
        "low-confidence": (2, 2),
        "incomplete-data": (0, 0),
        "slow": (2, 2),
    }


def test_synthetic_signal_sets_are_compared_with_a_baseline():
    lines = [
        line
        for signals, times in SETS
        for line in [Signals.model_validate(signals).model_dump_json()] * times
    ]

    found = policies.replay_signals(
        policies.read_signals(["", *lines]), document=changed_version(), baseline=PolicyDocument()
    )

    assert (found.evaluated, found.changed) == (12, 6)
    assert found.rules == EXPECTED


def test_a_bad_line_is_named():
    with pytest.raises(
        Invalid, match=r"line 2 is not a signal set: confidence: Input should be less than or equal to 1"
    ):
        policies.read_signals(['{"confidence": 0.5}', '{"confidence": 5}'])


def test_the_policies_page_test_counts_a_version_over_recent_days(session, now):
    agent = make_agent(session).agent
    v1 = policies.current(session)
    for signals, times in SETS:
        for _ in range(times):
            _record(session, agent, signals, policy=v1, now=now - timedelta(hours=1))
    admin = make_reviewer(session, "ada@example.com", role=Role.admin).reviewer
    row = policies.propose(
        session=session, document=changed_version().model_dump(mode="json"), author=admin, comment="", now=now
    )

    tested = policies.rule_test(session=session, number=row.number, days=7, now=now)
    none_yet = policies.rule_test(session=session, number=row.number, days=1, now=now - timedelta(days=2))

    assert (
        tested.summary == f"6 of 12 decisions recorded in the last 7 days would change under v{row.number}."
    )
    assert [(r.rule, r.before, r.after, r.to_escalate, r.to_continue, r.changed) for r in tested.rows] == [
        (c.rule, c.before, c.after, c.to_escalate, c.to_continue, c.changed) for c in EXPECTED
    ]
    assert none_yet.summary == "No decision-gate calls recorded in the last day: nothing to compare."
