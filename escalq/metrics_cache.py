"""The managers' figures for the preset ranges, kept in Redis so the page and the API answer at once.

Exact percentiles over a month of a million escalations take seconds of PostgreSQL time, so a worker
recomputes the preset ranges every minute (`refresh_presets`) and readers take the stored figures; a
figure's `end` says as of when. Custom ranges, and a missing or unreadable entry, are computed live.
"""

import logging
from datetime import datetime, timedelta

from pydantic import TypeAdapter
from redis.exceptions import RedisError
from sqlmodel import Session

from escalq.broker import redis
from escalq.models import Priority
from escalq.schemas.metrics import Metrics
from escalq.services import metrics

log = logging.getLogger(__name__)
# A refreshed entry outlives a few missed refreshes; one computed on demand (an agent's) lives a minute.
REFRESHED_TTL_S, ON_DEMAND_TTL_S = 300, 60
_metrics = TypeAdapter(Metrics)


def _key(preset: str, agent: str | None) -> str:
    return f"escalq:metrics:{preset}:{agent or '*'}"


def figures(
    *,
    session: Session,
    preset: str,
    query: metrics.MetricsQuery,
    sla: dict[Priority, timedelta],
    now: datetime,
) -> Metrics:
    """The figures for `query`: from the cache for a preset range when fresh, else computed (and kept)."""
    if preset == "custom":
        return metrics.compute(session=session, query=query, sla=sla, now=now)
    try:
        stored: bytes | None = redis().get(_key(preset, query.agent))  # type: ignore[assignment]
    except RedisError as error:
        log.warning("metrics cache unreadable, computing live: %s", error)
        stored = None
    if stored is not None:
        return _metrics.validate_json(stored)
    found = metrics.compute(session=session, query=query, sla=sla, now=now)
    _keep(preset, query.agent, found, ttl_s=ON_DEMAND_TTL_S)
    return found


def refresh_presets(*, session: Session, sla: dict[Priority, timedelta], now: datetime) -> list[str]:
    """Recompute every preset range for all agents; returns the presets refreshed."""
    for preset in metrics.PRESETS:
        query = metrics.query_for(preset=preset, start=None, end=None, agent=None, now=now)
        _keep(
            preset,
            None,
            metrics.compute(session=session, query=query, sla=sla, now=now),
            ttl_s=REFRESHED_TTL_S,
        )
    return list(metrics.PRESETS)


def _keep(preset: str, agent: str | None, found: Metrics, *, ttl_s: int) -> None:
    try:
        redis().set(_key(preset, agent), _metrics.dump_json(found), ex=ttl_s)
    except RedisError as error:
        log.warning("could not keep metrics in the cache: %s", error)
