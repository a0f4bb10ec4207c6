"""`escalq worker` and `escalq scheduler`: the background half of escalq, one process each.

Both talk to Redis over a patient connection (escalq.broker.patient): started while Redis is down they
wait for it, and an outage pauses them (one log line when it begins, one when it ends) instead of
killing them.
"""

import logging
from types import FrameType

import click
from rq import SimpleWorker

from escalq.broker import Outage, Stopped, patient
from escalq.cli.output import domain_errors
from escalq.pipeline import QUEUE
from escalq.services import vault
from workers.schedule import ReconcilingScheduler

log = logging.getLogger(__name__)
SCHEDULER_STOP_S = 5.0


class Worker(SimpleWorker):
    """No fork per job (RQ's default Worker forks a child for each one, which then opens its own
    PostgreSQL connection): jobs run in this process, reusing its database pool, Redis connection and
    webhook connections. A job's timeout still applies (SIGALRM); a process that dies is restarted by
    its supervisor, and the task it held is retried once its lease ends."""

    def __init__(self, *, outage: Outage) -> None:
        super().__init__([QUEUE], connection=patient(outage))
        self.outage = outage

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """Asked to stop: stop waiting for Redis. During an outage this stops at once (RQ's warm shutdown
        would wait for Redis); a job in flight then is retried once its lease ends."""
        self.outage.stop()
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]

    def stop_scheduler(self) -> None:
        """RQ's, with a deadline: RQ's scheduler, forked from this process, waits out an outage too and
        would not stop before Redis is back (during one, it has no locks to release: it is killed)."""
        process = self.scheduler._process if self.scheduler is not None else None
        if process is None or not process.pid:
            return
        if not self.outage.down:
            process.terminate()
            process.join(SCHEDULER_STOP_S)
        if process.is_alive():
            process.kill()
            process.join()


def _start_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run until the queue is empty, then exit.")
@domain_errors
def worker(burst: bool) -> None:
    """Run an RQ worker for escalq's queue (several may run, on several machines)."""
    vault.require_key()
    _start_logging()
    outage = Outage("worker")
    try:
        Worker(outage=outage).work(burst=burst, with_scheduler=True, logging_level="WARNING")
    except Stopped:
        log.warning("worker: stopped while Redis was unreachable")


@click.command("scheduler")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks for due jobs.")
@domain_errors
def scheduler(interval: float) -> None:
    """Run rq-scheduler with escalq's periodic jobs (the outbox sweep, the priority timeouts), reconciling
    them with their declaration on every check."""
    vault.require_key()
    _start_logging()
    outage = Outage("scheduler")
    runner = ReconcilingScheduler(
        outage=outage, queue_name=QUEUE, connection=patient(outage), interval=interval
    )
    try:
        runner.run()
    except Stopped:
        log.warning("scheduler: stopped while Redis was unreachable")
