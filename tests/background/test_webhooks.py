"""Resolution webhooks: signed delivery, retries spaced by the delays, 410 and the final give-up."""

import threading
from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest

from escalq.db import job_session
from escalq.models import Priority, Status, TaskKind, TaskStatus
from escalq.schemas.policy import PolicyDocument
from escalq.services import attempts, detail, metrics, outbox, policies, queue, timeouts, webhooks
from escalq.services.listing import EscalationFilter, Order, SortKey
from tests.background.helpers import make_outbound, run_once, tasks_of
from tests.background.receivers import Answer
from tests.factories import make_agent, make_resolved_escalation, make_reviewer

FIVE_KIB = b"0123456789abcdef" * 320


def resolved(session, receiver, clock, **fields):
    """An agent's escalation with a webhook at `receiver`, resolved; the receiver knows the secret."""
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_resolved_escalation(
        session, agent.agent, reviewer.reviewer, webhook_url=receiver.url + "/hook", now=clock(), **fields
    )
    receiver.secret = agent.webhook_secret
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)
    return escalation, reviewer.reviewer, task


def attempt(session, task, clock, config=None):
    return run_once(session, task, config or make_outbound(), clock)


def seconds_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def test_delivery_posts_the_signed_resolution(session, webhook_receiver, clock):
    escalation, reviewer, task = resolved(
        session, webhook_receiver, clock, context={"order": "A-17", "amount": 420}, priority=Priority.urgent
    )

    done = attempt(session, task, clock)

    assert done is not None and (done.attempt, done.retry_at) == (1, None)
    (request,) = webhook_receiver.requests
    assert request.path == "/hook"
    assert request.verified, request.verify_error
    body = request.json()
    assert body["type"] == "escalation.resolved"
    assert body["escalation_id"] == str(escalation.id)
    assert body["source_agent"] == "agent-a"
    assert body["priority"] == "urgent"
    assert body["resolution"] == "approved"
    assert body["resolution_notes"] == "Within policy"
    assert datetime.fromisoformat(body["resolved_at"]) == clock()
    assert body["resolved_by"] == str(reviewer.id)
    assert datetime.fromisoformat(body["created_at"]) == clock()
    assert body["context_data"] == {"order": "A-17", "amount": 420}
    assert request.headers["webhook-id"] == task.payload["message_id"]
    assert request.headers["webhook-timestamp"] == str(int(clock().timestamp()))
    assert request.headers["content-type"] == "application/json"
    assert task.status == TaskStatus.done
    assert task.finished_at == clock()
    (delivery,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (delivery.attempt, delivery.http_status, delivery.outcome) == (1, 200, "succeeded")
    assert delivery.url == webhook_receiver.url + "/hook"
    assert delivery.event_type == "escalation.resolved"


def test_retries_after_500_and_timeout_keep_the_webhook_id(session, webhook_receiver, clock):
    webhook_receiver.respond(Answer(500, FIVE_KIB), Answer(hang=True))
    config = make_outbound(delays=(10.0, 60.0), webhook_timeout_s=0.3)
    escalation, _, task = resolved(session, webhook_receiver, clock)

    started = clock()
    first = attempt(session, task, clock, config)
    assert first is not None and first.attempt == 1 and first.retry_at is not None
    assert 8.0 <= seconds_between(first.retry_at, started) <= 12.0
    assert (task.status, task.attempts, task.next_attempt_at) == (TaskStatus.pending, 1, first.retry_at)
    assert task.last_error == "HTTP 500"

    clock.advance(1)
    assert attempt(session, task, clock, config) is None, "not due yet: nothing may happen"
    assert len(webhook_receiver.requests) == 1

    clock.at = first.retry_at
    second = attempt(session, task, clock, config)
    assert second is not None and second.attempt == 2 and second.retry_at is not None
    assert 48.0 <= seconds_between(second.retry_at, first.retry_at) <= 72.0
    assert task.last_error == "timed out after 0.3 s"

    clock.at = second.retry_at
    third = attempt(session, task, clock, config)
    assert third is not None and (third.attempt, third.retry_at) == (3, None)
    assert (task.status, task.attempts) == (TaskStatus.done, 3)

    requests = webhook_receiver.requests
    assert len(requests) == 3
    assert {r.headers["webhook-id"] for r in requests} == {task.payload["message_id"]}
    assert [r.headers["webhook-timestamp"] for r in requests] == [
        str(int(at.timestamp())) for at in (started, first.retry_at, second.retry_at)
    ]
    assert all(r.verified for r in requests), [r.verify_error for r in requests]
    assert len({r.headers["webhook-signature"] for r in requests}) == 3

    rows = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert [r.attempt for r in rows] == [1, 2, 3]
    assert [r.http_status for r in rows] == [500, None, 200]
    assert [r.outcome for r in rows] == ["retrying", "retrying", "succeeded"]
    assert [r.at for r in rows] == [started, first.retry_at, second.retry_at]
    assert rows[0].response_excerpt == FIVE_KIB[:1024].decode()
    assert len(rows[0].response_excerpt.encode()) == 1024
    assert rows[0].error is None
    assert rows[1].error == "timed out after 0.3 s"
    assert rows[1].response_excerpt is None
    assert rows[1].duration_ms >= 250
    assert all(r.duration_ms >= 0 for r in rows)


def test_410_gone_stops_retrying(session, webhook_receiver, clock):
    webhook_receiver.respond(Answer(410, b"this agent is gone"))
    escalation, _, task = resolved(session, webhook_receiver, clock)

    gone = attempt(session, task, clock)

    assert gone is not None and gone.retry_at is None
    assert (task.status, task.attempts, task.last_error) == (TaskStatus.failed, 1, "HTTP 410")
    assert task.finished_at == clock()
    (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (row.http_status, row.outcome, row.response_excerpt) == (410, "gone", "this agent is gone")
    clock.advance(3600)
    assert attempt(session, task, clock) is None
    assert len(webhook_receiver.requests) == 1


def test_gives_up_after_the_last_delay(session, webhook_receiver, clock):
    webhook_receiver.default = Answer(500, b"still broken")
    escalation, _, task = resolved(session, webhook_receiver, clock)

    attempts = [attempt(session, task, clock)]
    while attempts[-1] is not None and attempts[-1].retry_at is not None:
        clock.at = attempts[-1].retry_at
        attempts.append(attempt(session, task, clock))

    assert [(a.attempt, a.retry_at is None) for a in attempts] == [(1, False), (2, False), (3, True)]
    assert (task.status, task.attempts, task.last_error) == (TaskStatus.failed, 3, "HTTP 500")
    assert task.finished_at == clock()
    rows = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert [r.outcome for r in rows] == ["retrying", "retrying", "failed"]
    assert [r.http_status for r in rows] == [500, 500, 500]
    clock.advance(86_400)
    assert attempt(session, task, clock) is None
    assert len(webhook_receiver.requests) == 3


def test_retry_delays_are_jittered_by_up_to_20_percent(session, now):
    lease = make_outbound().lease
    offsets = []
    for _ in range(12):
        task = outbox.record(
            session=session, kind=TaskKind.categorize, escalation_id=None, payload={}, now=now
        )
        claim = outbox.begin_attempt(session=session, task_id=task.id, now=now, lease=lease)
        assert claim is not None
        retry_at = outbox.fail(
            session=session, task=claim.task, now=now, error="boom", retry=True, delays=[100]
        )
        assert retry_at is not None
        offsets.append(seconds_between(retry_at, now))

    assert all(80.0 <= offset <= 121.0 for offset in offsets), offsets  # then up to the next second
    assert len(set(offsets)) > 1, "every retry at the same instant: no jitter"


@pytest.mark.parametrize(
    ("status", "retry_after", "waited"),
    [
        (429, "30", 30.0),  # delay-seconds, as asked
        (503, "in-a-while", None),  # unreadable: the configured delay
        (503, "HTTP-DATE+45", 45.0),  # an HTTP date, counted from now
        (429, "86400", 600.0),  # capped at the longest configured delay
        (500, "30", None),  # only 429 and 503 say when to come back
    ],
)
def test_retry_after_on_429_and_503_sets_the_next_attempt(
    session, webhook_receiver, clock, status, retry_after, waited
):
    if retry_after.startswith("HTTP-DATE"):
        retry_after = format_datetime(clock() + timedelta(seconds=45), usegmt=True)
    webhook_receiver.respond(Answer(status, headers=(("retry-after", retry_after),)))
    config = make_outbound(delays=(5.0, 600.0))
    _, _, task = resolved(session, webhook_receiver, clock)

    first = attempt(session, task, clock, config)

    assert first is not None and first.retry_at is not None
    if waited is None:
        assert 4.0 <= seconds_between(first.retry_at, clock()) <= 6.0, "the configured 5 s, jittered"
    else:
        assert seconds_between(first.retry_at, clock()) == waited


def test_retry_after_reads_seconds_and_dates_and_refuses_the_rest(now):
    assert webhooks.retry_after("120", now=now) == 120.0
    assert webhooks.retry_after(" 7 ", now=now) == 7.0
    assert webhooks.retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0.0
    assert webhooks.retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now=now) == 0.0  # RFC 850, long past
    assert webhooks.retry_after("-5", now=now) is None
    assert webhooks.retry_after("soon", now=now) is None
    assert webhooks.retry_after(None, now=now) is None


def test_a_webhook_that_gives_up_marks_the_agent_not_told_until_redelivered(session, webhook_receiver, clock):
    webhook_receiver.default = Answer(500, b"down")
    config = make_outbound(delays=())
    escalation, reviewer, task = resolved(session, webhook_receiver, clock)

    gave_up = attempt(session, task, clock, config)

    assert gave_up is not None and gave_up.retry_at is None
    session.refresh(escalation)
    assert escalation.agent_not_told_at == clock()
    view = detail.view(session=session, escalation_id=escalation.id)
    assert (view.agent_not_told_at, view.resolution) == (clock().isoformat(), "approved")
    sla = policies.thresholds(PolicyDocument())
    (row,) = queue.page(
        session=session,
        viewer=reviewer,
        scope=queue.Scope.all,
        filters=EscalationFilter(statuses=[Status.resolved]),
        sort=SortKey.created_at,
        order=Order.desc,
        limit=10,
        cursor=None,
        rules=timeouts.rules(PolicyDocument()),
        now=clock(),
    ).rows
    assert row.agent_not_told
    query = metrics.MetricsQuery(start=clock() - timedelta(hours=1), end=clock() + timedelta(hours=1))
    found = metrics.compute(session=session, query=query, sla=sla, now=clock())
    assert (found.webhooks.failed, found.webhooks.agents_not_told) == (1, 1)

    webhooks.redeliver(session=session, escalation_id=escalation.id, now=clock())
    session.commit()

    session.refresh(escalation)
    assert escalation.agent_not_told_at is None, "someone is telling the agent again"


def test_a_retry_job_a_moment_early_still_runs_and_one_well_early_does_not(session, webhook_receiver, clock):
    webhook_receiver.respond(Answer(500))
    config = make_outbound(delays=(10.0,))
    _, _, task = resolved(session, webhook_receiver, clock)
    first = attempt(session, task, clock, config)
    assert first is not None and first.retry_at is not None

    clock.at = first.retry_at - timedelta(seconds=2)
    assert attempt(session, task, clock, config) is None, "2 s early: not yet"
    clock.at = first.retry_at - timedelta(seconds=0.5)  # RQ's scheduler counts whole seconds
    second = attempt(session, task, clock, config)

    assert second is not None and second.attempt == 2
    assert len(webhook_receiver.requests) == 2


def test_an_attempt_that_outlived_its_lease_leaves_the_task_to_the_next_one(session, webhook_receiver, clock):
    webhook_receiver.respond(Answer(200, hang=True))
    config = make_outbound()
    escalation, _, task = resolved(session, webhook_receiver, clock)
    session.commit()
    first: list[attempts.Attempted | None] = []

    def run_first() -> None:
        with job_session() as own:  # as the worker runs it: each statement commits alone
            first.append(attempts.run(session=own, task_id=task.id, config=config, clock=clock))

    worker = threading.Thread(target=run_first)
    worker.start()
    assert webhook_receiver.wait_for(1), "the first attempt never reached the receiver"
    session.expire_all()  # the task as the worker's claim left it
    (died,) = outbox.take_died(session=session, now=clock() + 2 * config.lease, delays=config.delays)
    assert died.attempt == 1
    second = outbox.begin_attempt(
        session=session, task_id=task.id, now=clock() + 2 * config.lease, lease=config.lease
    )
    assert second is not None and second.task.attempts == 2
    session.commit()
    webhook_receiver.release.set()
    worker.join(timeout=10)

    assert first == [attempts.Attempted(escalation_id=escalation.id, attempt=1, retry_at=None)]
    session.refresh(task)
    assert (task.status, task.attempts, task.finished_at) == (TaskStatus.running, 2, None), (
        "left to attempt 2"
    )
    rows = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert [(r.attempt, r.outcome, r.http_status) for r in rows] == [(1, "superseded", 200)]
