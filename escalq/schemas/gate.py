"""The decision gate's rules, a section of the policy document: which signals make an agent escalate.

A rule is a name, the priority to escalate with, a reason for the agent and the reviewer, and a
condition. Rules are tried in order and the first whose condition holds decides; when none does, the
agent continues. A signal the agent did not send never satisfies a condition on it (a threshold on
`amount` is false without an amount), so a missing signal can only lead to `continue` through that
condition: write a rule on the flags if an absent signal must escalate.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalq.models import Priority
from escalq.schemas.inputs import NonBlank

Signal = Literal["confidence", "latency_ms", "data_completeness", "amount"]
Op = Literal["lt", "le", "gt", "ge"]
RULE_NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
MAX_FLAG_CHARS = 64
MAX_FLAGS = 32
Flag = Annotated[str, Field(min_length=1, max_length=MAX_FLAG_CHARS), NonBlank()]


class Signals(BaseModel):
    """What an agent reports about one decision it is about to take; every signal is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    confidence: float | None = Field(None, ge=0, le=1, description="The agent's confidence, 0 to 1")
    latency_ms: float | None = Field(
        None, ge=0, allow_inf_nan=False, description="How long the work took, in milliseconds"
    )
    data_completeness: float | None = Field(
        None, ge=0, le=1, description="Share of the data the decision needs that the agent had, 0 to 1"
    )
    amount: float | None = Field(None, allow_inf_nan=False, description="The money (or other sum) at stake")
    flags: list[Flag] = Field(
        default_factory=list, max_length=MAX_FLAGS, description="Free-form markers, e.g. irreversible"
    )


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Part):
    """`signal op value`, e.g. amount gt 1000."""

    kind: Literal["threshold"] = "threshold"
    signal: Signal
    op: Op
    value: float = Field(allow_inf_nan=False)


class ConfidenceBelow(_Part):
    """The agent's confidence under `level`."""

    kind: Literal["confidence_below"] = "confidence_below"
    level: float = Field(ge=0, le=1)


class LatencyOver(_Part):
    """The work took longer than its budget (the SLA), in milliseconds."""

    kind: Literal["latency_over"] = "latency_over"
    budget_ms: float = Field(ge=0, allow_inf_nan=False)


class FlagPresent(_Part):
    """Any of these flags was sent (compared exactly)."""

    kind: Literal["flag"] = "flag"
    flags: list[Flag] = Field(min_length=1)


class AllOf(_Part):
    """Every nested condition holds."""

    kind: Literal["all"] = "all"
    conditions: "list[Condition]" = Field(min_length=1)


class AnyOf(_Part):
    """At least one nested condition holds."""

    kind: Literal["any"] = "any"
    conditions: "list[Condition]" = Field(min_length=1)


Condition = Annotated[
    Threshold | ConfidenceBelow | LatencyOver | FlagPresent | AllOf | AnyOf, Field(discriminator="kind")
]
AllOf.model_rebuild()
AnyOf.model_rebuild()


class Rule(_Part):
    """Escalate with `priority` when `when` holds; decisions, metrics and audit filters show `name`."""

    name: str = Field(pattern=RULE_NAME)
    priority: Priority
    reason: str = Field(min_length=1, max_length=500)
    when: Condition


def _default_rules() -> list[Rule]:
    """Version 1's rules: what no agent should decide alone."""
    return [
        Rule(
            name="irreversible",
            priority=Priority.urgent,
            reason="The action cannot be undone",
            when=FlagPresent(flags=["irreversible"]),
        ),
        Rule(
            name="low-confidence",
            priority=Priority.high,
            reason="The agent is not confident in its answer",
            when=ConfidenceBelow(level=0.5),
        ),
        Rule(
            name="incomplete-data",
            priority=Priority.medium,
            reason="The agent decided on incomplete data",
            when=Threshold(signal="data_completeness", op="lt", value=0.6),
        ),
        Rule(
            name="slow",
            priority=Priority.medium,
            reason="The work took longer than its budget of 60 s",
            when=LatencyOver(budget_ms=60_000),
        ),
    ]


class Gate(_Part):
    """The ordered rules (first match wins; none matching: continue) and the audit sampling.

    `sampling_share` of the `continue` decisions (0 to 1) are escalated anyway with `sampled_priority`,
    marked `sampled`, so humans check what the rules let through. A document without this section gets
    the default rules; `"rules": []` lets everything continue.
    """

    rules: list[Rule] = Field(default_factory=_default_rules)
    sampling_share: float = Field(0, ge=0, le=1)
    sampled_priority: Priority = Priority.low

    @model_validator(mode="after")
    def _unique_names(self) -> "Gate":
        names = [rule.name for rule in self.rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(repeated)}")
        return self
