"""The decision gate: each rule kind, nesting, order, missing signals and the sampling share."""

import random

import pytest
from pydantic import ValidationError

from escalq.models import Priority, Verdict
from escalq.schemas.gate import (
    AllOf,
    AnyOf,
    ConfidenceBelow,
    FlagPresent,
    Gate,
    LatencyOver,
    Rule,
    Signals,
    Threshold,
)
from escalq.schemas.policy import PolicyDocument
from escalq.services.policies import gate


def _document(*rules: Rule, share: float = 0) -> PolicyDocument:
    return PolicyDocument(gate=Gate(rules=list(rules), sampling_share=share))


def _rule(name: str, when, priority: Priority = Priority.high) -> Rule:
    return Rule(name=name, priority=priority, reason=f"because {name}", when=when)


def _never_drawn() -> float:
    raise AssertionError("no draw expected")


@pytest.mark.parametrize(
    ("when", "matching", "not_matching"),
    [
        (Threshold(signal="amount", op="gt", value=1000), Signals(amount=1000.5), Signals(amount=1000)),
        (Threshold(signal="amount", op="ge", value=1000), Signals(amount=1000), Signals(amount=999.9)),
        (Threshold(signal="latency_ms", op="lt", value=5), Signals(latency_ms=4), Signals(latency_ms=5)),
        (
            Threshold(signal="data_completeness", op="le", value=0.5),
            Signals(data_completeness=0.5),
            Signals(data_completeness=0.51),
        ),
        (ConfidenceBelow(level=0.7), Signals(confidence=0.69), Signals(confidence=0.7)),
        (LatencyOver(budget_ms=2000), Signals(latency_ms=2001), Signals(latency_ms=2000)),
        (FlagPresent(flags=["pii", "refund"]), Signals(flags=["x", "refund"]), Signals(flags=["Refund"])),
    ],
)
def test_each_rule_kind(when, matching, not_matching):
    document = _document(_rule("the-rule", when, Priority.urgent))

    hit = gate.evaluate(document, matching, draw=_never_drawn)
    miss = gate.evaluate(document, not_matching, draw=_never_drawn)

    assert (hit.verdict, hit.priority, hit.rule, hit.reason, hit.sampled) == (
        Verdict.escalate,
        Priority.urgent,
        "the-rule",
        "because the-rule",
        False,
    )
    assert (miss.verdict, miss.priority, miss.rule, miss.sampled) == (Verdict.continue_, None, None, False)


@pytest.mark.parametrize(
    "when",
    [
        Threshold(signal="amount", op="lt", value=100),
        Threshold(signal="confidence", op="le", value=1),
        ConfidenceBelow(level=1),
        LatencyOver(budget_ms=0),
        AnyOf(conditions=[ConfidenceBelow(level=1), Threshold(signal="amount", op="ge", value=0)]),
    ],
)
def test_a_missing_signal_never_matches(when):
    decision = gate.evaluate(_document(_rule("r", when)), Signals(), draw=_never_drawn)

    assert decision.verdict is Verdict.continue_


def test_all_and_any_nest():
    risky_refund = AllOf(
        conditions=[
            FlagPresent(flags=["refund"]),
            AnyOf(
                conditions=[
                    Threshold(signal="amount", op="gt", value=500),
                    AllOf(conditions=[ConfidenceBelow(level=0.8), LatencyOver(budget_ms=100)]),
                ]
            ),
        ]
    )
    document = _document(_rule("risky-refund", risky_refund))

    def verdict(**signals) -> Verdict:
        return gate.evaluate(document, Signals(**signals), draw=_never_drawn).verdict

    assert verdict(flags=["refund"], amount=600) is Verdict.escalate
    assert verdict(flags=["refund"], amount=400, confidence=0.5, latency_ms=101) is Verdict.escalate
    assert verdict(flags=["refund"], amount=400, confidence=0.5, latency_ms=99) is Verdict.continue_
    assert verdict(flags=["refund"], amount=400, confidence=0.9, latency_ms=101) is Verdict.continue_
    assert verdict(amount=600) is Verdict.continue_


