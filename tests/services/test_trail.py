"""The tamper-evident trail: both hash chains are kept by the database and the sealer, and verify finds
an edited, a deleted and a reordered event."""

from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from escalq.db import session_scope
from escalq.models import Agent, Escalation, EscalationEvent
from escalq.services import escalations, trail
from tests.concurrency import at_once
from tests.factories import make_agent, make_escalation, make_reviewer


@dataclass(frozen=True)
class Lives:
    agent: Agent
    escalations: list[Escalation]


@pytest.fixture
def lives(session, now) -> Lives:
    """Two escalations, each created, assigned, claimed and resolved: four events apiece."""
    agent = make_agent(session).agent
    reviewer = make_reviewer(session).reviewer
    made = []
    for _ in range(2):
        escalation = make_escalation(session, agent, now=now)
        escalations.claim(session=session, escalation_id=escalation.id, by=reviewer, now=now)
        escalations.resolve(
            session=session,
            escalation_id=escalation.id,
            by=reviewer,
            resolution="approved",
            notes="",
            now=now,
        )
        session.commit()
        made.append(escalation)
    return Lives(agent, made)


def chain_of(session: Session, escalation: Escalation) -> list[EscalationEvent]:
    query = select(EscalationEvent).where(EscalationEvent.escalation_id == escalation.id)
    return list(session.exec(query.order_by(EscalationEvent.seq)))  # type: ignore[arg-type]


def tamper(session: Session, *statements: str, **params: object) -> None:
    """What someone with write access to the database could do, past the append-only trigger."""
    session.execute(text("SET LOCAL session_replication_role = replica"))
    for statement in statements:
        session.execute(text(statement), params)
    session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    session.expire_all()


def only_break(session: Session) -> trail.Break:
    verdict = trail.verify(session=session)
    assert not verdict.intact
    (found,) = verdict.breaks
    return found


def test_each_event_follows_the_one_before_it_in_its_escalation(session, lives):
    for escalation in lives.escalations:
        chain = chain_of(session, escalation)
        assert [event.seq for event in chain] == [1, 2, 3, 4]
        assert [event.action for event in chain] == ["created", "assigned", "claimed", "resolved"]
        assert chain[0].prev_hash is None
        assert [event.prev_hash for event in chain[1:]] == [event.hash for event in chain[:-1]]
        assert len({event.hash for event in chain}) == 4


def test_an_untouched_trail_verifies(session, lives):
    verdict = trail.verify(session=session)

    assert verdict.intact, verdict.breaks
    assert (verdict.events, verdict.sealed, verdict.head) == (8, 0, None)


def test_sealing_links_every_committed_event_into_one_chain(session, lives, now):
    assert trail.seal_all(transactions=session_scope) == 8
    assert trail.seal_all(transactions=session_scope) == 0
    make_escalation(session, lives.agent, now=now)

    assert trail.seal_all(transactions=session_scope) == 2  # its created and assigned, after the eight

    session.expire_all()
    sealed = list(session.exec(select(EscalationEvent).order_by(EscalationEvent.global_seq)))  # type: ignore[arg-type]
    assert [event.global_seq for event in sealed] == list(range(1, 11))
    assert sealed[0].global_prev_hash is None
    assert [event.global_prev_hash for event in sealed[1:]] == [event.global_hash for event in sealed[:-1]]
    assert all(event.global_hash == trail.link(event.global_prev_hash, event.hash) for event in sealed)
    verdict = trail.verify(session=session)
    assert verdict.intact, verdict.breaks
    assert (verdict.sealed, verdict.head) == (10, sealed[-1].global_hash)


def test_a_second_sealer_waits_its_turn(session, lives):
    with session_scope() as first:
        assert trail.seal(session=first) == 8
        with session_scope() as second:
            assert trail.seal(session=second) == 0  # the first holds the lock until it commits

    assert trail.verify(session=session).sealed == 8


def test_an_edited_event_is_named(session, lives):
    claimed = chain_of(session, lives.escalations[1])[2]
    tamper(session, "UPDATE escalation_events SET actor_name = 'Someone else' WHERE id = :id", id=claimed.id)

    found = only_break(session)

    assert (found.chain, found.escalation_id, found.event_id) == (
        "escalation",
        claimed.escalation_id,
        claimed.id,
    )
    assert "content does not match its hash" in found.problem


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(session, lives):
    claimed, resolved = chain_of(session, lives.escalations[0])[2:]
    tamper(
        session,
        'UPDATE escalation_events SET details = \'{"note": "forged"}\' WHERE id = :id',
        "UPDATE escalation_events e SET hash = escalation_event_hash(e) WHERE id = :id",
        id=claimed.id,
    )

    found = only_break(session)

    assert (found.chain, found.event_id) == ("escalation", resolved.id)
    assert f"is not the hash of event {claimed.id}" in found.problem


