"""The outbox with real Redis and real RQ workers: outages, repeats, dead workers, periodic jobs."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from redis import Redis
from rq import Queue
from rq_scheduler import Scheduler
from sqlmodel import col, select

from escalq import broker, pipeline
from escalq.broker import Outage
from escalq.clock import utc_now
from escalq.models import Notification, NotificationStatus, Task, TaskKind, TaskStatus
from escalq.services import outbox, webhooks
from tests.background.helpers import SLACK_PATH, FakeClock, drain, make_outbound, run_once, tasks_of
from tests.background.receivers import Answer
from tests.factories import make_agent, make_resolved_escalation, make_reviewer
from workers.schedule import ReconcilingScheduler, reconcile

ESCALQ = Path(sys.executable).with_name("escalq")


def process_tree(pid):
    """`pid` and its descendants; RQ's work horse is a child in a session of its own."""
    found = [pid]
    for thread in Path(f"/proc/{pid}/task").iterdir():
        for child in (thread / "children").read_text().split():
            found += process_tree(int(child))
    return found


def gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] == "Z"
    except FileNotFoundError:
        return True


def kill_hard(process):
    """kill -9 the worker and every process it started, the job in flight included."""
    tree = process_tree(process.pid)
    for pid in reversed(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not all(gone(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.02)
    return tree


def all_tasks(session):
    session.expire_all()
    return list(session.exec(select(Task).order_by(col(Task.kind))))


def test_api_answers_while_redis_is_down_and_the_sweep_delivers_everything_once(
    client, session, env, outage_redis, webhook_receiver, slack_receiver, smtp_inbox
):
    env.set(
        REDIS_URL=outage_redis.url,
        ESCALQ_SLACK_WEBHOOK_URL=slack_receiver.url + SLACK_PATH,
        ESCALQ_SMTP_HOST="127.0.0.1",
        ESCALQ_SMTP_PORT=str(smtp_inbox.port),
    )
    agent, reviewer = make_agent(session), make_reviewer(session, "dana@example.com")
    webhook_receiver.secret = agent.webhook_secret
    outage_redis.stop()

    created = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={
            "issue_description": "Refund of 4,200 EUR",
            "priority": "urgent",
            "webhook_url": webhook_receiver.url + "/hook",
        },
    )
    assert created.status_code == 201, created.text
    escalation_id = created.json()["id"]
    resolved = client.patch(
        f"/api/escalations/{escalation_id}/resolve",
        headers=reviewer.headers,
        json={"resolution": "approved", "resolution_notes": ""},
    )
    assert resolved.status_code == 200, resolved.text

    waiting = all_tasks(session)
    assert sorted(t.kind.value for t in waiting) == ["categorize", "notification", "notification", "webhook"]
    assert all(t.status == TaskStatus.pending for t in waiting)

    outage_redis.start()
    assert pipeline.sweep(clock=lambda: utc_now() + pipeline.DISPATCH_GRACE) == 4
    assert pipeline.sweep(clock=lambda: utc_now() + pipeline.DISPATCH_GRACE) == 0, "RQ holds them now"
    queue = drain(Redis.from_url(outage_redis.url))

    assert queue.failed_job_registry.count == 0
    assert all(t.status == TaskStatus.done for t in all_tasks(session))
    assert len(webhook_receiver.requests) == 1
    assert webhook_receiver.requests[0].verified, webhook_receiver.requests[0].verify_error
    assert webhook_receiver.requests[0].json()["escalation_id"] == escalation_id
    assert len(slack_receiver.requests) == 1
    assert [m["To"] for m in smtp_inbox.messages] == ["dana@example.com"]
    sent = session.exec(select(Notification)).all()
    assert sorted(n.status for n in sent) == [NotificationStatus.sent] * 2

    assert pipeline.sweep(clock=lambda: utc_now() + pipeline.DISPATCH_GRACE) == 0
    drain(Redis.from_url(outage_redis.url))
    delivered = (webhook_receiver.requests, slack_receiver.requests, smtp_inbox.messages)
    assert [len(each) for each in delivered] == [1, 1, 1]


def resolved_webhook(session, receiver):
    agent, reviewer = make_agent(session), make_reviewer(session)
    escalation = make_resolved_escalation(
        session, agent.agent, reviewer.reviewer, webhook_url=receiver.url + "/hook"
    )
    receiver.secret = agent.webhook_secret
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)
    return escalation, task


