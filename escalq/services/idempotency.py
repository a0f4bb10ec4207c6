"""Idempotency-Key: a retried request gets the first answer again and creates nothing."""

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from escalq.models import Agent, IdempotencyKey
from escalq.services.errors import Conflict, Invalid

MAX_KEY_CHARS = 255


def fingerprint(body: dict[str, Any]) -> str:
    """The request, independent of key order and spacing."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def replay(*, session: Session, agent: Agent, key: str, request_hash: str) -> IdempotencyKey | None:
    """The stored answer for this key, or None the first time.

    Takes a lock on this agent's key until commit, so concurrent retries with it run one after the other
    (the second replays the first's answer); requests with other keys, or none, never wait for it.
    """
    if not key or len(key) > MAX_KEY_CHARS:
        raise Invalid(f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} characters", field="idempotency_key")
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"idem:{agent.id}:{key}"})
    stored = session.exec(
        select(IdempotencyKey).where(col(IdempotencyKey.agent_id) == agent.id, col(IdempotencyKey.key) == key)
    ).first()
    if stored is not None and stored.request_hash != request_hash:
        raise Conflict(
            "this Idempotency-Key was used for a different request; use a new key for a new request"
        )
    return stored


def remember(
    *,
    session: Session,
    agent: Agent,
    key: str,
    request_hash: str,
    status_code: int,
    response: dict[str, Any],
    now: datetime,
) -> None:
    """Keep the answer, in the same transaction as what it describes."""
    session.add(
        IdempotencyKey(
            agent_id=agent.id,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            response=response,
            created_at=now,
        )
    )
    session.flush()
