"""Periodic jobs, declared once here; rq-scheduler runs them, and each pass reconciles Redis with this."""

import logging
import signal
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from rq.job import Job
from rq_scheduler import Scheduler

from escalq.broker import Outage
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.pipeline import QUEUE, SWEEP

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
        Periodic("periodic-sweep", SWEEP, settings.sweep_interval_s),
        Periodic("periodic-timeouts", "workers.periodic.check_timeouts", settings.timeout_check_interval_s),
        Periodic("periodic-expiry", "workers.periodic.expire", settings.expiry_check_interval_s),
        Periodic("periodic-metrics", "workers.periodic.refresh_metrics", settings.metrics_refresh_interval_s),
        Periodic("periodic-audit-seal", "workers.periodic.seal_audit", settings.audit_seal_interval_s),
    ]


def reconcile(scheduler: Scheduler) -> list[str]:
    """Schedule, to run now, each declared job that Redis does not hold as declared (lost to a flush or a
    restart without persistence, or declared anew); jobs held as declared keep their next run.

    Fixed job ids: a second scheduler, or a second pass, finds the job and adds nothing. Returns the ids
    scheduled.
    """
    declared = periodic_jobs()
    ids = [job.job_id for job in declared]
    connection = scheduler.connection
    next_runs = connection.zmscore(scheduler.scheduled_jobs_key, ids)
    held = Job.fetch_many(ids, connection=connection)
    scheduled = []
    for job, next_run, found in zip(declared, next_runs, held, strict=True):
        if next_run is not None and found is not None and _as_declared(found, job):
            continue
        scheduler.schedule(
            scheduled_time=utc_now(),
            func=job.func,
            interval=job.interval_s,
            repeat=None,
            id=job.job_id,
            queue_name=QUEUE,
        )
        scheduled.append(job.job_id)
    if scheduled:
        intervals = ", ".join(_intervals(declared, scheduled))
        log.info("scheduled %s (every %s s)", ", ".join(scheduled), intervals)
    return scheduled


def _as_declared(found: Job, job: Periodic) -> bool:
    return bool(
        found.func_name == job.func and found.origin == QUEUE and found.meta.get("interval") == job.interval_s
    )


def _intervals(declared: list[Periodic], ids: list[str]) -> list[str]:
    return [str(job.interval_s) for job in declared if job.job_id in ids]


class ReconcilingScheduler(Scheduler):  # type: ignore[misc]  # rq-scheduler is untyped
    """rq-scheduler, reconciling the periodic jobs before each pass and queueing no second copy of one
    whose last run is still waiting in the queue (under a backlog it would add a copy every interval)."""

    def __init__(self, *, outage: Outage, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outage = outage
        self._periodic = {job.job_id for job in periodic_jobs()}

    def enqueue_jobs(self) -> Any:
        reconcile(self)
        return super().enqueue_jobs()

    def enqueue_job(self, job: Job) -> None:
        if job.id in self._periodic and self._still_waiting(job):
            self.connection.zadd(self.scheduled_jobs_key, {job.id: time.time() + int(job.meta["interval"])})
            log.info("%s: the last run is still waiting in the queue; not queued again", job.id)
            return
        super().enqueue_job(job)

    def _still_waiting(self, job: Job) -> bool:
        return self.connection.lpos(self.get_queue_for_job(job).key, job.id) is not None

    def _install_signal_handlers(self) -> None:
        """rq-scheduler's own handlers, after telling the connection to stop waiting for Redis: its last
        writes (the lock, its death) fail fast during an outage instead of holding the shutdown."""
        super()._install_signal_handlers()
        stop = signal.getsignal(signal.SIGTERM)

        def stop_now(signum: int, frame: FrameType | None) -> None:
            self.outage.stop()
            if callable(stop):
                stop(signum, frame)

        signal.signal(signal.SIGINT, stop_now)
        signal.signal(signal.SIGTERM, stop_now)
