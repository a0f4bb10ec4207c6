"""escalq_client's retries, backoff and long-poll chaining, with the network faked at the transport."""

import json

import httpx
import pytest

from escalq_client import Escalq, RateLimited, Retries
from escalq_client._calls import next_wait

ESCALATION = {
    "id": "0b0e0f6a-0000-4000-8000-000000000001",
    "status": "assigned",
    "priority": "medium",
    "issue_description": "x",
    "context_data": {},
    "created_at": "2026-11-22T09:00:00+00:00",
}


class Script:
    """A transport answering from a list: a response, or an exception to raise; it records requests."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(script: Script, slept: list[float], **kwargs) -> Escalq:
    return Escalq(
        "http://escalq.test", "eq_key", transport=httpx.MockTransport(script), sleep=slept.append, **kwargs
    )


def test_429_waits_retry_after_and_reuses_the_idempotency_key():
    script = Script(
        httpx.Response(429, headers={"Retry-After": "2"}, json={"title": "Too Many Requests"}),
        httpx.ConnectError("refused"),
        httpx.Response(201, json={**ESCALATION, "duplicate": False}),
    )
    slept: list[float] = []

    created = client(script, slept).create("Refund?")

    assert created.id == ESCALATION["id"]
    assert slept[0] == 2
    assert len(slept) == 2 and 0 < slept[1] <= 1.0
    keys = {request.headers["Idempotency-Key"] for request in script.requests}
    assert len(keys) == 1 and len(script.requests) == 3


def test_a_lost_answer_to_create_is_retried():
    script = Script(httpx.ReadError("connection reset"), httpx.Response(201, json=ESCALATION))
    slept: list[float] = []

    client(script, slept).create("Refund?")

    assert len(script.requests) == 2
    assert script.requests[0].headers["Idempotency-Key"] == script.requests[1].headers["Idempotency-Key"]


def test_a_lost_answer_to_add_context_is_not_repeated():
    script = Script(httpx.ReadError("connection reset"))

    with pytest.raises(httpx.ReadError):
        client(script, []).add_context(ESCALATION["id"], {"a": 1})

    assert len(script.requests) == 1


def test_rate_limited_after_the_last_retry_carries_retry_after():
    limited = {"title": "Too Many Requests", "detail": "over 30 per minute", "retry_after_s": 7}
    script = Script(*[httpx.Response(429, headers={"Retry-After": "7"}, json=limited) for _ in range(3)])
    slept: list[float] = []

    with pytest.raises(RateLimited) as error:
        client(script, slept, retries=Retries(max_retries=2)).create("Refund?")

    assert error.value.retry_after == 7 and error.value.detail == "over 30 per minute"
    assert slept == [7, 7]


def test_a_retry_after_longer_than_the_limit_is_raised_not_slept():
    script = Script(httpx.Response(429, headers={"Retry-After": "3600"}, json={"title": "Too Many Requests"}))
    slept: list[float] = []

    with pytest.raises(RateLimited):
        client(script, slept).get(ESCALATION["id"])

    assert slept == []


def test_503_backs_off_exponentially():
    script = Script(*[httpx.Response(503, json={"title": "Service Unavailable"}) for _ in range(3)])
    script.answers.append(httpx.Response(200, json=ESCALATION))
    slept: list[float] = []

    client(script, slept, retries=Retries(backoff_s=1, max_retries=3)).get(ESCALATION["id"])

    assert 0.5 <= slept[0] <= 1 and 1 <= slept[1] <= 2 and 2 <= slept[2] <= 4


def test_wait_for_decision_chains_long_polls_up_to_the_timeout():
    now = [0.0]
    waits: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        wait = request.url.params.get("wait")
        if wait is not None:
            waits.append(int(wait))
            now[0] += int(wait)  # the server held it that long: nothing changed
        return httpx.Response(200, json=ESCALATION)

    escalq = Escalq(
        "http://escalq.test", "eq_key", transport=httpx.MockTransport(answer), clock=lambda: now[0]
    )

    decision = escalq.wait_for_decision(ESCALATION["id"], timeout_s=130)

    assert waits == [55, 55, 20]
    assert decision.timed_out and decision.status == "assigned"


def test_wait_for_decision_stops_at_a_final_status():
    answers = iter(
        [
            ESCALATION,
            {**ESCALATION, "status": "claimed"},
            {**ESCALATION, "status": "expired", "fallback": "refuse"},
        ]
    )
    escalq = Escalq(
        "http://escalq.test",
        "eq_key",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=next(answers))),
    )

    decision = escalq.wait_for_decision(ESCALATION["id"], timeout_s=3600)

    assert decision.expired and decision.fallback == "refuse" and decision.resolution is None


@pytest.mark.parametrize(("remaining", "wait"), [(0.5, None), (1, 1), (54.9, 54), (55, 55), (600, 55)])
def test_next_wait(remaining, wait):
    assert next_wait(remaining) == wait


def test_a_problem_that_is_not_json_still_raises():
    script = Script(httpx.Response(502, text="<html>bad gateway</html>"))

    with pytest.raises(Exception) as error:
        client(script, []).get(ESCALATION["id"])

    assert error.value.status == 502 and "bad gateway" in json.dumps(error.value.problem)
