"""The tamper-evident trail: the audit log as two hash chains, sealed and verified.

Per escalation, the database links each event to the one before it in the insert itself (trigger
`escalation_events_chain`, alembic 0010): `seq`, `prev_hash` and `hash`, the SHA-256 of the row as JSON,
cost the create path no round trip. Globally, `seal` links committed events, in the order it finds them,
into one chain (`global_seq`, `global_prev_hash`, `global_hash = sha256(global_prev_hash + hash)`); one
sealer at a time (an advisory lock), run periodically by the scheduler and by `escalq audit seal`.
`verify` walks both chains and names the first broken link of each.
"""

import hashlib
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from escalq.models import EscalationEvent

_SEAL_LOCK = {"class_id": 1364, "key": 0}  # beside the chain trigger's class, 1363 (alembic 0010)
_STREAM = {"yield_per": 5_000}
SEAL_BATCH = 5_000


def link(prev_hash: str | None, event_hash: str) -> str:
    """A global link: the previous global hash and the event's own, hashed together."""
    return hashlib.sha256(f"{prev_hash or ''}{event_hash}".encode()).hexdigest()


def seal(*, session: Session, limit: int = SEAL_BATCH) -> int:
    """Seal up to `limit` committed, unsealed events into the global chain, oldest id first; returns how
    many. 0 when another sealer holds the lock (it will seal them)."""
    held = session.execute(text("SELECT pg_try_advisory_xact_lock(:class_id, :key)"), _SEAL_LOCK)
    if not held.scalar_one():
        return 0
    head = session.exec(
        select(EscalationEvent.global_seq, EscalationEvent.global_hash)
        .where(col(EscalationEvent.global_seq).is_not(None))
        .order_by(col(EscalationEvent.global_seq).desc())
        .limit(1)
    ).first()
    position, prev = head if head is not None else (0, None)
    unsealed = session.exec(
        select(EscalationEvent.id, EscalationEvent.hash)
        .where(col(EscalationEvent.global_seq).is_(None))
        .order_by(col(EscalationEvent.id))
        .limit(limit)
    ).all()
    seals = []
    for event_id, event_hash in unsealed:
        assert position is not None and event_hash is not None  # NOT NULL columns
        position += 1
        sealed = link(prev, event_hash)
        seals.append(
            {"id": event_id, "global_seq": position, "global_prev_hash": prev, "global_hash": sealed}
        )
        prev = sealed
    if seals:
        session.execute(update(EscalationEvent), seals)
    return len(seals)


def seal_all(*, transactions: Callable[[], AbstractContextManager[Session]]) -> int:
    """Seal every committed event, a batch per transaction from `transactions`; returns how many."""
    total = 0
    while True:
        with transactions() as session:
            sealed = seal(session=session)
        total += sealed
        if sealed < SEAL_BATCH:
            return total


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain: where, and what differs."""

    chain: str  # "escalation" or "global"
    escalation_id: uuid.UUID
    event_id: int
    problem: str


@dataclass(frozen=True)
class Verdict:
    events: int
    sealed: int
    head: str | None  # the last global hash: note it elsewhere, and a rewritten trail cannot match it
    breaks: list[Break]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(*, session: Session) -> Verdict:
    """Recompute every event's hash and walk both chains; the first broken link of each is reported."""
    events, escalation_break = _escalation_chains(session)
    sealed, head, global_break = _global_chain(session)
    breaks = [found for found in (escalation_break, global_break) if found is not None]
    return Verdict(events=events, sealed=sealed, head=head, breaks=breaks)


def _escalation_chains(session: Session) -> tuple[int, Break | None]:
    rows: Iterable[tuple[uuid.UUID, int, int, str | None, str, str]] = session.execute(
        text(
            "SELECT escalation_id, id, seq, prev_hash, hash, escalation_event_hash(e)"
            " FROM escalation_events e ORDER BY escalation_id, seq"
        ),
        execution_options=_STREAM,
    )
    count, first = 0, None
    previous: tuple[uuid.UUID, int, int, str] | None = None  # escalation, event id, seq, hash
    for escalation_id, event_id, seq, prev_hash, stored, recomputed in rows:
        count += 1
        if first is None:
            problem = _escalation_link(previous, escalation_id, seq, prev_hash, stored, recomputed)
            if problem is not None:
                first = Break("escalation", escalation_id, event_id, problem)
        previous = (escalation_id, event_id, seq, stored)
    return count, first


def _escalation_link(
    previous: tuple[uuid.UUID, int, int, str] | None,
    escalation_id: uuid.UUID,
    seq: int,
    prev_hash: str | None,
    stored: str,
    recomputed: str,
) -> str | None:
    """What is wrong with one link of an escalation's chain, or None."""
    if stored != recomputed:
        return f"its content does not match its hash (stored {stored[:12]}…, recomputed {recomputed[:12]}…)"
    if previous is None or previous[0] != escalation_id:
        if seq != 1:
            return f"its chain starts at seq {seq}, not 1: the events before it are missing"
        if prev_hash is not None:
            return "it is the first event but names a predecessor (prev_hash is set)"
        return None
    _, before_id, before_seq, before_hash = previous
    if seq != before_seq + 1:
        return f"seq jumps from {before_seq} (event {before_id}) to {seq}: events between them are missing"
    if prev_hash != before_hash:
        return (
            f"prev_hash {(prev_hash or 'null')[:12]}… is not the hash of event {before_id} "
            f"(seq {before_seq}, {before_hash[:12]}…): an event before it was changed or moved"
        )
    return None


def _global_chain(session: Session) -> tuple[int, str | None, Break | None]:
    rows: Iterable[tuple[uuid.UUID, int, int, str | None, str, str]] = session.execute(
        text(
            "SELECT escalation_id, id, global_seq, global_prev_hash, global_hash, hash FROM escalation_events"
            " WHERE global_seq IS NOT NULL ORDER BY global_seq"
        ),
        execution_options=_STREAM,
    )
    count, head, first = 0, None, None
    before_id: int | None = None
    for escalation_id, event_id, global_seq, global_prev, global_hash, event_hash in rows:
        count += 1
        if first is None:
            problem = _global_link(count, before_id, head, global_seq, global_prev, global_hash, event_hash)
            if problem is not None:
                first = Break("global", escalation_id, event_id, problem)
        head, before_id = global_hash, event_id
    return count, head, first


def _global_link(
    expected_seq: int,
    before_id: int | None,
    before_hash: str | None,
    global_seq: int,
    global_prev: str | None,
    global_hash: str,
    event_hash: str,
) -> str | None:
    """What is wrong with one link of the global chain, or None."""
    if global_seq != expected_seq:
        return f"global_seq is {global_seq} where {expected_seq} was expected: sealed events are missing"
    if global_prev != before_hash:
        where = "the chain's start" if before_id is None else f"the global hash of event {before_id}"
        return f"global_prev_hash is not {where}: an event before it was changed or moved"
    if global_hash != link(global_prev, event_hash):
        return "global_hash does not match its hash and the one before: the event or its seal was changed"
    return None
