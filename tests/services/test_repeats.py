"""Agents asking again: repeats of open escalations are folded, repeats soon after a resolution flagged."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from escalq.config import get_settings
from escalq.models import ActorKind, Escalation, EscalationEvent, Priority, Status, Task, TaskKind
from escalq.schemas.escalation import EscalationCreate
from escalq.services import attempts, escalations, repeats
from escalq.services.escalations import Created
from escalq.services.outbound import configured
from tests.factories import make_agent, make_resolved_escalation, make_reviewer

MINUTE = timedelta(minutes=1)
DESCRIPTION = "Refund of 240 EUR for order 1042 exceeds my limit"


def send(
    session,
    agent,
    description: str = DESCRIPTION,
    *,
    now,
    context: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    priority: Priority = Priority.medium,
) -> Created:
    data = EscalationCreate(
        issue_description=description, priority=priority, context_data=context or {}, dedupe_key=dedupe_key
    )
    created = escalations.create(session=session, data=data, agent=agent, outbound=configured(), now=now)
    session.commit()
    return created


def row_count(session) -> int:
    return session.exec(select(func.count()).select_from(Escalation)).one()


def events(session, escalation, action: str | None = None) -> list[EscalationEvent]:
    query = select(EscalationEvent).where(EscalationEvent.escalation_id == escalation.id)
    if action is not None:
        query = query.where(EscalationEvent.action == action)
    return list(session.exec(query.order_by(col(EscalationEvent.id))))


def task_count(session) -> int:
    return session.exec(select(func.count()).select_from(Task)).one()


def test_an_identical_request_is_folded_into_the_open_escalation(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    first = send(session, agent, now=now, context={"order": 1042})
    tasks_before = task_count(session)

    again = send(session, agent, now=now + MINUTE, context={"order": 1042})

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.escalation.id == first.escalation.id
    assert row_count(session) == 1
    session.refresh(again.escalation)
    assert again.escalation.repeat_count == 1
    assert again.escalation.last_repeated_at == now + MINUTE
    # Folding changes neither who holds it nor its status, and queues no second categorization or notice.
    assert (again.escalation.status, again.escalation.assigned_to) == (Status.assigned, reviewer.id)
    assert task_count(session) == tasks_before
    (repeated,) = events(session, first.escalation, "repeated")
    assert (repeated.actor_kind, repeated.actor_id, repeated.at) == (ActorKind.agent, agent.id, now + MINUTE)
    assert (repeated.from_status, repeated.to_status) == (Status.assigned, Status.assigned)
    assert repeated.details == {
        "repeat": 1,
        "request": {"issue_description": DESCRIPTION, "priority": "medium", "context_data": {"order": 1042}},
    }


def test_word_order_case_and_punctuation_do_not_make_a_new_case(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, "Refund of 240 EUR for order 1042 exceeds my limit", now=now)

    again = send(session, agent, "refund for order 1042 of 240 EUR -- exceeds my limit!", now=now + MINUTE)

    assert again.duplicate is True
    assert again.escalation.id == first.escalation.id
    assert row_count(session) == 1
    (repeated,) = events(session, first.escalation, "repeated")
    assert (
        repeated.details["request"]["issue_description"]
        == "refund for order 1042 of 240 EUR -- exceeds my limit!"
    )


def test_each_repeat_is_counted_and_audited(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, now=now)

    for n in range(1, 4):
        again = send(session, agent, now=now + n * MINUTE)
        assert (again.duplicate, again.escalation.id) == (True, first.escalation.id)

    session.refresh(first.escalation)
    assert first.escalation.repeat_count == 3
    assert first.escalation.last_repeated_at == now + 3 * MINUTE
    assert [e.details["repeat"] for e in events(session, first.escalation, "repeated")] == [1, 2, 3]


def test_the_same_dedupe_key_folds_even_when_worded_differently(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, "Refund for order 1042?", now=now, dedupe_key="order-1042")

    again = send(
        session,
        agent,
        "Customer 77 is asking again about their money",
        now=now + MINUTE,
        context={"note": "different context too"},
        dedupe_key="order-1042",
    )

    assert again.duplicate is True
    assert again.escalation.id == first.escalation.id
    assert row_count(session) == 1
    session.refresh(first.escalation)
    assert first.escalation.repeat_count == 1
    assert first.escalation.dedupe_key == "order-1042"
    assert first.escalation.issue_description == "Refund for order 1042?"  # the first request's words stay


def test_a_different_dedupe_key_is_a_different_case_even_with_the_same_words(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, now=now, dedupe_key="order-1042")

    other = send(session, agent, now=now + MINUTE, dedupe_key="order-1043")

    assert other.duplicate is False
    assert other.escalation.id != first.escalation.id
    assert row_count(session) == 2
    assert (first.escalation.repeat_count, other.escalation.repeat_count) == (0, 0)


def test_similar_words_with_different_numbers_are_two_cases(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, "Refund of 240 EUR for order 1042 exceeds my limit", now=now)

    other = send(session, agent, "Refund of 240 EUR for order 1043 exceeds my limit", now=now + MINUTE)

    assert other.duplicate is False
    assert other.escalation.id != first.escalation.id
    assert row_count(session) == 2


def test_the_same_description_with_a_different_context_is_two_cases(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, now=now, context={"customer": "C-1"})

    other = send(session, agent, now=now + MINUTE, context={"customer": "C-2"})

    assert other.duplicate is False
    assert other.escalation.id != first.escalation.id
    assert row_count(session) == 2
    assert other.escalation.context_data == {"customer": "C-2"}


def test_a_repeat_folds_into_the_open_escalation_with_its_context_even_if_not_the_latest(session, now):
    # Two open escalations read alike but differ in context; a third request identical to the older one
    # repeats the older one, whatever the newer one holds.
    agent = make_agent(session).agent
    older = send(session, agent, now=now, context={"customer": "C-1"})
    newer = send(session, agent, now=now + MINUTE, context={"customer": "C-2"})
    assert newer.duplicate is False

    again = send(session, agent, now=now + 2 * MINUTE, context={"customer": "C-1"})

    assert again.duplicate is True
    assert again.escalation.id == older.escalation.id
    assert row_count(session) == 2


def test_another_agents_escalation_is_never_repeated(session, now):
    first_agent = make_agent(session, "agent-a").agent
    second_agent = make_agent(session, "agent-b").agent
    first = send(session, first_agent, now=now, dedupe_key="shared")

    other = send(session, second_agent, now=now + MINUTE, dedupe_key="shared")
    by_words = send(session, second_agent, "Totally unrelated words 5", now=now + 2 * MINUTE)
    plain = send(session, second_agent, now=now + 3 * MINUTE)

    assert [c.duplicate for c in (other, by_words, plain)] == [False, False, True]
    assert other.escalation.id != first.escalation.id
    assert plain.escalation.id == other.escalation.id  # agent-b's own, same words (no key needed)
    assert row_count(session) == 3


def test_a_resolved_escalation_is_not_folded_into(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    resolved = make_resolved_escalation(session, agent, reviewer, description=DESCRIPTION, now=now)

    again = send(session, agent, now=now + MINUTE)

    assert again.duplicate is False
    assert again.escalation.id != resolved.id
    assert again.escalation.repeat_count == 0
    assert row_count(session) == 2


def test_a_repeat_soon_after_a_resolution_is_flagged_as_a_loop(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    resolved = make_resolved_escalation(session, agent, reviewer, description=DESCRIPTION, now=now)
    within = now + timedelta(minutes=get_settings().loop_window_min) - MINUTE

    again = send(session, agent, "refund of 240 EUR for order 1042 exceeds my limit.", now=within)

    assert again.duplicate is False
    assert again.escalation.loop_suspected is True
    assert again.escalation.related_to == resolved.id
    assert again.escalation.status == Status.assigned  # still handed to a human
    (created,) = events(session, again.escalation, "created")
    assert created.details == {"loop_suspected_of": str(resolved.id)}


def test_a_repeat_after_the_loop_window_is_not_flagged(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    make_resolved_escalation(session, agent, reviewer, description=DESCRIPTION, now=now)
    after = now + timedelta(minutes=get_settings().loop_window_min) + MINUTE

    again = send(session, agent, now=after)

    assert again.duplicate is False
    assert (again.escalation.loop_suspected, again.escalation.related_to) == (False, None)
    (created,) = events(session, again.escalation, "created")
    assert created.details == {}


def test_a_loop_is_found_by_dedupe_key_too(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    first = send(session, agent, "Refund for order 1042?", now=now, dedupe_key="order-1042")
    escalations.resolve(
        session=session, escalation_id=first.escalation.id, by=reviewer, resolution="no", notes="", now=now
    )
    session.commit()

    again = send(session, agent, "Asking about it once more", now=now + 5 * MINUTE, dedupe_key="order-1042")

    assert again.duplicate is False
    assert (again.escalation.loop_suspected, again.escalation.related_to) == (True, first.escalation.id)


def test_a_different_case_after_a_resolution_is_not_a_loop(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    make_resolved_escalation(session, agent, reviewer, description=DESCRIPTION, now=now)

    other = send(session, agent, "Refund of 240 EUR for order 1043 exceeds my limit", now=now + MINUTE)

    assert (other.escalation.loop_suspected, other.escalation.related_to) == (False, None)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param("Refund order 1042 please", "please refund order 1042", True, id="word order"),
        pytest.param("REFUND, order #1042!", "refund order 1042", True, id="case and punctuation"),
        pytest.param("refund order 1042", "refund order 1043", False, id="another number"),
        pytest.param("refund order 1042", "refund order 1042 1043", False, id="an extra number"),
        pytest.param("refund 4,200 EUR", "refund 4200 EUR", False, id="amounts are compared as written"),
        pytest.param("Refund above my limit", "Please approve this newsletter", False, id="other words"),
    ],
)
def test_same_issue(a, b, same):
    assert repeats.same_issue(a, b, threshold=90) is same


def test_a_repeat_with_a_higher_priority_raises_the_open_one(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, now=now, priority=Priority.medium)
    again = send(session, agent, now=now + MINUTE, priority=Priority.urgent)
    assert again.duplicate and again.escalation.id == first.escalation.id
    assert again.escalation.priority == Priority.urgent
    (repeated,) = events(session, first.escalation, "repeated")
    assert repeated.details["priority_raised_from"] == "medium"


def test_a_near_repeat_of_a_resolution_is_flagged_by_the_worker(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    resolved = make_resolved_escalation(session, agent, reviewer, description=DESCRIPTION, now=now)
    worded = "Refund of 240 EUR for order 1042 exceeds my limits"

    again = send(session, agent, worded, now=now + MINUTE)

    assert (again.duplicate, again.escalation.loop_suspected) == (False, False)  # not word for word
    categorize = session.exec(
        select(Task).where(Task.escalation_id == again.escalation.id, Task.kind == TaskKind.categorize)
    ).one()
    attempts.run(session=session, task_id=categorize.id, config=configured(), clock=lambda: now + 2 * MINUTE)
    session.commit()
    session.refresh(again.escalation)
    assert (again.escalation.loop_suspected, again.escalation.related_to) == (True, resolved.id)
    (flagged,) = events(session, again.escalation, "loop_suspected")
    assert flagged.details == {"loop_suspected_of": str(resolved.id), "alike": True}


def test_the_worker_leaves_a_different_case_alone(session, now):
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    make_resolved_escalation(session, agent, reviewer, description=DESCRIPTION, now=now)
    other = send(session, agent, "Refund of 240 EUR for order 1043 exceeds my limits", now=now + MINUTE)

    flagged = repeats.flag_near_loop(
        session=session,
        escalation_id=other.escalation.id,
        threshold=90,
        window=timedelta(minutes=60),
        now=now + 2 * MINUTE,
    )

    assert flagged is None
    assert events(session, other.escalation, "loop_suspected") == []


def test_two_open_escalations_of_an_agent_never_share_a_repeat_key(session, now):
    agent = make_agent(session).agent
    first = send(session, agent, now=now)
    twin = Escalation(
        source_agent=agent.name,
        issue_description=DESCRIPTION,
        priority=Priority.medium,
        status=Status.pending,
        created_at=now,
        issue_key=first.escalation.issue_key,
        repeat_key=first.escalation.repeat_key,
    )
    session.add(twin)

    with pytest.raises(IntegrityError, match="uq_escalations_open_repeat_key"):
        session.flush()
