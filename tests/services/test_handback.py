"""Hand-back: a reviewer asks the agent, the agent's added context is the answer and returns it."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from escalq.models import (
    OPEN_STATUSES,
    ActorKind,
    ContextUpdate,
    Escalation,
    EscalationEvent,
    Role,
    Status,
    Task,
)
from escalq.services import escalations, expiry, handback, queue
from escalq.services.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from escalq.services.listing import EscalationFilter, Order, SortKey
from escalq.state.queue import STATUS_CHOICES
from tests.factories import make_agent, make_escalation, make_reviewer

HOOK = "https://agent.example/hooks/escalq"
LIMIT = 65_536
MINUTE = timedelta(minutes=1)


@pytest.fixture
def agent(session):
    return make_agent(session).agent


@pytest.fixture
def holder(session):
    return make_reviewer(session, "holder@example.com").reviewer


def held(session, agent, holder, now, *, claim=True, context=None):
    """An escalation of `agent`, assigned to `holder` (the only active reviewer), claimed unless told."""
    escalation = make_escalation(session, agent, context=context or {"order": "A-17", "amount": 420}, now=now)
    escalation.webhook_url = HOOK
    session.add(escalation)
    if claim:
        escalations.claim(session=session, escalation_id=escalation.id, by=holder, now=now)
    session.commit()
    assert escalation.assigned_to == holder.id
    return escalation


def ask(session, escalation, by, now, question="Which currency is the amount in?"):
    return handback.request_info(
        session=session, escalation_id=escalation.id, by=by, question=question, now=now
    )


def answer(session, escalation, agent, now, data=None, note=None):
    return handback.add_context(
        session=session,
        escalation_id=escalation.id,
        agent=agent,
        data={"currency": "EUR"} if data is None else data,
        note=note,
        now=now,
        max_context_bytes=LIMIT,
    )


def events(session, escalation):
    query = select(EscalationEvent).where(col(EscalationEvent.escalation_id) == escalation.id)
    return list(session.exec(query.order_by(col(EscalationEvent.id))))


def webhook_bodies(session, escalation):
    query = select(Task).where(col(Task.escalation_id) == escalation.id, col(Task.kind) == "webhook")
    return [task.payload["body"] for task in session.exec(query.order_by(col(Task.created_at)))]


def test_the_holder_hands_it_back_with_a_question(session, agent, holder, now):
    escalation = held(session, agent, holder, now)

    asked = ask(session, escalation, holder, now + MINUTE, question="  Which currency is the amount in?  ")

    assert asked.status == Status.needs_info
    assert (asked.info_question, asked.info_requested_by) == ("Which currency is the amount in?", holder.id)
    assert (asked.assigned_to, asked.resolution, asked.resolved_by) == (holder.id, None, None)
    last = events(session, escalation)[-1]
    assert (last.action, last.from_status, last.to_status) == (
        "info_requested",
        Status.claimed,
        Status.needs_info,
    )
    assert (last.actor_kind, last.actor_id) == (ActorKind.reviewer, holder.id)
    assert last.details == {"question": "Which currency is the amount in?"}
    (body,) = webhook_bodies(session, escalation)
    assert body == {
        "type": "escalation.info_requested",
        "escalation_id": str(escalation.id),
        "source_agent": "agent-a",
        "priority": "medium",
        "status": "needs_info",
        "question": "Which currency is the amount in?",
        "reviewer": "Holder",
        "reviewer_id": str(holder.id),
        "requested_at": (now + MINUTE).isoformat(),
        "answer_path": f"/api/escalations/{escalation.id}/context",
        "created_at": now.isoformat(),
        "context_data": {"order": "A-17", "amount": 420},
    }


def test_the_assignee_may_ask_before_claiming_and_it_counts_as_taking_it(session, agent, holder, now):
    escalation = held(session, agent, holder, now, claim=False)

    asked = ask(session, escalation, holder, now + MINUTE)

    assert (asked.status, asked.claimed_at) == (Status.needs_info, now + MINUTE)
    assert events(session, escalation)[-1].from_status == Status.assigned


def test_asking_the_same_again_is_harmless_but_a_new_question_waits(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    ask(session, escalation, holder, now)

    again = ask(session, escalation, holder, now + MINUTE)

    assert again.status == Status.needs_info
    assert [e.action for e in events(session, escalation)].count("info_requested") == 1
    assert len(webhook_bodies(session, escalation)) == 1
    with pytest.raises(Conflict, match="needs_info"):
        ask(session, escalation, holder, now, question="And the customer id?")


def test_only_the_holder_or_a_manager_may_ask(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    colleague = make_reviewer(session, "colleague@example.com").reviewer
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False).reviewer

    with pytest.raises(Forbidden):
        ask(session, escalation, colleague, now)
    asked = ask(session, escalation, manager, now)

    assert (asked.assigned_to, asked.info_requested_by) == (manager.id, manager.id)
    assert events(session, escalation)[-1].details["previously_assigned_to"] == str(holder.id)


@pytest.mark.parametrize("question", ["", "   ", "x" * 2001, "nul\x00"])
def test_the_question_must_be_sensible(session, agent, holder, now, question):
    escalation = held(session, agent, holder, now)

    with pytest.raises(Invalid) as refused:
        ask(session, escalation, holder, now, question=question)
    assert refused.value.field == "question"


def test_only_assigned_or_claimed_ones_can_be_handed_back(session, agent, holder, now):
    pending = make_escalation(session, agent, now=now)  # assigned: the holder is active
    pending.status, pending.assigned_to = Status.pending, None
    session.add(pending)
    resolved = held(session, agent, holder, now)
    escalations.resolve(
        session=session, escalation_id=resolved.id, by=holder, resolution="approved", notes="", now=now
    )
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False).reviewer

    for escalation in (pending, resolved):
        with pytest.raises(Conflict):
            ask(session, escalation, manager, now)


def test_the_answer_returns_it_to_the_asker_and_keeps_the_history(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    ask(session, escalation, holder, now)

    answered = answer(
        session, escalation, agent, now + MINUTE, data={"currency": "EUR", "amount": 430}, note="Corrected"
    )

    assert answered.status == Status.claimed
    assert (answered.assigned_to, answered.info_question, answered.info_requested_by) == (
        holder.id,
        None,
        None,
    )
    assert answered.context_data == {"order": "A-17", "amount": 430, "currency": "EUR"}
    (update,) = session.exec(select(ContextUpdate)).all()
    assert (update.escalation_id, update.at, update.note) == (escalation.id, now + MINUTE, "Corrected")
    assert update.data == {"currency": "EUR", "amount": 430}
    last = events(session, escalation)[-1]
    assert (last.action, last.from_status, last.to_status) == (
        "context_added",
        Status.needs_info,
        Status.claimed,
    )
    assert (last.actor_kind, last.actor_name) == (ActorKind.agent, "agent-a")
    assert last.details == {
        "keys": ["amount", "currency"],
        "note": "Corrected",
        "answers": "Which currency is the amount in?",
    }
    assert len(webhook_bodies(session, escalation)) == 1, "the reviewer sees it live; the agent gets nothing"


def test_an_answer_for_a_managers_question_goes_to_the_manager(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False).reviewer
    ask(session, escalation, manager, now)

    answered = answer(session, escalation, agent, now)

    assert (answered.status, answered.assigned_to) == (Status.claimed, manager.id)


def test_context_may_be_added_while_open_without_changing_the_status(session, agent, holder, now):
    escalation = held(session, agent, holder, now, claim=False)

    added = answer(session, escalation, agent, now, data={}, note="The customer called again")

    assert (added.status, added.assigned_to) == (Status.assigned, holder.id)
    assert added.context_data == {"order": "A-17", "amount": 420}
    last = events(session, escalation)[-1]
    assert (last.action, last.from_status, last.to_status) == (
        "context_added",
        Status.assigned,
        Status.assigned,
    )
    assert last.details == {"keys": [], "note": "The customer called again"}


def test_another_agents_escalation_looks_unknown(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    ask(session, escalation, holder, now)
    other = make_agent(session, "agent-b").agent

    with pytest.raises(NotFound):
        answer(session, escalation, other, now)
    session.expire_all()
    assert session.get(Escalation, escalation.id).status == Status.needs_info


def test_closed_escalations_take_no_more_context(session, agent, holder, now):
    resolved = held(session, agent, holder, now)
    escalations.resolve(
        session=session, escalation_id=resolved.id, by=holder, resolution="approved", notes="", now=now
    )
    expired = held(session, agent, holder, now, claim=False)
    expired.expires_at = now
    session.add(expired)
    assert expiry.expire_due(session=session, fallbacks={}, now=now) == [expired.id]

    for escalation in (resolved, expired):
        with pytest.raises(Conflict, match="only while it is open"):
            answer(session, escalation, agent, now)
    assert session.exec(select(ContextUpdate)).all() == []


def test_the_merged_context_must_fit_the_limit(session, agent, holder, now):
    escalation = held(session, agent, holder, now)

    with pytest.raises(TooLarge) as refused:
        answer(session, escalation, agent, now, data={"log": "x" * LIMIT})
    assert refused.value.field == "context_data"


def test_an_empty_addition_is_refused(session, agent, holder, now):
    escalation = held(session, agent, holder, now)

    with pytest.raises(Invalid):
        answer(session, escalation, agent, now, data={}, note="")


def test_the_exchange_lists_the_open_question_and_the_additions(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    ask(session, escalation, holder, now)
    answer(session, escalation, agent, now + MINUTE, data={"currency": "EUR"}, note="EUR")
    ask(session, escalation, holder, now + 2 * MINUTE, question="Which customer?")

    found = handback.exchange(session=session, escalation_id=escalation.id)

    assert (found.question, found.asked_by) == ("Which customer?", "Holder")
    (update,) = found.updates
    assert (update.at, update.added, update.note) == ((now + MINUTE).isoformat(), "currency", "EUR")
    assert '"currency": "EUR"' in update.json


def test_the_queue_shows_escalations_waiting_for_an_answer_as_open(session, agent, holder, now):
    escalation = held(session, agent, holder, now)
    ask(session, escalation, holder, now)

    found = queue.page(
        session=session,
        viewer=holder,
        scope=queue.Scope.mine,
        filters=EscalationFilter(statuses=list(OPEN_STATUSES)),
        sort=SortKey.priority,
        order=Order.desc,
        limit=10,
        cursor=None,
        rules={},
        now=now,
    )

    assert [(r.id, r.status, r.mine) for r in found.rows] == [(str(escalation.id), "needs_info", True)]
    assert "needs_info" in STATUS_CHOICES
