"""Periodic jobs, declared once; registered idempotently with rq-scheduler."""

import logging
from dataclasses import dataclass

from rq_scheduler import Scheduler

from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.jobs import QUEUE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    job_id: str
    func: str
    interval_s: int


def periodic_jobs() -> list[Periodic]:
    """Every periodic job of escalq (RQ's own cron could take this list as it is)."""
    settings = get_settings()
    return [
        Periodic("periodic-sweep", "workers.jobs.sweep", settings.sweep_interval_s),
        Periodic("periodic-timeouts", "workers.jobs.check_timeouts", settings.timeout_check_interval_s),
        Periodic("periodic-expiry", "workers.jobs.expire", settings.expiry_check_interval_s),
        Periodic("periodic-metrics", "workers.jobs.refresh_metrics", settings.metrics_refresh_interval_s),
    ]


def register(scheduler: Scheduler) -> None:
    """(Re-)schedule each periodic job under a fixed id, so restarts and second schedulers add no copies."""
    for job in periodic_jobs():
        if job.job_id in scheduler:
            scheduler.cancel(job.job_id)
        scheduler.schedule(
            scheduled_time=utc_now(),
            func=job.func,
            interval=job.interval_s,
            repeat=None,
            id=job.job_id,
            queue_name=QUEUE,
        )
        log.info("scheduled %s every %d s", job.func, job.interval_s)
