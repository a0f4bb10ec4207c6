"""Per-agent rate limit and daily budget, and the size limits, called directly with an injected clock."""

import logging
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import func
from sqlmodel import select

from escalq.models import Agent, Escalation, Priority
from escalq.schemas.escalation import EscalationCreate
from escalq.services import categories, escalations, limits
from escalq.services.errors import Throttled, TooLarge
from escalq.services.limits import Limits
from escalq.services.notifications import Channels
from escalq.services.outbound import Outbound
from escalq.services.ratelimit import Counter
from harness.net import free_port
from tests.concurrency import at_once
from tests.factories import make_agent

SECOND = timedelta(seconds=1)
LIMITS = Limits(
    max_context_bytes=100,
    max_description_chars=50,
    per_minute=3,
    per_day=1_000,
    similarity=90,
    loop_window=timedelta(minutes=60),
)


def outbound(**changes) -> Outbound:
    return Outbound(
        delays=(10.0, 60.0),
        lease=timedelta(seconds=60),
        webhook_timeout_s=5.0,
        allow_private=True,
        channels=Channels(slack_webhook_url=None, smtp=None, timeout_s=5.0, public_url="https://x.test"),
        ask_llm=None,
        llm_source=categories.LOCAL,
        limits=replace(LIMITS, **changes),
    )


def send(session, agent, n: int, *, now, config: Outbound | None = None, description: str | None = None):
    data = EscalationCreate(issue_description=description or f"Refund for order {n}", priority=Priority.low)
    created = escalations.create(
        session=session, data=data, agent=agent, outbound=config or outbound(), now=now
    )
    session.commit()
    return created


def refused(session, agent, n: int, *, now, config: Outbound | None = None) -> Throttled:
    with pytest.raises(Throttled) as caught:
        send(session, agent, n, now=now, config=config)
    session.commit()  # what the API does: keep the tripped breaker
    return caught.value


def row_count(session) -> int:
    return session.exec(select(func.count()).select_from(Escalation)).one()


def stored_agent(session, agent) -> Agent:
    session.expire_all()
    return session.get(Agent, agent.id)


def test_the_attempt_over_the_rate_is_refused_until_the_oldest_leaves_the_window(session, now):
    agent = make_agent(session).agent
    for n, seconds in enumerate((0, 10, 20)):
        send(session, agent, n, now=now + seconds * SECOND)

    error = refused(session, agent, 3, now=now + 30 * SECOND)

    # The oldest attempt (at 0 s) leaves the one-minute window at 60 s: 30 s from now.
    assert error.retry_after_s == 30
    assert "3 per minute" in error.message
    assert row_count(session) == 3
    throttled = stored_agent(session, agent)
    assert throttled.throttled_until == now + 60 * SECOND
    assert throttled.throttled_reason == "more than 3 escalations per minute"
    assert limits.throttled_agents(session=session, now=now + 30 * SECOND) == [throttled]


def test_a_throttled_agent_is_refused_until_then_and_cleared_after(session, now):
    agent = make_agent(session).agent
    for n in range(3):
        send(session, agent, n, now=now + n * SECOND)
    refused(session, agent, 3, now=now + 10 * SECOND)

    still = refused(session, agent, 4, now=now + 59 * SECOND)

    assert still.retry_after_s == 1
    assert "more than 3 escalations per minute" in still.message
    assert row_count(session) == 3

    admitted = send(session, agent, 5, now=now + 60 * SECOND)

    assert admitted.duplicate is False
    assert row_count(session) == 4
    cleared = stored_agent(session, agent)
    assert (cleared.throttled_until, cleared.throttled_reason) == (None, None)
    assert limits.throttled_agents(session=session, now=now + 60 * SECOND) == []


def test_refused_attempts_do_not_count(session, now):
    agent = make_agent(session).agent
    for n in range(3):
        send(session, agent, n, now=now)
    for n in range(3, 8):
        refused(session, agent, n, now=now + n * SECOND)

    send(session, agent, 9, now=now + 60 * SECOND)
    send(session, agent, 10, now=now + 61 * SECOND)

    assert row_count(session) == 5


def test_repeats_of_an_open_escalation_count_too(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, 1, now=now)
    again = send(session, agent, 1, now=now + SECOND)
    assert (again.duplicate, again.escalation.id) == (True, first.escalation.id)
    send(session, agent, 1, now=now + 2 * SECOND)

    error = refused(session, agent, 1, now=now + 3 * SECOND)

    assert error.retry_after_s == 57
    session.refresh(first.escalation)
    assert first.escalation.repeat_count == 2
    assert row_count(session) == 1