def test_running_a_task_twice_delivers_once(session, webhook_receiver):
    escalation, task = resolved_webhook(session, webhook_receiver)

    pipeline.run_task(str(task.id))
    pipeline.run_task(str(task.id))

    assert len(webhook_receiver.requests) == 1
    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.done, 1)
    assert len(webhooks.attempts_for(session=session, escalation_id=escalation.id)) == 1


def test_enqueueing_a_task_twice_delivers_once(session, queue_redis, webhook_receiver):
    _, task = resolved_webhook(session, webhook_receiver)
    queue = Queue(pipeline.QUEUE, connection=queue_redis)

    queue.enqueue(pipeline.RUN_TASK, str(task.id))
    queue.enqueue(pipeline.RUN_TASK, str(task.id))
    drain(queue_redis)

    assert queue.failed_job_registry.count == 0
    assert len(webhook_receiver.requests) == 1
    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.done, 1)


def test_a_failed_attempt_schedules_its_retry_in_rq(session, queue_redis, webhook_receiver):
    webhook_receiver.respond(Answer(500))
    _, task = resolved_webhook(session, webhook_receiver)

    pipeline.run_task(str(task.id))
    queue = Queue(pipeline.QUEUE, connection=queue_redis)

    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.pending, 1)
    retry_job = pipeline.job_id(task.id, 1)
    assert queue.scheduled_job_registry.get_job_ids() == [retry_job]
    assert queue.scheduled_job_registry.get_scheduled_time(retry_job) == task.next_attempt_at
    assert task.next_attempt_at.microsecond == 0, "due on the second RQ's scheduler releases it"
    assert len(webhook_receiver.requests) == 1
    pipeline.sweep(clock=lambda: task.next_attempt_at + pipeline.DISPATCH_GRACE)
    assert retry_job not in queue.get_job_ids(), "RQ holds the retry: the sweep adds no copy"
    assert queue.scheduled_job_registry.get_job_ids() == [retry_job]


