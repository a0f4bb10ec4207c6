"""/api/escalations/{id}: a reviewer asks the agent a question; the agent adds context (the answer)."""

import uuid

from fastapi import APIRouter

from escalq import pipeline
from escalq.api import problems
from escalq.api.deps import AgentDep, ReviewerDep, SessionDep
from escalq.clock import utc_now
from escalq.schemas.escalation import EscalationOut
from escalq.schemas.handback import ContextIn, RequestInfoIn
from escalq.services import handback, policies

router = APIRouter(prefix="/api/escalations", tags=["escalations"])


@router.patch(
    "/{escalation_id}/request-info",
    responses=problems.responses(
        403,
        404,
        409,
        notes={
            403: "An agent key, or a reviewer not holding it (managers and admins may)",
            409: "It is not assigned or claimed",
        },
    ),
)
def request_info(
    escalation_id: uuid.UUID, body: RequestInfoIn, session: SessionDep, reviewer: ReviewerDep
) -> EscalationOut:
    """Hand it back to the agent with a question (reviewer key holding it, or a manager/admin).

    The agent gets an escalation.info_requested webhook; 409 unless it is assigned or claimed.
    """
    escalation = handback.request_info(
        session=session, escalation_id=escalation_id, by=reviewer, question=body.question, now=utc_now()
    )
    pipeline.commit(session)
    return EscalationOut.model_validate(escalation)


@router.post(
    "/{escalation_id}/context",
    responses=problems.responses(
        403,
        404,
        409,
        413,
        notes={
            403: "A reviewer key (an agent key is needed)",
            409: "It is resolved or expired",
            413: "The body is over its limit, or context_data would be with these keys",
        },
    ),
)
def add_context(
    escalation_id: uuid.UUID, body: ContextIn, session: SessionDep, agent: AgentDep
) -> EscalationOut:
    """Add to the context (agent key of its own escalation); the earlier values stay in the history.

    When a reviewer asked a question this is the answer, and the escalation goes back to them.
    409 once it is resolved or expired.
    """
    escalation = handback.add_context(
        session=session,
        escalation_id=escalation_id,
        agent=agent,
        data=body.context_data,
        note=body.note,
        now=utc_now(),
        max_context_bytes=policies.current(session).document.context.max_context_bytes,
    )
    pipeline.commit(session)
    return EscalationOut.model_validate(escalation)
