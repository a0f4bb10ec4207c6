"""Agents' webhook signing secrets: stored encrypted, rotated with an overlap, re-encrypted on a new key."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from escalq.models import Agent, Reviewer
from escalq.services import vault
from escalq.services.audit import record_security_event
from escalq.services.errors import Invalid, NotFound
from escalq.services.secrets import new_webhook_secret

MAX_OVERLAP_H = 720.0  # 30 days: longer, and a leaked old secret stays useful for too long


@dataclass(frozen=True)
class Rotated:
    """A rotated secret: `secret` is shown once; the old one still signs until `previous_until`, if set."""

    agent: Agent
    secret: str
    previous_until: datetime | None


def new_encrypted() -> tuple[str, str]:
    """A new secret and its stored (encrypted) form; encrypting first means a missing key stores nothing."""
    secret = new_webhook_secret()
    return secret, vault.encrypt(secret)


def rotate(
    *, session: Session, agent_id: uuid.UUID, by: Reviewer | None, overlap_hours: float, now: datetime
) -> Rotated:
    """Give the agent a new secret; the current one keeps signing deliveries, alongside, for the overlap.

    Rotating again within an overlap retires the oldest secret at once: only the two newest are kept.
    """
    if not (math.isfinite(overlap_hours) and 0 <= overlap_hours <= MAX_OVERLAP_H):
        raise Invalid(f"the overlap must be 0 to {MAX_OVERLAP_H:g} hours", field="overlap_hours")
    overlap = timedelta(hours=overlap_hours)
    agent = session.get(Agent, agent_id, with_for_update=True)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}")
    secret, encrypted = new_encrypted()
    until = now + overlap if overlap else None
    # Re-encrypting checks the old secret still opens (and moves it to the first key) before it is kept.
    agent.previous_webhook_secret_encrypted = (
        vault.reencrypt(agent.webhook_secret_encrypted, what=_what(agent)) if until else None
    )
    agent.previous_webhook_secret_until = until
    agent.webhook_secret_encrypted = encrypted
    session.add(agent)
    record_security_event(
        session=session,
        action="agent.webhook_secret_rotated",
        subject=agent.name,
        by=by,
        now=now,
        details={
            "agent_id": str(agent.id),
            "overlap_hours": overlap_hours,
            "previous_valid_until": until.isoformat() if until else None,
        },
    )
    return Rotated(agent=agent, secret=secret, previous_until=until)


def signing_secrets(*, agent: Agent, now: datetime) -> list[str]:
    """What a delivery is signed with at `now`: the current secret, and the previous one in its overlap."""
    secrets = [vault.decrypt(agent.webhook_secret_encrypted, what=_what(agent))]
    if previous_until(agent, now) and agent.previous_webhook_secret_encrypted:
        secrets.append(vault.decrypt(agent.previous_webhook_secret_encrypted, what=_what(agent, "previous")))
    return secrets


def reencrypt_all(*, session: Session, now: datetime) -> int:
    """Encrypt every stored secret again under the first key; returns how many.

    Run after putting a new key first in ESCALQ_SECRET_KEY: afterwards the old key can be dropped.
    Previous secrets whose overlap is over are deleted instead.
    """
    count = 0
    for agent in session.exec(select(Agent).order_by(col(Agent.id)).with_for_update()):
        agent.webhook_secret_encrypted = vault.reencrypt(agent.webhook_secret_encrypted, what=_what(agent))
        count += 1
        if previous_until(agent, now) and agent.previous_webhook_secret_encrypted:
            agent.previous_webhook_secret_encrypted = vault.reencrypt(
                agent.previous_webhook_secret_encrypted, what=_what(agent, "previous")
            )
            count += 1
        else:
            agent.previous_webhook_secret_encrypted = agent.previous_webhook_secret_until = None
        session.add(agent)
    session.flush()
    return count


def previous_until(agent: Agent, now: datetime) -> datetime | None:
    """Until when the previous secret still signs, or None when only the current one does."""
    until = agent.previous_webhook_secret_until
    return until if until is not None and now < until else None


def _what(agent: Agent, which: str = "") -> str:
    return f"the {which + ' ' if which else ''}webhook secret of agent {agent.name!r}"
