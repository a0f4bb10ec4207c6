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

import workers.jobs
from escalq import jobs
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
    assert all((t.status, t.enqueued_at) == (TaskStatus.pending, None) for t in waiting)

    outage_redis.start()
    assert workers.jobs.sweep() == 4
    assert all(t.enqueued_at is not None for t in all_tasks(session))
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

    assert workers.jobs.sweep() == 0
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

    workers.jobs.run_task(str(task.id))
    workers.jobs.run_task(str(task.id))

    assert len(webhook_receiver.requests) == 1
    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.done, 1)
    assert len(webhooks.attempts_for(session=session, escalation_id=escalation.id)) == 1


def test_enqueueing_a_task_twice_delivers_once(session, queue_redis, webhook_receiver):
    _, task = resolved_webhook(session, webhook_receiver)

    assert jobs.enqueue([task.id])
    assert jobs.enqueue([task.id])
    queue = drain(queue_redis)

    assert queue.failed_job_registry.count == 0
    assert len(webhook_receiver.requests) == 1
    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.done, 1)


def test_a_failed_attempt_schedules_its_retry_in_rq(session, queue_redis, webhook_receiver):
    webhook_receiver.respond(Answer(500))
    escalation, task = resolved_webhook(session, webhook_receiver)

    jobs.after_commit(session=session, escalation_id=escalation.id)
    queue = drain(queue_redis)

    assert queue.failed_job_registry.count == 0, "a failed delivery is recorded, not raised"
    session.refresh(task)
    assert (task.status, task.attempts) == (TaskStatus.pending, 1)
    retry_job = jobs.job_id(task.id, 1)
    assert retry_job in queue.scheduled_job_registry.get_job_ids()
    scheduled = queue.scheduled_job_registry.get_scheduled_time(retry_job)
    assert abs((scheduled - task.next_attempt_at).total_seconds()) < 1
    assert len(webhook_receiver.requests) == 1


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
        jobs.after_commit(session=session, escalation_id=escalation.id)
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
    lease = timedelta(seconds=60)
    assert task.id not in outbox.due(session=session, now=utc_now(), requeue_after=lease)
    after_lease = FakeClock(task.lease_until + timedelta(seconds=1))
    assert task.id in outbox.due(session=session, now=after_lease(), requeue_after=lease)

    attempted = run_once(session, task, make_outbound(), after_lease)

    assert attempted is not None and (attempted.attempt, attempted.retry_at) == (2, None)
    assert (task.status, task.attempts) == (TaskStatus.done, 2)
    first, second = webhook_receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.verified, second.verify_error
    (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
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

    first = reconcile(Scheduler(queue_name=jobs.QUEUE, connection=queue_redis))
    second = reconcile(Scheduler(queue_name=jobs.QUEUE, connection=queue_redis))
    scheduler = Scheduler(queue_name=jobs.QUEUE, connection=queue_redis)

    assert len(first) == 5 and second == []
    scheduled = sorted((job.id, job.func_name, job.meta.get("interval")) for job in scheduler.get_jobs())
    assert scheduled == [
        ("periodic-audit-seal", "workers.jobs.seal_audit", 60),
        ("periodic-expiry", "workers.jobs.expire", 60),
        ("periodic-metrics", "workers.jobs.refresh_metrics", 60),
        ("periodic-sweep", "workers.jobs.sweep", 30),
        ("periodic-timeouts", "workers.jobs.check_timeouts", 60),
    ]
    assert queue_redis.zcard(scheduler.scheduled_jobs_key) == 5


def test_a_flushed_schedule_is_registered_again_on_the_next_pass(queue_redis):
    scheduler = ReconcilingScheduler(outage=Outage("test"), queue_name=jobs.QUEUE, connection=queue_redis)
    reconcile(scheduler)
    queue_redis.flushall()

    scheduler.enqueue_jobs()

    assert queue_redis.zcard(scheduler.scheduled_jobs_key) == 5
    waiting = Queue(jobs.QUEUE, connection=queue_redis).get_job_ids()
    assert sorted(waiting) == PERIODIC


def test_a_periodic_job_still_waiting_is_not_queued_again(queue_redis):
    scheduler = ReconcilingScheduler(outage=Outage("test"), queue_name=jobs.QUEUE, connection=queue_redis)
    reconcile(scheduler)
    scheduler.enqueue_jobs()
    for job_id in PERIODIC:
        queue_redis.zadd(scheduler.scheduled_jobs_key, {job_id: 0})  # due again, nothing ran meanwhile

    scheduler.enqueue_jobs()

    waiting = Queue(jobs.QUEUE, connection=queue_redis).get_job_ids()
    assert sorted(waiting) == PERIODIC
    next_runs = dict(queue_redis.zrange(scheduler.scheduled_jobs_key, 0, -1, withscores=True))
    assert all(at > time.time() for at in next_runs.values()), "the next run is an interval later"
