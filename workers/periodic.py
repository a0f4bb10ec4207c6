"""The periodic jobs but the sweep (escalq.pipeline): ids in, re-fetch, harmless to repeat."""

import logging

from escalq import metrics_cache, pipeline
from escalq.clock import utc_now
from escalq.db import new_session, session_scope
from escalq.services import expiry, policies, timeouts, trail
from escalq.services.outbound import configured

log = logging.getLogger(__name__)


def check_timeouts() -> dict[str, int]:
    """Apply the active policy's timeout rules; the notifications they record are queued with them."""
    with new_session() as session:
        policy = policies.current(session)
        report = timeouts.apply(
            session=session,
            rules=timeouts.rules(policy.document),
            channels=policies.outbound(configured(), policy).channels,
            now=utc_now(),
        )
        pipeline.commit(session)
    return {action: len(ids) for action, ids in report.items()}


def expire() -> int:
    """Expire the escalations nobody claimed in time; the webhooks telling their agents go with them."""
    with new_session() as session:
        fallbacks = policies.fallbacks(policies.current(session).document)
        expired = expiry.expire_due(session=session, fallbacks=fallbacks, now=utc_now())
        pipeline.commit(session)
    if expired:
        log.info("expired %d escalation(s)", len(expired))
    return len(expired)


def refresh_metrics() -> list[str]:
    """Recompute the managers' preset figures, so the page and the API answer from the cache."""
    with new_session() as session:
        refreshed = metrics_cache.refresh_presets(
            session=session, sla=policies.thresholds(policies.current(session).document), now=utc_now()
        )
        session.commit()
    return refreshed


def seal_audit() -> int:
    """Seal the audit events committed since the last run into the global chain."""
    sealed = trail.seal_all(transactions=session_scope)
    if sealed:
        log.info("sealed %d audit event(s)", sealed)
    return sealed
