"""/api/evaluate: the decision gate. An agent sends its signals and hears whether to continue or escalate."""

from fastapi import APIRouter, Response

from escalq import pipeline
from escalq.api import idempotent, problems
from escalq.api.deps import AgentDep, SessionDep
from escalq.api.routes.escalations import created_answer
from escalq.clock import utc_now
from escalq.schemas.evaluation import EvaluateIn, EvaluationOut
from escalq.services import evaluations, idempotency, policies
from escalq.services.errors import Throttled
from escalq.services.outbound import configured

router = APIRouter(prefix="/api/evaluate", tags=["evaluate"])


@router.post(
    "",
    responses={
        200: {
            "description": "The decision (and, with create, a repeat folded into an open escalation)",
            "headers": idempotent.REPLAYED,
        },
        201: {
            "model": EvaluationOut,
            "description": "Escalate, and with create: true the escalation it opened",
            "headers": idempotent.REPLAYED,
        },
        **problems.responses(
            403,
            409,
            413,
            429,
            notes={
                403: "A reviewer key",
                409: "The Idempotency-Key was used for a different request",
                413: "With create: the body, issue_description or context_data over its limit",
                429: "With create, when it opens an escalation: over the agent's rate limit or budget",
            },
        ),
    },
)
def evaluate(
    body: EvaluateIn,
    session: SessionDep,
    agent: AgentDep,
    response: Response,
    idempotency_key: idempotent.KeyHeader = None,
) -> EvaluationOut:
    """Continue or escalate (agent key): the active policy's rules, first match wins, on these signals.

    A signal left out never matches a rule on it. A configured share of continue decisions is escalated
    anyway (`sampled`). With `create: true` and an `issue_description`, an escalate decision also opens
    the escalation, with the same rules and answers as POST /api/escalations (201, or 200 for a repeat
    folded into an open one). Every evaluation is recorded with its rule and policy version.
    """
    now = utc_now()
    request_hash = idempotency.fingerprint({"evaluate": body.model_dump(mode="json", exclude_unset=True)})
    stored = idempotent.stored(
        session=session, agent=agent, key=idempotency_key, request_hash=request_hash, response=response
    )
    if stored is not None:
        return EvaluationOut.model_validate(stored)
    policy = policies.current(session)
    try:
        done = evaluations.evaluate(
            session=session,
            request=body,
            agent=agent,
            policy=policy,
            outbound=policies.outbound(configured(), policy),
            now=now,
        )
    except Throttled:
        session.commit()  # keep the tripped breaker, so the dashboard shows the agent
        raise
    created = done.created
    answer = EvaluationOut(
        evaluation_id=done.evaluation_id,
        decision=done.decision.verdict,
        priority=done.decision.priority,
        rule=done.decision.rule,
        policy_version=policy.number,
        reason=done.decision.reason,
        sampled=done.decision.sampled,
        escalation=None if created is None else created_answer(session=session, created=created, now=now),
    )
    response.status_code = 201 if created is not None and not created.duplicate else 200
    idempotent.keep(
        session=session,
        agent=agent,
        key=idempotency_key,
        request_hash=request_hash,
        response=response,
        answer=answer.model_dump(mode="json"),
        now=now,
    )
    pipeline.commit(session)
    return answer
