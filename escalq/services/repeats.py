"""Agents escalating the same issue again: fold repeats of open escalations, flag loops after resolution.

Exact repeats are found by keys computed here and stored with the escalation: `issue_key`, the
description up to word order, case and punctuation; `repeat_key`, that and the context. A unique partial
index over the open escalations (per agent, by `repeat_key` or by `dedupe_key`) makes the database the
judge, so concurrent creations need no lock: the second insert of a repeat finds the first and folds
into it. Near repeats of a resolved escalation (alike, not equal) cost the request nothing: the worker
links and flags them after the fact (`flag_near_loop`, with the categorization task).
"""

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import bindparam
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from escalq.models import OPEN_STATUSES, Agent, Escalation, Status
from escalq.services.audit import record_event

CANDIDATES = 200  # the most recent ones are enough; an agent with more resolved in the window is flooding


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


def issue_key(description: str) -> str:
    """The description's words, sorted, as a digest: equal for the same issue reworded by order, case or
    punctuation; numbers are words, so "order 1042" and "order 1043" differ, and so do "4,200" and "4200"."""
    words = sorted(_normalize(description).split())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


def repeat_key(description: str, context: dict[str, Any]) -> str:
    """The issue and its whole context: two open escalations of one agent never share it."""
    canonical = json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{issue_key(description)}\n{canonical}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Prior:
    """The escalation a request asks again: open (to fold into) or resolved in the loop window."""

    id: uuid.UUID
    open: bool


def _prior_query(*, by_dedupe_key: bool) -> Select[uuid.UUID, bool]:
    is_open = col(Escalation.status).in_(OPEN_STATUSES)
    resolved = (col(Escalation.status) == Status.resolved) & (
        col(Escalation.resolved_at) >= bindparam("since")
    )
    if by_dedupe_key:
        match = (col(Escalation.dedupe_key) == bindparam("dedupe_key")) & (is_open | resolved)
    else:
        match = (col(Escalation.issue_key) == bindparam("issue")) & (
            (is_open & (col(Escalation.repeat_key) == bindparam("key"))) | resolved
        )
    return (
        select(Escalation.id, is_open)
        .where(col(Escalation.source_agent) == bindparam("agent"), match)
        .order_by(is_open.desc(), col(Escalation.resolved_at).desc())
        .limit(1)
    )


# Built once (every create runs one): building a statement costs about what its round trip does.
_PRIOR = {by_dedupe_key: _prior_query(by_dedupe_key=by_dedupe_key) for by_dedupe_key in (True, False)}


def prior(
    *, session: Session, agent: Agent, dedupe_key: str | None, issue: str, key: str, since: datetime
) -> Prior | None:
    """One indexed lookup: the agent's open escalation this request repeats (the same dedupe_key when it
    has one, else the same issue and context), else its newest one resolved since `since` that it asks
    again (the same dedupe_key, else the same issue): a suspected loop."""
    params = {"agent": agent.name, "dedupe_key": dedupe_key, "issue": issue, "key": key, "since": since}
    found = session.execute(_PRIOR[dedupe_key is not None], params).first()
    return None if found is None else Prior(id=found[0], open=bool(found[1]))


def lock_open(*, session: Session, escalation_id: uuid.UUID) -> Escalation | None:
    """The escalation, locked until commit, if it is still open."""
    query = select(Escalation).where(
        col(Escalation.id) == escalation_id, col(Escalation.status).in_(OPEN_STATUSES)
    )
    return session.exec(query.with_for_update(), execution_options={"populate_existing": True}).first()


def flag_near_loop(
    *, session: Session, escalation_id: uuid.UUID, threshold: float, window: timedelta, now: datetime
) -> uuid.UUID | None:
    """The worker's half of loop detection: flag an escalation that reads like (not word for word) one of
    its agent's resolved within `window` before it was created, link it, and audit it. Returns the
    earlier one's id, or None (nothing like it, already flagged, or identified by its dedupe_key)."""
    escalation = session.get(Escalation, escalation_id, with_for_update=True)
    if escalation is None or escalation.loop_suspected or escalation.dedupe_key is not None:
        return None
    query = (
        select(Escalation)
        .where(
            col(Escalation.source_agent) == escalation.source_agent,
            col(Escalation.status) == Status.resolved,
            col(Escalation.resolved_at) >= escalation.created_at - window,
            col(Escalation.resolved_at) <= escalation.created_at,
        )
        .order_by(col(Escalation.resolved_at).desc())
        .limit(CANDIDATES)
    )
    earlier = next(
        (
            e
            for e in session.exec(query)
            if same_issue(e.issue_description, escalation.issue_description, threshold=threshold)
        ),
        None,
    )
    if earlier is None:
        return None
    escalation.loop_suspected, escalation.related_to = True, earlier.id
    session.add(escalation)
    record_event(
        session=session,
        escalation=escalation,
        action="loop_suspected",
        from_status=escalation.status,
        actor=None,
        now=now,
        details={"loop_suspected_of": str(earlier.id), "alike": True},
    )
    return earlier.id
