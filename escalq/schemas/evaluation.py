"""POST /api/evaluate: an agent's signals in, the gate's decision out (and the escalation it opened)."""

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from escalq.models import Priority, Verdict
from escalq.schemas.escalation import (
    ISSUE_DESCRIPTION,
    ONE_EXPIRY,
    EscalationCreate,
    EscalationCreated,
    EscalationOptions,
    IssueDescription,
)
from escalq.schemas.gate import Signals

# JSON Schema for "create: true needs an issue_description" (services.evaluations checks it).
_CREATE_NEEDS_DESCRIPTION: JsonDict = {
    "anyOf": [
        {"not": {"required": ["create"], "properties": {"create": {"const": True}}}},
        {"required": ["issue_description"], "properties": {"issue_description": {"type": "string"}}},
    ]
}


class EvaluateIn(Signals, EscalationOptions):
    """The signals, and with `create: true` what the escalation needs if the gate says escalate."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={**ONE_EXPIRY, **_CREATE_NEEDS_DESCRIPTION}
    )

    create: bool = Field(
        False, description="Also open the escalation when the decision is escalate (needs issue_description)"
    )
    issue_description: IssueDescription | None = Field(
        default=None, description=ISSUE_DESCRIPTION + "; needed with create: true"
    )

    def signals(self) -> Signals:
        return Signals.model_validate(self.model_dump(include=set(Signals.model_fields)))

    def escalation(self, priority: Priority) -> EscalationCreate:
        """The create request for an escalation with the gate's priority (given an issue_description)."""
        return EscalationCreate.model_validate(
            {
                **self.model_dump(include=set(EscalationOptions.model_fields), exclude_unset=True),
                "issue_description": self.issue_description,
                "priority": priority,
            }
        )


class EvaluationOut(BaseModel):
    """The gate's answer; `escalation` is the one it opened (or folded into) with create: true."""

    evaluation_id: int
    decision: Verdict
    priority: Priority | None = Field(description="The priority to escalate with; null for continue")
    rule: str | None = Field(description="The rule that fired; null when none did (and when sampled)")
    policy_version: int
    reason: str
    sampled: bool = Field(description="A continue escalated anyway by audit sampling, for a human check")
    escalation: EscalationCreated | None = None
