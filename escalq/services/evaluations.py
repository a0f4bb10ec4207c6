"""POST /api/evaluate's work: the gate's decision on an agent's signals, recorded, and the escalation it
opens when asked to."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from escalq.models import Agent, Evaluation
from escalq.schemas.evaluation import EvaluateIn
from escalq.services import escalations
from escalq.services.errors import Invalid
from escalq.services.escalations import Created
from escalq.services.outbound import Outbound
from escalq.services.policies import Policy, gate


@dataclass(frozen=True)
class Evaluated:
    evaluation: Evaluation
    decision: gate.Decision
    created: Created | None

    @property
    def evaluation_id(self) -> int:
        assert self.evaluation.id is not None, "flushed by evaluate"
        return self.evaluation.id


def evaluate(
    *,
    session: Session,
    request: EvaluateIn,
    agent: Agent,
    policy: Policy,
    outbound: Outbound,
    now: datetime,
    draw: Callable[[], float] = random.random,
) -> Evaluated:
    """Decide with `policy`'s gate and record the evaluation (one INSERT).

    With `create`, an escalate decision also opens the escalation exactly as POST /api/escalations
    would (limits, the context contract, repeats folded), stamped with the rule and sampling. A plain
    evaluation is not counted against the agent's rate limit: it is one cheap statement.
    """
    if request.create and request.issue_description is None:
        raise Invalid(
            "create: true needs an issue_description for the escalation it may open",
            field="issue_description",
        )
    signals = request.signals()
    decision = gate.evaluate(policy.document, signals, draw=draw)
    created = None
    if request.create and decision.priority is not None:  # escalate: it carries its priority
        created = escalations.create(
            session=session,
            data=request.escalation(decision.priority),
            agent=agent,
            outbound=outbound,
            now=now,
            rule=decision.rule,
            sampled=decision.sampled,
        )
    evaluation = Evaluation(
        agent_id=agent.id,
        at=now,
        signals=signals.model_dump(mode="json", exclude_none=True),
        decision=decision.verdict,
        rule=decision.rule,
        priority=decision.priority,
        sampled=decision.sampled,
        policy_version=policy.number,
        escalation_id=None if created is None else created.escalation.id,
    )
    session.add(evaluation)
    session.flush()
    return Evaluated(evaluation=evaluation, decision=decision, created=created)