def test_rules_run_in_order_and_the_first_match_wins():
    document = _document(
        _rule("big", Threshold(signal="amount", op="gt", value=1000), Priority.urgent),
        _rule("unsure", ConfidenceBelow(level=0.5), Priority.medium),
        _rule("anything", Threshold(signal="amount", op="ge", value=0), Priority.low),
    )

    def fired(**signals) -> tuple[str | None, Priority | None]:
        decision = gate.evaluate(document, Signals(**signals), draw=_never_drawn)
        return decision.rule, decision.priority

    assert fired(amount=5000, confidence=0.1) == ("big", Priority.urgent)
    assert fired(amount=10, confidence=0.1) == ("unsure", Priority.medium)
    assert fired(amount=10, confidence=0.9) == ("anything", Priority.low)
    assert fired(confidence=0.9) == (None, None)


def test_the_default_rules_of_version_1():
    document = PolicyDocument()

    def fired(**signals) -> tuple[str | None, Priority | None]:
        decision = gate.evaluate(document, Signals(**signals))
        return decision.rule, decision.priority

    assert document.gate.sampling_share == 0
    assert fired(flags=["irreversible"], confidence=0.99) == ("irreversible", Priority.urgent)
    assert fired(confidence=0.3) == ("low-confidence", Priority.high)
    assert fired(confidence=0.9, data_completeness=0.5) == ("incomplete-data", Priority.medium)
    assert fired(confidence=0.9, latency_ms=90_000) == ("slow", Priority.medium)
    assert fired(confidence=0.9, data_completeness=1, latency_ms=10) == (None, None)


def test_the_sampling_share_holds_over_many_draws():
    document = _document(_rule("unsure", ConfidenceBelow(level=0.5)), share=0.1)
    rng = random.Random(13)

    decisions = [gate.evaluate(document, Signals(confidence=0.9), draw=rng.random) for _ in range(10_000)]

    sampled = [d for d in decisions if d.sampled]
    assert abs(len(sampled) / 10_000 - 0.1) <= 0.015
    assert {(d.verdict, d.priority, d.rule) for d in sampled} == {(Verdict.escalate, Priority.low, None)}
    assert all(d.verdict is Verdict.continue_ for d in decisions if not d.sampled)


def test_matched_rules_are_never_sampled():
    document = _document(_rule("unsure", ConfidenceBelow(level=0.5)), share=1)

    decision = gate.evaluate(document, Signals(confidence=0.1), draw=_never_drawn)
    sampled = gate.evaluate(document, Signals(confidence=0.9), draw=lambda: 0.999)

    assert (decision.rule, decision.sampled) == ("unsure", False)
    assert (sampled.verdict, sampled.sampled) == (Verdict.escalate, True)


def test_a_gate_section_with_a_repeated_name_or_an_unknown_key_is_refused():
    when = {"kind": "confidence_below", "level": 0.5}
    rule = {"name": "a", "priority": "high", "reason": "r", "when": when}

    with pytest.raises(ValidationError, match="repeated: a"):
        PolicyDocument.model_validate({"gate": {"rules": [rule, rule]}})
    with pytest.raises(ValidationError, match="Extra inputs"):
        PolicyDocument.model_validate({"gate": {"rules": [{**rule, "when": {**rule["when"], "lvl": 1}}]}})
    with pytest.raises(ValidationError, match="union_tag_invalid"):
        PolicyDocument.model_validate({"gate": {"rules": [{**rule, "when": {"kind": "vibes"}}]}})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        PolicyDocument.model_validate({"gate": {"rules": [], "sampling_share": 1.5}})


def test_a_gate_round_trips_through_json():
    document = _document(
        _rule("nested", AnyOf(conditions=[AllOf(conditions=[FlagPresent(flags=["x"])])])), share=0.25
    )

    assert PolicyDocument.model_validate(document.model_dump(mode="json")) == document