def test_a_killed_worker_s_task_is_taken_over_after_its_lease(
    session, database_url, redis_server, tmp_path, webhook_receiver
):
    webhook_receiver.respond(Answer(hang=True))
    escalation, task = resolved_webhook(session, webhook_receiver)
    log = tmp_path / "worker.log"
    child_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "ESCALQ_ALLOW_PRIVATE_WEBHOOKS": "true",
        "ESCALQ_WEBHOOK_TIMEOUT_S": "60",
        "ESCALQ_TASK_LEASE_S": "60",
    }
    with log.open("wb") as output:
        worker = subprocess.Popen([str(ESCALQ), "worker"], env=child_env, stdout=output, stderr=output)
    try:
        Queue(pipeline.QUEUE, connection=Redis.from_url(redis_server.url)).enqueue(
            pipeline.RUN_TASK, str(task.id), job_id=pipeline.job_id(task.id, 0)
        )
        assert webhook_receiver.wait_for(1, timeout=30), log.read_text()
        session.refresh(task)
        assert task.status == TaskStatus.running
        assert task.lease_until is not None and task.lease_until > utc_now()
        assert len(kill_hard(worker)) >= 2, "the worker and its work horse"
    finally:
        if worker.poll() is None:
            kill_hard(worker)
    webhook_receiver.release.set()

    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.running, 1), "nobody finished the attempt"
    queue = Queue(pipeline.QUEUE, connection=Redis.from_url(redis_server.url))
    pipeline.sweep(clock=lambda: utc_now() + pipeline.DISPATCH_GRACE)  # queues the categorization
    assert pipeline.job_id(task.id, 1) not in queue.get_job_ids(), "a live lease: nobody takes it over"
    after_lease = FakeClock(task.lease_until + timedelta(seconds=1))

    assert pipeline.sweep(clock=after_lease) == 1, "the dead attempt's task, and nothing RQ holds"
    session.refresh(task)
    assert (task.status, task.attempts, task.next_attempt_at) == (TaskStatus.pending, 1, after_lease())
    (died,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (died.attempt, died.outcome, died.http_status) == (1, "died", None)
    assert pipeline.job_id(task.id, 1) in queue.get_job_ids()

    attempted = run_once(session, task, make_outbound(), after_lease)

    assert attempted is not None and (attempted.attempt, attempted.retry_at) == (2, None)
    assert (task.status, task.attempts) == (TaskStatus.done, 2)
    first, second = webhook_receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.verified, second.verify_error
    _, row = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (row.attempt, row.outcome, row.http_status) == (2, "succeeded", 200)


PERIODIC = [
    "periodic-audit-seal",
    "periodic-expiry",
    "periodic-metrics",
    "periodic-sweep",
    "periodic-timeouts",
]


def test_reconciling_the_periodic_jobs_twice_keeps_one_of_each(queue_redis):
    assert queue_redis.keys("rq:scheduler*") == []

    first = reconcile(Scheduler(queue_name=pipeline.QUEUE, connection=queue_redis))
    second = reconcile(Scheduler(queue_name=pipeline.QUEUE, connection=queue_redis))
    scheduler = Scheduler(queue_name=pipeline.QUEUE, connection=queue_redis)

    assert len(first) == 5 and second == []
    scheduled = sorted((job.id, job.func_name, job.meta.get("interval")) for job in scheduler.get_jobs())
    assert scheduled == [
        ("periodic-audit-seal", "workers.periodic.seal_audit", 60),
        ("periodic-expiry", "workers.periodic.expire", 60),
        ("periodic-metrics", "workers.periodic.refresh_metrics", 60),
        ("periodic-sweep", "escalq.pipeline.sweep", 30),
        ("periodic-timeouts", "workers.periodic.check_timeouts", 60),
    ]
    assert queue_redis.zcard(scheduler.scheduled_jobs_key) == 5


def test_a_flushed_schedule_is_registered_again_on_the_next_pass(queue_redis):
    scheduler = ReconcilingScheduler(outage=Outage("test"), queue_name=pipeline.QUEUE, connection=queue_redis)
    reconcile(scheduler)
    queue_redis.flushall()

    scheduler.enqueue_jobs()

    assert queue_redis.zcard(scheduler.scheduled_jobs_key) == 5
    waiting = Queue(pipeline.QUEUE, connection=queue_redis).get_job_ids()
    assert sorted(waiting) == PERIODIC


def test_a_periodic_job_still_waiting_is_not_queued_again(queue_redis):
    scheduler = ReconcilingScheduler(outage=Outage("test"), queue_name=pipeline.QUEUE, connection=queue_redis)
    reconcile(scheduler)
    scheduler.enqueue_jobs()
    for job_id in PERIODIC:
        queue_redis.zadd(scheduler.scheduled_jobs_key, {job_id: 0})  # due again, nothing ran meanwhile

    scheduler.enqueue_jobs()

    waiting = Queue(pipeline.QUEUE, connection=queue_redis).get_job_ids()
    assert sorted(waiting) == PERIODIC
    next_runs = dict(queue_redis.zrange(scheduler.scheduled_jobs_key, 0, -1, withscores=True))
    assert all(at > time.time() for at in next_runs.values()), "the next run is an interval later"


def test_a_dead_last_attempt_gives_up_and_marks_the_agent_not_told(session, env, webhook_receiver):
    env.set(ESCALQ_RETRY_DELAYS_S="[]")
    escalation, task = resolved_webhook(session, webhook_receiver)
    started = utc_now()
    assert outbox.begin_attempt(session=session, task_id=task.id, now=started, lease=timedelta(seconds=60))
    session.commit()
    after_lease = started + timedelta(seconds=61)

    pipeline.sweep(clock=lambda: after_lease)

    session.refresh(task)
    session.refresh(escalation)
    assert (task.status, task.finished_at) == (TaskStatus.failed, after_lease), "no retries left"
    assert escalation.agent_not_told_at == after_lease
    (died,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (died.attempt, died.outcome) == (1, "died")
    assert pipeline.job_id(task.id, 1) not in Queue(pipeline.QUEUE, connection=broker.redis()).get_job_ids()
