"""A refund agent that decides alone when it is confident and asks a human when it is not.

Run against `make run` (it prints the demo agent's API key):

    export ESCALQ_URL=http://localhost:8000 ESCALQ_API_KEY=esq_...
    .venv/bin/python examples/refund_agent.py 250 "damaged"

Small refunds with a clear reason are approved alone; anything else goes to a reviewer in the queue at
http://localhost:3000, and the agent waits (long polls, no busy loop) and then acts on the decision.
"""

import os
import sys
from dataclasses import dataclass

from escalq_client import Decision, Escalq

AUTO_APPROVE_UP_TO = 100  # euros: below this, with a clear reason, the agent needs nobody
CLEAR_REASONS = {"damaged", "not delivered", "wrong item"}
CONFIDENT = 0.8


@dataclass(frozen=True)
class Request:
    order: str
    amount: float
    reason: str


@dataclass(frozen=True)
class Outcome:
    action: str  # "refund", "refuse" or "hold" (nobody decided yet: try again later)
    decided_by: str  # "agent" or "human"
    escalation_id: str | None = None
    notes: str | None = None


def confidence(request: Request) -> float:
    """How sure the agent is that refunding is right without asking (a stand-in for a model's score)."""
    score = 1.0 if request.amount <= AUTO_APPROVE_UP_TO else AUTO_APPROVE_UP_TO / request.amount
    return score if request.reason in CLEAR_REASONS else score / 2


def act_on(decision: Decision, escalation_id: str) -> Outcome:
    """Turn the human's decision (or its absence) into what the agent does."""
    if decision.resolved:
        action = "refund" if decision.resolution == "approved" else "refuse"
        return Outcome(action, "human", escalation_id, decision.notes)
    if decision.expired:
        return Outcome(decision.fallback or "refuse", "fallback", escalation_id)
    return Outcome("hold", "nobody yet", escalation_id)


def handle(request: Request, escalq: Escalq, *, wait_s: float = 3600) -> Outcome:
    """Refund alone when confident; otherwise escalate, wait for the decision and act on it."""
    if confidence(request) >= CONFIDENT:
        return Outcome("refund", "agent")
    escalation = escalq.create(
        f"Refund {request.amount:.2f} EUR for order {request.order} ({request.reason})?",
        priority="high" if request.amount > 1000 else "medium",
        context={"order": request.order, "amount_eur": request.amount, "reason": request.reason},
        fallback="refuse",
        dedupe_key=f"refund-{request.order}",  # asking twice about one order folds into one escalation
    )
    return act_on(escalq.wait_for_decision(escalation.id, timeout_s=wait_s), escalation.id)


def main() -> None:
    amount, reason = float(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "changed my mind"
    with Escalq(os.environ["ESCALQ_URL"], os.environ["ESCALQ_API_KEY"]) as escalq:
        outcome = handle(Request(order="A-1001", amount=amount, reason=reason), escalq)
    print(
        f"{outcome.action} (decided by {outcome.decided_by}){': ' + outcome.notes if outcome.notes else ''}"
    )


if __name__ == "__main__":
    main()
