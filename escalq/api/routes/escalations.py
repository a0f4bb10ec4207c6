"""/api/escalations: agents open them, reviewers claim and resolve them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from escalq import jobs
from escalq.api.deps import AgentDep, PrincipalDep, ReviewerDep, SessionDep
from escalq.clock import utc_now
from escalq.models import Priority, Status
from escalq.schemas.escalation import (
    EscalationCreate,
    EscalationCreated,
    EscalationDetail,
    EscalationOut,
    EscalationPage,
    EventOut,
    RedeliveryOut,
    ResolveIn,
)
from escalq.services import escalations, idempotency, webhooks
from escalq.services.errors import Throttled
from escalq.services.listing import EscalationFilter, Order, SortKey, list_page
from escalq.services.outbound import configured

router = APIRouter(prefix="/api/escalations", tags=["escalations"])
DEFAULT_ORDER = {SortKey.priority: Order.desc, SortKey.created_at: Order.desc, SortKey.status: Order.asc}


@router.post(
    "",
    status_code=201,
    response_model=EscalationCreated,
    responses={
        200: {"model": EscalationCreated, "description": "A repeat of an open escalation, folded into it"},
        413: {
            "description": "issue_description or context_data over its limit (the answer gives both sizes)"
        },
        429: {"description": "Over the agent's rate limit or daily budget; see Retry-After"},
    },
)
def create_escalation(
    body: EscalationCreate,
    session: SessionDep,
    agent: AgentDep,
    idempotency_key: Annotated[
        str | None, Header(description="Retries with the same key get the first answer and create nothing")
    ] = None,
) -> JSONResponse:
    """Open an escalation for a human (agent key); it is assigned round-robin when anyone is active."""
    now, request_hash = utc_now(), idempotency.fingerprint(body.model_dump(mode="json", exclude_unset=True))
    if idempotency_key is not None:
        stored = idempotency.replay(
            session=session, agent=agent, key=idempotency_key, request_hash=request_hash
        )
        if stored is not None:
            return JSONResponse(
                stored.response, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
            )
    try:
        created = escalations.create(session=session, data=body, agent=agent, outbound=configured(), now=now)
    except Throttled:
        session.commit()  # keep the tripped breaker, so the dashboard shows the agent
        raise
    answer = EscalationCreated(
        **EscalationOut.model_validate(created.escalation).model_dump(),
        duplicate=created.duplicate,
        pool=escalations.pool_status(session=session, now=now),
    ).model_dump(mode="json")
    status_code = 200 if created.duplicate else 201
    if idempotency_key is not None:
        idempotency.remember(
            session=session,
            agent=agent,
            key=idempotency_key,
            request_hash=request_hash,
            status_code=status_code,
            response=answer,
            now=now,
        )
    session.commit()
    jobs.after_commit(session=session, escalation_id=created.escalation.id)
    return JSONResponse(answer, status_code=status_code)


@router.get("")
def list_escalations(
    session: SessionDep,
    principal: PrincipalDep,
    status: Annotated[list[Status], Query(description="Repeat to match several")] = [],  # noqa: B006
    priority: Annotated[list[Priority], Query(description="Repeat to match several")] = [],  # noqa: B006
    source_agent: str | None = None,
    assigned_to: uuid.UUID | None = None,
    created_after: AwareDatetime | None = None,
    created_before: AwareDatetime | None = None,
    sort: SortKey = SortKey.created_at,
    order: Annotated[
        Order | None,
        Query(description="Default: desc for priority (urgent first) and created_at, asc for status"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor from the previous page")] = None,
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
        cursor=cursor or None,
    )
    return EscalationPage(items=[EscalationOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/{escalation_id}")
def get_escalation(
    escalation_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> EscalationDetail:
    """One escalation with its audit trail."""
    escalation = escalations.get_visible(session=session, escalation_id=escalation_id, principal=principal)
    events = [
        EventOut.model_validate(event)
        for event in escalations.history(session=session, escalation=escalation)
    ]
    return EscalationDetail(**EscalationOut.model_validate(escalation).model_dump(), events=events)


@router.patch("/{escalation_id}/claim")
def claim_escalation(escalation_id: uuid.UUID, session: SessionDep, reviewer: ReviewerDep) -> EscalationOut:
    """Take an open escalation (reviewer key); 409 when someone else holds it."""
    escalation = escalations.claim(session=session, escalation_id=escalation_id, by=reviewer, now=utc_now())
    session.commit()
    jobs.after_commit(session=session, escalation_id=escalation.id)
    return EscalationOut.model_validate(escalation)


@router.patch("/{escalation_id}/resolve")
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
    )
    session.commit()
    jobs.after_commit(session=session, escalation_id=escalation.id)
    return EscalationOut.model_validate(escalation)


@router.post("/{escalation_id}/webhook/redeliver", status_code=202)
def redeliver_webhook(escalation_id: uuid.UUID, session: SessionDep, reviewer: ReviewerDep) -> RedeliveryOut:
    """Queue the resolution webhook again (reviewer key), keeping its webhook-id so receivers can dedupe."""
    task = webhooks.redeliver(session=session, escalation_id=escalation_id, now=utc_now())
    session.commit()
    jobs.after_commit(session=session, escalation_id=escalation_id)
    return RedeliveryOut(delivery_id=task.id, message_id=task.payload["message_id"], url=task.payload["url"])