def test_a_recomputed_last_event_is_caught_by_the_seal(session, lives):
    """The last event of an escalation has no successor to break: its seal in the global chain does."""
    trail.seal_all(transactions=session_scope)
    resolved = chain_of(session, lives.escalations[1])[-1]
    tamper(
        session,
        'UPDATE escalation_events SET details = \'{"resolution": "rejected"}\' WHERE id = :id',
        "UPDATE escalation_events e SET hash = escalation_event_hash(e) WHERE id = :id",
        id=resolved.id,
    )

    found = only_break(session)

    assert (found.chain, found.event_id) == ("global", resolved.id)
    assert "global_hash does not match" in found.problem


def test_a_deleted_event_is_named_by_the_one_after_it(session, lives):
    _, assigned, claimed, _ = chain_of(session, lives.escalations[0])
    tamper(session, "DELETE FROM escalation_events WHERE id = :id", id=assigned.id)

    found = only_break(session)

    assert (found.chain, found.event_id) == ("escalation", claimed.id)
    assert "seq jumps from 1" in found.problem and "to 3" in found.problem


def test_a_deleted_first_event_is_named(session, lives):
    created, assigned, *_ = chain_of(session, lives.escalations[1])
    tamper(session, "DELETE FROM escalation_events WHERE id = :id", id=created.id)

    found = only_break(session)

    assert found.event_id == assigned.id
    assert "starts at seq 2" in found.problem


def test_a_deleted_sealed_last_event_leaves_a_gap_in_the_global_chain(session, lives):
    trail.seal_all(transactions=session_scope)
    resolved = chain_of(session, lives.escalations[0])[-1]
    gap = resolved.global_seq
    after = session.exec(select(EscalationEvent.id).where(EscalationEvent.global_seq == gap + 1)).one()  # type: ignore[operator]
    tamper(session, "DELETE FROM escalation_events WHERE id = :id", id=resolved.id)

    found = only_break(session)

    assert (found.chain, found.event_id) == ("global", after)
    assert f"global_seq is {gap + 1} where {gap} was expected" in found.problem


def test_reordered_events_are_named_even_with_their_hashes_recomputed(session, lives):
    _, assigned, claimed, _ = chain_of(session, lives.escalations[0])
    tamper(
        session,
        "UPDATE escalation_events SET seq = 100 WHERE id = :first",
        "UPDATE escalation_events SET seq = 2 WHERE id = :second",
        "UPDATE escalation_events SET seq = 3 WHERE id = :first",
        "UPDATE escalation_events e SET hash = escalation_event_hash(e) WHERE id IN (:first, :second)",
        first=assigned.id,
        second=claimed.id,
    )

    found = only_break(session)

    assert (found.chain, found.event_id) == ("escalation", claimed.id)  # now second, it names event 1's hash
    assert "prev_hash" in found.problem


def test_reordered_events_without_recomputing_are_edits(session, lives):
    _, assigned, claimed, _ = chain_of(session, lives.escalations[1])
    tamper(
        session,
        "UPDATE escalation_events SET seq = 100 WHERE id = :first",
        "UPDATE escalation_events SET seq = 2 WHERE id = :second",
        "UPDATE escalation_events SET seq = 3 WHERE id = :first",
        first=assigned.id,
        second=claimed.id,
    )

    found = only_break(session)

    assert found.event_id == claimed.id
    assert "content does not match its hash" in found.problem


def test_the_database_refuses_edits_and_a_second_seal(session, lives):
    trail.seal_all(transactions=session_scope)
    event = chain_of(session, lives.escalations[0])[0]
    for statement in (
        "UPDATE escalation_events SET action = 'tampered' WHERE id = :id",
        "UPDATE escalation_events SET global_seq = 99, global_hash = 'x' WHERE id = :id",
        "DELETE FROM escalation_events WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement), {"id": event.id})


def test_what_an_insert_says_of_its_chain_is_overwritten(session, lives, now):
    escalation = lives.escalations[0]
    session.add(
        EscalationEvent(
            escalation_id=escalation.id,
            at=now,
            actor_kind="system",
            actor_name="escalq",
            action="noted",
            to_status=escalation.status,
            seq=1,
            prev_hash=None,
            hash="0" * 64,
            global_seq=1,
            global_hash="0" * 64,
        )
    )
    session.commit()

    noted = chain_of(session, escalation)[-1]
    assert (noted.action, noted.seq, noted.global_seq) == ("noted", 5, None)
    assert trail.verify(session=session).intact


def test_transactions_adding_to_one_escalation_at_once_never_fork_its_chain(session, lives, now):
    """No row lock held, as a careless caller might: the trigger's own lock makes them take turns."""
    escalation = lives.escalations[0]

    def note(own: Session) -> None:
        for n in range(5):
            own.add(
                EscalationEvent(
                    escalation_id=escalation.id,
                    at=now,
                    actor_kind="system",
                    actor_name="escalq",
                    action=f"noted-{n}",
                    to_status=escalation.status,
                )
            )
            own.commit()

    at_once(note, count=4)

    assert [event.seq for event in chain_of(session, escalation)] == list(range(1, 25))
    assert trail.verify(session=session).intact