def test_agents_are_limited_separately(session, now):
    busy = make_agent(session, "busy-bot").agent
    quiet = make_agent(session, "quiet-bot").agent
    for n in range(3):
        send(session, busy, n, now=now)
    refused(session, busy, 3, now=now)

    for n in range(3):
        send(session, quiet, n, now=now)

    assert stored_agent(session, quiet).throttled_until is None


def test_the_daily_budget(session, now):
    agent = make_agent(session).agent
    config = outbound(per_minute=100, per_day=4)
    hour = timedelta(hours=1)
    for n in range(4):
        send(session, agent, n, now=now + n * hour, config=config)

    error = refused(session, agent, 4, now=now + 5 * hour, config=config)

    assert error.retry_after_s == int((timedelta(days=1) - 5 * hour).total_seconds())
    assert "4 per day" in error.message
    throttled = stored_agent(session, agent)
    assert throttled.throttled_until == now + timedelta(days=1)
    assert throttled.throttled_reason == "more than 4 escalations per day"
    send(session, agent, 5, now=now + timedelta(days=1), config=config)


def test_a_description_over_the_limit_is_too_large_with_both_numbers(session, now):
    agent = make_agent(session).agent

    with pytest.raises(TooLarge) as caught:
        send(session, agent, 0, now=now, description="x" * 51)

    assert caught.value.field == "issue_description"
    assert "51 characters" in caught.value.message
    assert "the limit is 50" in caught.value.message
    assert send(session, agent, 0, now=now, description="y" * 50).duplicate is False


def test_context_size_is_counted_in_utf8_bytes_of_compact_json(session, now):
    agent = make_agent(session).agent
    # {"k":"..."} is 8 bytes around the value; "é" is 2 bytes in UTF-8.
    at_limit = {"k": "é" * 46}
    over = {"k": "é" * 46 + "x"}

    created = escalations.create(
        session=session,
        data=EscalationCreate(issue_description="Fits", priority=Priority.low, context_data=at_limit),
        agent=agent,
        outbound=outbound(),
        now=now,
    )
    with pytest.raises(TooLarge) as caught:
        escalations.create(
            session=session,
            data=EscalationCreate(issue_description="Does not", priority=Priority.low, context_data=over),
            agent=agent,
            outbound=outbound(),
            now=now,
        )

    assert created.escalation.context_data == at_limit
    assert caught.value.field == "context_data"
    assert "context_data is 101 bytes as JSON; the limit is 100 bytes" in caught.value.message


def test_an_oversized_request_is_not_an_attempt(session, now):
    agent = make_agent(session).agent
    for _ in range(5):
        with pytest.raises(TooLarge):
            send(session, agent, 0, now=now, description="x" * 51)

    for n in range(3):
        send(session, agent, n, now=now)


def test_an_agents_own_limits_override_the_settings(session, now):
    agent = make_agent(session).agent
    agent.rate_per_minute, agent.daily_budget = 2, 5
    session.add(agent)
    session.commit()
    for n in range(2):
        send(session, agent, n, now=now + n * SECOND)

    error = refused(session, agent, 2, now=now + 2 * SECOND)

    assert "the limit is 2 per minute" in error.message
    assert error.retry_after_s == 58
    assert limits.windows(agent=agent, limits=LIMITS)[1].allowed == 5


def test_with_redis_down_creates_are_admitted_and_a_warning_logged(session, now, caplog):
    agent = make_agent(session).agent
    unreachable = Counter(redis=lambda: Redis(port=free_port(), socket_connect_timeout=0.5))
    config = outbound(per_minute=1, counter=unreachable)

    with caplog.at_level(logging.WARNING, logger="escalq.services.ratelimit"):
        made = [send(session, agent, n, now=now, config=config) for n in range(3)]

    assert [m.duplicate for m in made] == [False, False, False]
    assert row_count(session) == 3
    assert "rate limit not checked" in caplog.text


def test_concurrent_attempts_are_counted_without_a_lock(session, now):
    agent = make_agent(session).agent

    def attempt(own) -> bool:
        try:
            send(own, own.get(Agent, agent.id), 0, now=now, description=f"Case {uuid.uuid4()}")
        except Throttled:
            own.rollback()
            return False
        return True

    admitted = at_once(attempt, count=8)

    assert sorted(admitted) == [False] * 5 + [True] * 3
    assert row_count(session) == 3
