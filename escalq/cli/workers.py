"""`escalq worker` and `escalq scheduler`: the background half of escalq, one process each."""

import logging

import click
from redis import Redis
from rq import SimpleWorker
from rq_scheduler import Scheduler

from escalq.cli.output import domain_errors
from escalq.config import get_settings
from escalq.jobs import QUEUE, queue
from escalq.services import vault
from workers.schedule import register


def _connection() -> Redis:
    """A connection without read timeouts: workers block on Redis while they wait for jobs."""
    return Redis.from_url(get_settings().redis_url)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run until the queue is empty, then exit.")
@domain_errors
def worker(burst: bool) -> None:
    """Run an RQ worker for escalq's queue (several may run, on several machines)."""
    vault.require_key()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    connection = _connection()
    # No fork per job (RQ's default Worker forks a child for each one, which then opens its own
    # PostgreSQL connection): jobs run in this process, reusing its database pool, Redis connection and
    # webhook connections. A job's timeout still applies (SIGALRM); a process that dies is restarted by
    # its supervisor, and the task it held is retried once its lease ends.
    listener = SimpleWorker([queue().name], connection=connection)
    listener.work(burst=burst, with_scheduler=True, logging_level="WARNING")


@click.command("scheduler")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between checks for due jobs.")
@domain_errors
def scheduler(interval: float) -> None:
    """Run rq-scheduler with escalq's periodic jobs (the outbox sweep, the priority timeouts)."""
    vault.require_key()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    runner = Scheduler(queue_name=QUEUE, connection=_connection(), interval=interval)
    register(runner)
    runner.run()
