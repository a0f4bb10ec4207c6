"""escalq_client against the real app: create, read, list, add context, wait, and the errors."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from escalq_client import (
    AsyncEscalq,
    AuthError,
    Conflict,
    Escalq,
    NotFound,
    ValidationError,
)
from tests.api.waiters import until, waiting_now
from tests.factories import make_agent, make_escalation, make_resolved_escalation, make_reviewer

DECISION = {"resolution": "approved", "resolution_notes": "Within policy"}


@pytest.fixture
def agent(session):
    return make_agent(session)


@pytest.fixture
def escalq(api_url, agent):
    with Escalq(api_url, agent.api_key) as client:
        yield client


def test_create_get_list_add_context(escalq, session):
    make_reviewer(session)

    created = escalq.create(
        "Refund of 1,200 EUR, over my limit", priority="high", context={"order": 7}, fallback="refuse"
    )
    fetched = escalq.get(created.id)
    page = escalq.list(status=["assigned"])
    added = escalq.add_context(created.id, {"customer_since": 2019}, note="a loyal customer")

    assert created.status == "assigned" and not created.duplicate
    assert fetched.id == created.id and fetched.priority == "high" and fetched.fallback == "refuse"
    assert [item.id for item in page.items] == [created.id] and page.next_cursor is None
    assert added.context_data == {"order": 7, "customer_since": 2019}
    assert fetched.raw["events"][0]["action"] == "created"


def test_a_repeat_with_the_same_dedupe_key_is_folded(escalq):
    first = escalq.create("Delete my account", dedupe_key="ticket-9")
    again = escalq.create("Delete my account, please", dedupe_key="ticket-9")

    assert again.id == first.id and again.duplicate


def test_errors_carry_the_problem(escalq, api_url, session):
    other = make_agent(session, "agent-b")
    theirs = make_escalation(session, other.agent)
    admin = make_reviewer(session, "admin@example.com", role="admin")
    second = make_agent(session, "agent-c")
    done = make_resolved_escalation(session, second.agent, admin.reviewer)

    with pytest.raises(ValidationError) as invalid:
        escalq.create("Something", priority="whenever")
    with pytest.raises(NotFound):
        escalq.get(str(theirs.id))
    with pytest.raises(AuthError) as unauthorized, Escalq(api_url, "esq_not-a-key") as stranger:
        stranger.get(str(theirs.id))
    with pytest.raises(Conflict) as conflict, Escalq(api_url, second.api_key) as owner:
        owner.add_context(str(done.id), {"late": True})

    assert invalid.value.status == 422
    assert "body.priority" in invalid.value.field_errors
    assert unauthorized.value.status == 401 and unauthorized.value.detail
    assert conflict.value.status == 409


def test_wait_for_decision_returns_the_resolution(escalq, api_url, client, session):
    reviewer = make_reviewer(session)
    created = escalq.create("Approve a 30-day extension?", fallback="decline")

    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(escalq.wait_for_decision, created.id, 120)
        until(lambda: waiting_now() == 1)
        client.patch(f"/api/escalations/{created.id}/resolve", headers=reviewer.headers, json=DECISION)
        decision = waiting.result(timeout=10)

    assert decision.resolved and not decision.expired and not decision.timed_out
    assert (decision.status, decision.resolution, decision.notes) == ("resolved", "approved", "Within policy")
    assert decision.fallback == "decline"


def test_wait_for_decision_times_out_with_the_current_status(escalq, session):
    make_reviewer(session)
    created = escalq.create("Approve a 30-day extension?")

    decision = escalq.wait_for_decision(created.id, timeout_s=1)

    assert decision.timed_out and decision.status == "assigned" and decision.resolution is None


def test_async_client(api_url, agent, client, session):
    reviewer = make_reviewer(session)

    async def run():
        async with AsyncEscalq(api_url, agent.api_key) as escalq:
            created = await escalq.create("Send the contract as is?", priority="urgent")
            resolve = threading.Timer(
                0.3,
                lambda: client.patch(
                    f"/api/escalations/{created.id}/resolve", headers=reviewer.headers, json=DECISION
                ),
            )
            resolve.start()
            decision = await escalq.wait_for_decision(created.id, timeout_s=30)
            resolve.join()
            listed = await escalq.list()
            return created, decision, listed

    created, decision, listed = asyncio.run(run())

    assert decision.resolution == "approved"
    assert [item.id for item in listed.items] == [created.id]


def test_evaluate_continues_escalates_and_opens_on_request(escalq, session):
    make_reviewer(session)

    fine = escalq.evaluate(confidence=0.95, latency_ms=120, amount=30)
    risky = escalq.evaluate(confidence=0.99, flags=["irreversible"])
    opened = escalq.evaluate(
        confidence=0.2, create=True, issue_description="Refund, unsure", fallback="refuse"
    )

    assert (fine.decision, fine.escalate, fine.rule, fine.priority, fine.escalation) == (
        "continue",
        False,
        None,
        None,
        None,
    )
    assert (risky.decision, risky.rule, risky.priority, risky.policy_version) == (
        "escalate",
        "irreversible",
        "urgent",
        1,
    )
    assert risky.reason and not risky.sampled
    assert opened.escalation is not None
    assert (opened.rule, opened.escalation.priority, opened.escalation.status) == (
        "low-confidence",
        "high",
        "assigned",
    )
    assert opened.escalation.raw["rule"] == "low-confidence"
    with pytest.raises(ValidationError) as invalid:
        escalq.evaluate(confidence=0.2, create=True)
    assert list(invalid.value.field_errors) == ["body.issue_description"]


def test_async_evaluate(api_url, agent):
    async def run():
        async with AsyncEscalq(api_url, agent.api_key) as escalq:
            return await escalq.evaluate(data_completeness=0.4, confidence=0.9)

    found = asyncio.run(run())

    assert (found.decision, found.rule, found.priority) == ("escalate", "incomplete-data", "medium")
