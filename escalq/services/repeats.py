"""Agents escalating the same issue again: fold repeats of open escalations, flag loops after resolution."""

import re
from collections.abc import Iterator
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import text
from sqlmodel import Session, col, select

from escalq.models import OPEN_STATUSES, Agent, Escalation, Status
from escalq.schemas.escalation import EscalationCreate

CANDIDATES = 200  # the most recent ones are enough; an agent with more open is already flooding


def lock_agent(*, session: Session, agent: Agent) -> None:
    """Serialize one agent's creations (until commit), so concurrent repeats see each other."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"agent:{agent.id}"})


def same_issue(a: str, b: str, *, threshold: float) -> bool:
    """Descriptions alike up to word order, case and punctuation, with the same numbers in them.

    Numbers (order ids, amounts) tell cases apart that read alike: "refund order 1042" and
    "refund order 1043" are two cases, never one.
    """
    return _numbers(a) == _numbers(b) and fuzz.token_sort_ratio(a, b, processor=_normalize) >= threshold


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:[.,]\d+)*", text))


def _normalize(value: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in value.lower()).split())


def open_repeat(
    *, session: Session, agent: Agent, data: EscalationCreate, threshold: float
) -> Escalation | None:
    """The agent's open escalation this request repeats: same dedupe_key, else the same description."""
    if data.dedupe_key is not None:
        query = select(Escalation).where(
            col(Escalation.source_agent) == agent.name,
            col(Escalation.dedupe_key) == data.dedupe_key,
            col(Escalation.status).in_(OPEN_STATUSES),
        )
        return session.exec(query.with_for_update()).first()
    # Without a dedupe_key only an identical context folds: two cases that read alike stay two.
    similar = _similar(
        session=session, agent=agent, data=data, threshold=threshold, statuses=OPEN_STATUSES, since=None
    )
    return next((e for e in similar if e.context_data == data.context_data), None)


def recent_resolution(
    *, session: Session, agent: Agent, data: EscalationCreate, threshold: float, since: datetime
) -> Escalation | None:
    """A resolved escalation of the agent, since `since`, that this request asks again: a suspected loop."""
    if data.dedupe_key is not None:
        query = (
            select(Escalation)
            .where(
                col(Escalation.source_agent) == agent.name,
                col(Escalation.dedupe_key) == data.dedupe_key,
                col(Escalation.status) == Status.resolved,
                col(Escalation.resolved_at) >= since,
            )
            .order_by(col(Escalation.resolved_at).desc())
        )
        return session.exec(query).first()
    similar = _similar(
        session=session, agent=agent, data=data, threshold=threshold, statuses=(Status.resolved,), since=since
    )
    return next(similar, None)


def _similar(
    *,
    session: Session,
    agent: Agent,
    data: EscalationCreate,
    threshold: float,
    statuses: tuple[Status, ...],
    since: datetime | None,
) -> Iterator[Escalation]:
    """The agent's recent escalations in `statuses` that read like this request, newest first."""
    query = select(Escalation).where(
        col(Escalation.source_agent) == agent.name, col(Escalation.status).in_(statuses)
    )
    if since is not None:
        query = query.where(col(Escalation.resolved_at) >= since)
    recent = session.exec(query.order_by(col(Escalation.created_at).desc()).limit(CANDIDATES))
    return (e for e in recent if same_issue(e.issue_description, data.issue_description, threshold=threshold))
