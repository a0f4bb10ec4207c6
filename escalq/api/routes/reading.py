"""/api/escalations/{id}: read one escalation now, when its status changes (long poll), or as a stream."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import StreamingResponse
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from escalq.api import problems, waiting
from escalq.api.deps import WaitingPrincipalDep
from escalq.config import get_settings
from escalq.db import new_session
from escalq.schemas.escalation import EscalationDetail, EscalationOut, EventOut
from escalq.services import escalations
from escalq.services.auth import Principal

router = APIRouter(prefix="/api/escalations", tags=["escalations"])
_PROBLEMS = problems.responses(
    404,
    429,
    notes={429: "This key already holds ESCALQ_MAX_WAITS_PER_KEY waits open here; see Retry-After"},
)


def _detail(*, session: Session, escalation_id: uuid.UUID, principal: Principal) -> EscalationDetail:
    escalation = escalations.get_visible(session=session, escalation_id=escalation_id, principal=principal)
    events = [
        EventOut.model_validate(event)
        for event in escalations.history(session=session, escalation=escalation)
    ]
    return EscalationDetail(**EscalationOut.model_validate(escalation).model_dump(), events=events)


def _reader(*, escalation_id: uuid.UUID, principal: Principal) -> waiting.Read:
    """Each read in a session of its own, off the event loop: a waiting request holds no connection."""

    def read() -> EscalationDetail:
        with new_session() as session:
            return _detail(session=session, escalation_id=escalation_id, principal=principal)

    async def read_async() -> EscalationDetail:
        return await run_in_threadpool(read)

    return read_async


@router.get(
    "/{escalation_id}",
    responses={
        200: {
            "description": "The escalation (with a wait: once its status changed, or at the timeout)",
            "headers": {
                "Preference-Applied": {
                    "description": "wait=N: the Prefer wait honoured (capped at 55)",
                    "schema": {"type": "string"},
                }
            },
        },
        **_PROBLEMS,
    },
)
async def get_escalation(
    escalation_id: uuid.UUID,
    principal: WaitingPrincipalDep,
    response: Response,
    wait: Annotated[
        int | None,
        Query(
            ge=1,
            le=waiting.MAX_WAIT_S,
            description="Seconds to wait for the status to change before answering (long poll)",
        ),
    ] = None,
    prefer: Annotated[
        str | None,
        Header(description="RFC 7240 `wait=N`, as ?wait= (capped at 55; see Preference-Applied)"),
    ] = None,
) -> EscalationDetail:
    """One escalation with its audit trail; with a wait, once its status changes or when the time is up."""
    read = _reader(escalation_id=escalation_id, principal=principal)
    timeout_s = wait if wait is not None else waiting.preferred_wait(prefer)
    if timeout_s is None:
        return await read()
    if wait is None:
        response.headers["Preference-Applied"] = f"wait={timeout_s}"
    with waiting.Admission(str(principal.id), limit=get_settings().max_waits_per_key):
        return await waiting.until_status_changes(read, escalation_id=str(escalation_id), timeout_s=timeout_s)


@router.get(
    "/{escalation_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`event: status` per change"},
        **_PROBLEMS,
    },
)
async def escalation_events(
    escalation_id: uuid.UUID,
    principal: WaitingPrincipalDep,
    last_event_id: Annotated[
        str | None, Header(description="The last id received; only later changes are sent")
    ] = None,
) -> StreamingResponse:
    """Server-Sent Events: `event: status` with the escalation (as GET answers it) at each change,
    a heartbeat comment every 15 s, and the end after a final status (resolved, expired)."""
    read = _reader(escalation_id=escalation_id, principal=principal)
    await read()  # unknown, or not the caller's: a 404 before the stream starts
    settings = get_settings()
    admission = waiting.Admission(str(principal.id), limit=settings.max_waits_per_key)  # 429 before it starts

    async def events() -> AsyncIterator[str]:
        try:
            async for event in waiting.status_events(
                read,
                escalation_id=str(escalation_id),
                last_event_id=last_event_id,
                heartbeat_s=settings.sse_heartbeat_s,
            ):
                yield event
        finally:
            admission.release()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        background=BackgroundTask(admission.release),  # also when the stream never started
    )
