"""Agents that retry or repeat themselves, over HTTP: Idempotency-Key replays, folded repeats, loop flags."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from escalq.models import Escalation, EscalationEvent, IdempotencyKey
from tests.factories import make_agent, make_on_call_reviewer, make_resolved_escalation, make_reviewer

URL = "/api/escalations"
BODY = {
    "issue_description": "Refund of 240 EUR for order 1042 exceeds my limit",
    "priority": "high",
    "context_data": {"order": 1042},
}


def row_count(session) -> int:
    return session.exec(select(func.count()).select_from(Escalation)).one()


def actions(session, escalation_id: str) -> list[str]:
    query = select(EscalationEvent.action).where(EscalationEvent.escalation_id == uuid.UUID(escalation_id))
    return list(session.exec(query.order_by(col(EscalationEvent.id))))


def post(client, agent, body=BODY, *, key: str | None = None) -> httpx.Response:
    headers = {**agent.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(URL, headers=headers, json=body)


@pytest.fixture
def agent(session):
    make_reviewer(session)
    return make_agent(session)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(client, session, agent):
    first = post(client, agent, key="req-1")
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    events_before = actions(session, first.json()["id"])

    retry = post(client, agent, key="req-1")

    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert retry.json()["duplicate"] is False
    assert row_count(session) == 1
    assert actions(session, first.json()["id"]) == events_before == ["created", "assigned"]


def test_a_replayed_duplicate_keeps_its_200_and_is_not_counted_again(client, session, agent):
    original = post(client, agent)
    first = post(client, agent, key="req-2")
    assert (first.status_code, first.json()["duplicate"]) == (200, True)
    assert first.json()["id"] == original.json()["id"]
    assert first.json()["repeat_count"] == 1

    retry = post(client, agent, key="req-2")

    assert retry.status_code == 200, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    session.expire_all()
    assert session.get(Escalation, uuid.UUID(original.json()["id"])).repeat_count == 1
    assert actions(session, original.json()["id"]).count("repeated") == 1


def test_the_same_key_with_a_different_body_is_409(client, session, agent):
    first = post(client, agent, key="req-3")
    assert first.status_code == 201, first.text

    other = post(client, agent, {**BODY, "issue_description": "Something else, order 7"}, key="req-3")

    assert other.status_code == 409, other.text
    assert other.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["detail"]
    assert row_count(session) == 1


def test_key_order_and_spacing_do_not_make_a_different_body(client, session, agent):
    first = post(client, agent, key="req-4")
    reordered = client.post(
        URL,
        headers={**agent.headers, "Idempotency-Key": "req-4", "Content-Type": "application/json"},
        content=(
            b'{ "context_data": {"order": 1042}, "priority": "high",\n'
            b'  "issue_description": "Refund of 240 EUR for order 1042 exceeds my limit" }'
        ),
    )

    assert reordered.status_code == 201, reordered.text
    assert reordered.headers["Idempotent-Replayed"] == "true"
    assert reordered.json()["id"] == first.json()["id"]


def test_keys_belong_to_one_agent(client, session, agent):
    other = make_agent(session, "agent-b")
    mine = post(client, agent, key="shared-key")

    theirs = post(client, other, key="shared-key")

    assert theirs.status_code == 201, theirs.text
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["source_agent"] == "agent-b"
    assert row_count(session) == 2
    assert session.exec(select(func.count()).select_from(IdempotencyKey)).one() == 2


def test_a_key_over_255_characters_is_422_naming_the_header(client, session, agent):
    response = post(client, agent, key="k" * 256)

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["header.idempotency-key"]
    assert row_count(session) == 0


def test_a_refused_request_is_not_remembered(client, session, agent):
    too_big = post(client, agent, {**BODY, "issue_description": "x" * 20_001}, key="req-5")
    assert too_big.status_code == 413, too_big.text

    fixed = post(client, agent, {**BODY, "issue_description": "x" * 20_001}, key="req-5")

    assert fixed.status_code == 413
    assert "Idempotent-Replayed" not in fixed.headers
    assert session.exec(select(func.count()).select_from(IdempotencyKey)).one() == 0


def run_at_once(api_url: str, count: int, request) -> list[httpx.Response]:
    """`count` calls of `request(client)`, each on its own connection, released together."""
    go = threading.Event()

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=api_url, timeout=60) as own:
            assert go.wait(timeout=30)
            return request(own)

    with ThreadPoolExecutor(max_workers=count) as workers:
        futures = [workers.submit(one, n) for n in range(count)]
        go.set()
        return [future.result() for future in futures]


def test_ten_concurrent_repeats_make_one_escalation(api_url, session, agent):
    responses = run_at_once(api_url, 10, lambda own: post(own, agent))

    assert sorted(r.status_code for r in responses) == [200] * 9 + [201], [r.text for r in responses]
    bodies = [r.json() for r in responses]
    assert len({b["id"] for b in bodies}) == 1
    assert sorted(b["duplicate"] for b in bodies) == [False] + [True] * 9
    assert sorted(b["repeat_count"] for b in bodies) == list(range(10))
    assert row_count(session) == 1
    (escalation,) = session.exec(select(Escalation)).all()
    assert escalation.repeat_count == 9
    assert actions(session, str(escalation.id)).count("repeated") == 9
    assert actions(session, str(escalation.id)).count("created") == 1


def test_concurrent_retries_with_one_key_make_one_escalation(api_url, session, agent):
    responses = run_at_once(api_url, 6, lambda own: post(own, agent, key="burst"))

    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.headers.get("Idempotent-Replayed", "no") for r in responses) == ["no"] + ["true"] * 5
    assert row_count(session) == 1
    (escalation,) = session.exec(select(Escalation)).all()
    assert escalation.repeat_count == 0


def test_a_repeat_answers_200_with_the_open_escalation(client, session, agent):
    first = post(client, agent)

    again = post(
        client, agent, {**BODY, "issue_description": "refund of 240 EUR for order 1042: exceeds my limit"}
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["duplicate"] is True
    assert again.json()["repeat_count"] == 1
    assert again.json()["issue_description"] == BODY["issue_description"]
    assert again.json()["pool"] == {"active_reviewers": 1, "on_call_now": False}


def test_a_resent_resolved_escalation_is_a_new_one_flagged_as_a_loop(client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session).reviewer
    resolved = make_resolved_escalation(
        session, agent.agent, reviewer, description=BODY["issue_description"], context={"order": 1042}
    )

    again = post(client, agent)

    assert again.status_code == 201, again.text
    created = again.json()
    assert created["id"] != str(resolved.id)
    assert created["duplicate"] is False
    assert created["loop_suspected"] is True
    assert created["related_to"] == str(resolved.id)
    detail = client.get(f"{URL}/{created['id']}", headers=agent.headers).json()
    assert detail["loop_suspected"] is True
    assert detail["events"][0]["action"] == "created"
    assert detail["events"][0]["details"] == {"loop_suspected_of": str(resolved.id)}


def test_the_answer_tells_the_agent_when_nobody_can_take_it(client, session):
    agent = make_agent(session)
    make_reviewer(session, "idle@example.com", active=False)

    alone = post(client, agent)
    make_on_call_reviewer(session, "oncall@example.com")
    with_on_call = post(client, agent, {**BODY, "issue_description": "Refund for order 7"})

    assert alone.status_code == 201, alone.text
    assert (alone.json()["status"], alone.json()["assigned_to"]) == ("pending", None)
    assert alone.json()["pool"] == {"active_reviewers": 0, "on_call_now": False}
    assert with_on_call.json()["pool"] == {"active_reviewers": 0, "on_call_now": True}
