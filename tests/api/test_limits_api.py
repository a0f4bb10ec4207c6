"""What an agent may send, over HTTP: 413 with the numbers when too big, 429 with Retry-After if too fast."""

from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import select

from escalq.config import get_settings
from escalq.models import Agent, Escalation, EscalationEvent
from escalq.services.outbound import configured
from tests.factories import make_agent, make_reviewer

URL = "/api/escalations"
VALID = {"issue_description": "Refund above my limit", "priority": "high"}
# Compact JSON of {"blob": "<n characters>"} is n + 11 bytes.
BLOB_OVERHEAD = len('{"blob":""}')


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def rows_written(session) -> tuple[int, int]:
    escalations = session.exec(select(func.count()).select_from(Escalation)).one()
    events = session.exec(select(func.count()).select_from(EscalationEvent)).one()
    return escalations, events


def blob_context(size: int) -> dict:
    """A context_data whose compact JSON is exactly `size` bytes."""
    return {"blob": "x" * (size - BLOB_OVERHEAD)}


@pytest.fixture
def agent(session):
    make_reviewer(session)
    return make_agent(session)


def test_context_just_over_64_kib_is_413_with_both_sizes(client, session, agent):
    limit = get_settings().max_context_bytes
    assert limit == 65_536

    response = client.post(
        URL, headers=agent.headers, json={**VALID, "context_data": blob_context(limit + 1)}
    )

    body = assert_problem(response, 413)
    assert "context_data is 65537 bytes as JSON; the limit is 65536 bytes" in body["detail"]
    assert body["errors"] == [
        {"field": "body.context_data", "message": body["detail"], "type": "value_error"}
    ]
    assert rows_written(session) == (0, 0)


def test_context_of_exactly_64_kib_is_accepted(client, session, agent):
    context = blob_context(get_settings().max_context_bytes)

    response = client.post(URL, headers=agent.headers, json={**VALID, "context_data": context})

    assert response.status_code == 201, response.text
    assert response.json()["context_data"] == context


def test_description_over_20000_characters_is_413_with_both_numbers(client, session, agent):
    limit = get_settings().max_description_chars
    assert limit == 20_000

    response = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": "x" * (limit + 1)})

    body = assert_problem(response, 413)
    assert "issue_description is 20001 characters; the limit is 20000" in body["detail"]
    assert [error["field"] for error in body["errors"]] == ["body.issue_description"]
    assert rows_written(session) == (0, 0)


def test_description_of_exactly_20000_characters_is_accepted(client, session, agent):
    description = "y" * get_settings().max_description_chars

    response = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": description})

    assert response.status_code == 201, response.text
    assert response.json()["issue_description"] == description


def test_a_body_over_1_mib_is_413_before_it_is_parsed(client, session, agent):
    # Not even JSON: a parser would answer 422, so a 413 shows the body was refused unread.
    content = b"{" + b"x" * get_settings().max_body_bytes

    response = client.post(
        URL, headers={**agent.headers, "Content-Type": "application/json"}, content=content
    )

    body = assert_problem(response, 413)
    assert "the limit is 1048576 bytes" in body["detail"]
    assert "errors" not in body
    assert rows_written(session) == (0, 0)


def test_a_body_over_1_mib_is_413_before_the_key_is_checked(client, session):
    content = b"x" * (get_settings().max_body_bytes + 1)

    response = client.post(URL, headers={"Content-Type": "application/json"}, content=content)

    body = assert_problem(response, 413)
    assert "1048576" in body["detail"]


@pytest.fixture
def rate_of_three() -> Iterator[int]:
    """The API (same process) allows 3 attempts per agent per minute, for this test only."""

    def reload() -> None:
        get_settings.cache_clear()
        configured.cache_clear()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCALQ_AGENT_RATE_PER_MINUTE", "3")
        reload()
        assert configured().limits.per_minute == 3
        yield 3
    reload()
    assert configured().limits.per_minute == 600


def test_over_the_rate_is_429_with_retry_after(client, session, agent, rate_of_three):
    for n in range(rate_of_three):
        created = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": f"Order {n}"})
        assert created.status_code == 201, created.text

    response = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": "Order 3"})

    body = assert_problem(response, 429)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["retry_after_s"] == retry_after
    assert "the limit is 3 per minute" in body["detail"]
    assert rows_written(session)[0] == 3
    session.expire_all()
    stored = session.get(Agent, agent.agent.id)
    assert stored.throttled_reason == "more than 3 escalations per minute"
    assert stored.throttled_until is not None

    again = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": "Order 4"})

    body = assert_problem(again, 429)
    assert "throttled (more than 3 escalations per minute)" in body["detail"]
    assert 1 <= int(again.headers["Retry-After"]) <= retry_after
    assert rows_written(session)[0] == 3


def test_one_agent_over_the_rate_does_not_slow_another(client, session, agent, rate_of_three):
    other = make_agent(session, "agent-b")
    for n in range(rate_of_three + 1):
        client.post(URL, headers=agent.headers, json={**VALID, "issue_description": f"Order {n}"})

    response = client.post(URL, headers=other.headers, json=VALID)

    assert response.status_code == 201, response.text
