"""/api/escalations: agents open them, reviewers claim and resolve them."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from escalq import pipeline
from escalq.api import idempotent, problems
from escalq.api.deps import AgentDep, PrincipalDep, ReviewerDep, SessionDep
from escalq.clock import utc_now
from escalq.models import Priority, Status
from escalq.schemas.escalation import (
    EscalationCreate,
    EscalationCreated,
    EscalationOut,
    EscalationPage,
    RedeliveryOut,
    ResolveIn,
)
from escalq.schemas.inputs import UtcDatetime
from escalq.services import escalations, idempotency, policies, webhooks
from escalq.services.errors import Throttled
from escalq.services.listing import CURSOR_PATTERN, EscalationFilter, Order, SortKey, list_page
from escalq.services.outbound import configured

router = APIRouter(prefix="/api/escalations", tags=["escalations"])
DEFAULT_ORDER = {SortKey.priority: Order.desc, SortKey.created_at: Order.desc, SortKey.status: Order.asc}


@router.post(
    "",
    status_code=201,
    responses={
        201: {"description": "A new escalation", "headers": idempotent.REPLAYED},
        200: {
            "model": EscalationCreated,
            "description": "A repeat of an open escalation, folded into it (duplicate: true)",
            "headers": idempotent.REPLAYED,
        },
        **problems.responses(
            403,
            409,
            413,
            429,
            notes={
                403: "A reviewer key, or a source_agent that is not the key's agent",
                409: "The Idempotency-Key was used for a different request",
                413: "The body, issue_description or context_data over its limit; the answer has both sizes",
            },
        ),
    },
)
def create_escalation(
    body: EscalationCreate,
    session: SessionDep,
    agent: AgentDep,
    response: Response,
    idempotency_key: idempotent.KeyHeader = None,
) -> EscalationCreated:
    """Open an escalation for a human (agent key); it is assigned round-robin when anyone is active."""
    now, request_hash = utc_now(), idempotency.fingerprint(body.model_dump(mode="json", exclude_unset=True))
    stored = idempotent.stored(
        session=session, agent=agent, key=idempotency_key, request_hash=request_hash, response=response
    )
    if stored is not None:
        return EscalationCreated.model_validate(stored)
    try:
        outbound = policies.outbound(configured(), policies.current(session))
        created = escalations.create(session=session, data=body, agent=agent, outbound=outbound, now=now)
    except Throttled:
        session.commit()  # keep the tripped breaker, so the dashboard shows the agent
        raise
    answer = created_answer(session=session, created=created, now=now)
    response.status_code = 200 if created.duplicate else 201
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


def created_answer(*, session: Session, created: escalations.Created, now: datetime) -> EscalationCreated:
    """The create answer: the escalation, whether it was a folded repeat, and who can take it."""
    return EscalationCreated(
        **EscalationOut.model_validate(created.escalation).model_dump(),
        duplicate=created.duplicate,
        pool=escalations.pool_status(session=session, now=now),
    )


@router.get(
    "", responses=problems.responses(403, notes={403: "An agent key asking for another agent's escalations"})
)
def list_escalations(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[list[Status], Query(description="Repeat to match several")] = [],  # noqa: B006
    priority: Annotated[list[Priority], Query(description="Repeat to match several")] = [],  # noqa: B006
    source_agent: str | None = None,
    assigned_to: uuid.UUID | None = None,
    created_after: UtcDatetime | None = None,
    created_before: UtcDatetime | None = None,
    sort: SortKey = SortKey.created_at,
    order: Annotated[
        Order | None,
        Query(description="Default: desc for priority (urgent first) and created_at, asc for status"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            description="next_cursor from the previous page (it fits any sort and order)",
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
) -> EscalationPage:
    """List escalations; agent keys see only their own agent's."""
    filters = EscalationFilter(
        statuses=status,
        priorities=priority,
        source_agent=source_agent,
        assigned_to=assigned_to,
        created_after=created_after,
        created_before=created_before,
    )
    rows, next_cursor = list_page(
        session=session,
        principal=principal,
        filters=filters,
        sort=sort,
        order=order or DEFAULT_ORDER[sort],
        limit=limit,
        cursor=cursor,
    )
    return EscalationPage(items=[EscalationOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.patch(
    "/{escalation_id}/claim",
    responses=problems.responses(
        403,
        404,
        409,
        notes={403: "An agent key (a reviewer key is needed)", 409: "Someone else holds it, or it is closed"},
    ),
)
def claim_escalation(escalation_id: uuid.UUID, session: SessionDep, reviewer: ReviewerDep) -> EscalationOut:
    """Take an open escalation (reviewer key); 409 when someone else holds it."""
    escalation = escalations.claim(session=session, escalation_id=escalation_id, by=reviewer, now=utc_now())
    pipeline.commit(session)
    return EscalationOut.model_validate(escalation)


@router.patch(
    "/{escalation_id}/resolve",
    responses=problems.responses(
        403,
        404,
        409,
        notes={
            403: "An agent key, or a reviewer not holding it (managers and admins may)",
            409: "It is already resolved or expired",
        },
    ),
)
def resolve_escalation(
    escalation_id: uuid.UUID, body: ResolveIn, session: SessionDep, reviewer: ReviewerDep
) -> EscalationOut:
    """Record the decision (reviewer key holding it, or a manager/admin); 409 when already resolved."""
    escalation = escalations.resolve(
        session=session,
        escalation_id=escalation_id,
        by=reviewer,
        resolution=body.resolution,
        notes=body.resolution_notes,
        now=utc_now(),
        warranted=body.warranted,
    )
    pipeline.commit(session)
    return EscalationOut.model_validate(escalation)


@router.post(
    "/{escalation_id}/webhook/redeliver",
    status_code=202,
    responses=problems.responses(
        403,
        409,
        notes={403: "An agent key (a reviewer key is needed)", 409: "It has no webhook event to redeliver"},
    ),
)
def redeliver_webhook(escalation_id: uuid.UUID, session: SessionDep, reviewer: ReviewerDep) -> RedeliveryOut:
    """Queue the resolution webhook again (reviewer key), keeping its webhook-id so receivers can dedupe."""
    task = webhooks.redeliver(session=session, escalation_id=escalation_id, now=utc_now())
    pipeline.commit(session)
    return RedeliveryOut(delivery_id=task.id, message_id=task.payload["message_id"], url=task.payload["url"])
