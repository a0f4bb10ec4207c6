"""The decision gate: a policy document's rules applied to an agent's signals, plus audit sampling."""

import operator
import random
from collections.abc import Callable
from dataclasses import dataclass

from escalq.models import Priority, Verdict
from escalq.schemas.gate import (
    AllOf,
    AnyOf,
    Condition,
    ConfidenceBelow,
    FlagPresent,
    Gate,
    LatencyOver,
    Rule,
    Signals,
    Threshold,
)
from escalq.schemas.policy import PolicyDocument

_OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
NO_RULE = "no rule matched"


@dataclass(frozen=True)
class Decision:
    """What the gate says: continue, or escalate with a priority because of `rule` (None when sampled)."""

    verdict: Verdict
    priority: Priority | None
    rule: str | None
    reason: str
    sampled: bool = False


def holds(condition: Condition, signals: Signals) -> bool:
    """Whether the condition holds; one on a signal that was not sent never does."""
    match condition:
        case Threshold(signal=signal, op=op, value=value):
            measured = getattr(signals, signal)
            return measured is not None and _OPS[op](measured, value)
        case ConfidenceBelow(level=level):
            return signals.confidence is not None and signals.confidence < level
        case LatencyOver(budget_ms=budget):
            return signals.latency_ms is not None and signals.latency_ms > budget
        case FlagPresent(flags=flags):
            return not set(flags).isdisjoint(signals.flags)
        case AllOf(conditions=conditions):
            return all(holds(nested, signals) for nested in conditions)
        case AnyOf(conditions=conditions):
            return any(holds(nested, signals) for nested in conditions)
    raise AssertionError(f"unknown condition {condition!r}")


def first_match(gate: Gate, signals: Signals) -> Rule | None:
    """The first rule, in order, whose condition holds."""
    return next((rule for rule in gate.rules if holds(rule.when, signals)), None)


def decide(gate: Gate, signals: Signals) -> Decision:
    """The rules' decision alone, without sampling (what replays compare)."""
    rule = first_match(gate, signals)
    if rule is None:
        return Decision(verdict=Verdict.continue_, priority=None, rule=None, reason=NO_RULE)
    return Decision(verdict=Verdict.escalate, priority=rule.priority, rule=rule.name, reason=rule.reason)


def evaluate(
    document: PolicyDocument, signals: Signals, *, draw: Callable[[], float] = random.random
) -> Decision:
    """The gate's decision; a `continue` is escalated anyway when `draw()` (uniform in [0, 1)) falls
    under the sampling share. `draw` is only called for a `continue`; tests pass a seeded one."""
    gate = document.gate
    decision = decide(gate, signals)
    if decision.verdict is Verdict.escalate or gate.sampling_share <= 0 or draw() >= gate.sampling_share:
        return decision
    return Decision(
        verdict=Verdict.escalate,
        priority=gate.sampled_priority,
        rule=None,
        reason=f"no rule matched; sampled for a human check ({gate.sampling_share:.1%} of continues)",
        sampled=True,
    )
