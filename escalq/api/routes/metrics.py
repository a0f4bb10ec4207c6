"""/api/metrics: the managers' figures as JSON, for other tools."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from escalq import metrics_cache
from escalq.api import problems
from escalq.api.deps import ReviewerDep, SessionDep
from escalq.clock import utc_now
from escalq.schemas.inputs import UtcDatetime
from escalq.schemas.metrics import Metrics
from escalq.services import metrics, policies
from escalq.services.auth import is_supervisor
from escalq.services.errors import Forbidden

router = APIRouter(prefix="/api/metrics", tags=["metrics"])


@router.get(
    "",
    responses=problems.responses(
        403, notes={403: "An agent or plain reviewer key (a manager or admin key is needed)"}
    ),
)
def get_metrics(
    session: SessionDep,
    reviewer: ReviewerDep,
    preset: Annotated[
        Literal["24h", "7d", "30d", "custom"], Query(alias="range", description="custom needs start and end")
    ] = "7d",
    start: UtcDatetime | None = None,
    end: UtcDatetime | None = None,
    agent: Annotated[str | None, Query(description="Only this agent's escalations")] = None,
) -> Metrics:
    """Time to first assignment, resolution times, rates per agent, top reasons, backlog, SLA, webhooks.

    Durations are in seconds; escalations count when created within the range. Manager or admin key.
    Preset ranges come from figures refreshed every minute (`end` says as of when); custom ones are live.
    """
    if not is_supervisor(reviewer):
        raise Forbidden("metrics are for managers and admins")
    now = utc_now()
    query = metrics.query_for(preset=preset, start=start, end=end, agent=agent, now=now)
    sla = policies.thresholds(policies.current(session).document)
    return metrics_cache.figures(session=session, preset=preset, query=query, sla=sla, now=now)
