"""Admin work on people: the reviewer pool and roles, agents and their keys."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from escalq.models import Agent, ApiKey, Reviewer, Role
from escalq.schemas.admin import AgentRow, ReviewerRow
from escalq.services import agent_secrets, lockout, people, pool
from escalq.services.assignment import lock_pool
from escalq.services.audit import record_security_event
from escalq.services.errors import Conflict, Invalid, NotFound


def list_reviewers(*, session: Session, now: datetime) -> list[ReviewerRow]:
    """Every reviewer, by email, with whether they are disabled and until when sign-in is locked."""
    reviewers = list(session.exec(select(Reviewer).order_by(col(Reviewer.email))))
    locks = lockout.locks_of(session=session, emails=[r.email for r in reviewers], now=now)
    return [
        ReviewerRow(
            id=str(r.id),
            email=r.email,
            display_name=r.display_name,
            role=r.role.value,
            active=r.active,
            on_call=r.on_call,
            disabled=r.disabled_at is not None,
            locked_until=locks[r.email].isoformat() if r.email in locks else "",
        )
        for r in reviewers
    ]


def list_agents(*, session: Session, now: datetime) -> list[AgentRow]:
    """Every agent, by name, with the prefixes of its unrevoked keys and its secret's overlap, if one."""
    agents = list(session.exec(select(Agent).order_by(col(Agent.name))))
    live_keys = session.exec(
        select(ApiKey.agent_id, ApiKey.prefix)
        .where(col(ApiKey.agent_id).is_not(None), col(ApiKey.revoked_at).is_(None))
        .order_by(col(ApiKey.created_at), col(ApiKey.prefix))
    )
    prefixes: dict[uuid.UUID | None, list[str]] = {}
    for agent_id, prefix in live_keys:
        prefixes.setdefault(agent_id, []).append(prefix)
    return [
        AgentRow(
            id=str(a.id),
            name=a.name,
            disabled=a.disabled,
            key_prefixes=", ".join(prefixes.get(a.id, [])),
            created_at=a.created_at.isoformat(),
            previous_secret_until=_iso(agent_secrets.previous_until(a, now)),
            rate_per_minute=str(a.rate_per_minute or ""),
            daily_budget=str(a.daily_budget or ""),
            has_context_schema=a.context_schema is not None,
        )
        for a in agents
    ]


def _iso(at: datetime | None) -> str:
    return at.isoformat() if at else ""


@dataclass(frozen=True)
class ReviewerChange:
    reviewer: Reviewer
    touched: list[uuid.UUID]  # escalations assigned or handed back: their dashboards need telling


def set_reviewer_flags(
    *,
    session: Session,
    reviewer_id: uuid.UUID,
    by: Reviewer,
    active: bool | None = None,
    on_call: bool | None = None,
    role: Role | None = None,
    now: datetime,
) -> ReviewerChange:
    """Change what is given; refuses to leave escalq without an admin.

    `active` is only pool membership, so an admin may leave the pool freely. Joining the pool hands out
    the pending escalations at once; leaving it returns the leaver's unclaimed ones to round-robin.
    """
    if active is not None:
        # Taken before any reviewer row, as creation does: an escalation created meanwhile either sees
        # the change or is seen by it, and the two never wait on each other's rows (no deadlock).
        lock_pool(session=session)
    if role is not None:
        lock_admins(session=session)
    reviewer = session.get(Reviewer, reviewer_id, with_for_update=True, populate_existing=True)
    if reviewer is None:
        raise NotFound(f"no reviewer with id {reviewer_id}")
    demoted = reviewer.role == Role.admin and role not in (None, Role.admin)
    if demoted and no_other_admin(session=session, reviewer=reviewer):
        who = "you are" if reviewer.id == by.id else f"{reviewer.email} is"
        raise Conflict(f"{who} the last admin; make someone else an admin first")
    if reviewer.disabled_at is not None and (active or on_call):
        raise Conflict(f"{reviewer.email} is disabled; enable them first")
    was_active = reviewer.active
    if active is not None:
        reviewer.active = active
    if on_call is not None:
        reviewer.on_call = on_call
    if role is not None:
        reviewer.role = role
    session.add(reviewer)
    session.flush()
    touched: list[uuid.UUID] = []
    if reviewer.active and not was_active:
        touched = pool.assign_pending(session=session, now=now)
    elif was_active and not reviewer.active:
        touched = pool.hand_back(session=session, reviewer=reviewer, by=by, now=now)
    return ReviewerChange(reviewer, touched)


def no_other_admin(*, session: Session, reviewer: Reviewer) -> bool:
    """True when no enabled admin but `reviewer` is left (a disabled one cannot sign in to act)."""
    others = select(Reviewer.id).where(
        Reviewer.role == Role.admin, col(Reviewer.id) != reviewer.id, col(Reviewer.disabled_at).is_(None)
    )
    return session.exec(others).first() is None


def lock_admins(*, session: Session) -> None:
    """Lock every admin row (see below); taken before changing who is an admin or whether one can act."""
    # Two admins demoting each other at once must not both see the other stay: take every admin row, in id
    # order so concurrent callers queue instead of deadlocking, before reading any of them.
    session.exec(
        select(Reviewer.id).where(Reviewer.role == Role.admin).order_by(col(Reviewer.id)).with_for_update()
    ).all()


def set_agent_disabled(*, session: Session, agent_id: uuid.UUID, disabled: bool) -> Agent:
    """Disable (its keys stop working) or enable an agent; repeating is harmless."""
    agent = _agent(session=session, agent_id=agent_id)
    agent.disabled = disabled
    session.add(agent)
    session.flush()
    return agent


MAX_PER_MINUTE, MAX_PER_DAY = 100_000, 10_000_000


def set_agent_limits(
    *,
    session: Session,
    agent_id: uuid.UUID,
    per_minute: int | None,
    per_day: int | None,
    by: Reviewer | None,
    now: datetime,
) -> Agent:
    """Give the agent its own rate limit and daily budget; None goes back to the setting. Audited."""
    for value, highest, field in (
        (per_minute, MAX_PER_MINUTE, "per_minute"),
        (per_day, MAX_PER_DAY, "per_day"),
    ):
        if value is not None and not 1 <= value <= highest:
            raise Invalid(f"{field} must be 1 to {highest:,} (or empty for the default)", field=field)
    agent = _agent(session=session, agent_id=agent_id)
    agent.rate_per_minute, agent.daily_budget = per_minute, per_day
    session.add(agent)
    record_security_event(
        session=session,
        action="agent.limits_changed",
        subject=agent.name,
        by=by,
        now=now,
        details={"per_minute": per_minute, "per_day": per_day},
    )
    return agent


def rotate_agent_key(*, session: Session, agent_id: uuid.UUID, now: datetime) -> str:
    """Revoke every key the agent holds and issue a new one; returns its plaintext, shown once."""
    agent = _agent(session=session, agent_id=agent_id)
    current = session.exec(
        select(ApiKey).where(ApiKey.agent_id == agent.id, col(ApiKey.revoked_at).is_(None)).with_for_update()
    )
    for key in current:
        key.revoked_at = now
        session.add(key)
    # people owns how keys are stored; this is the one place besides it that issues one.
    return people._store_key(session=session, now=now, agent_id=agent.id).plaintext


def _agent(*, session: Session, agent_id: uuid.UUID) -> Agent:
    agent = session.get(Agent, agent_id, with_for_update=True)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}")
    return agent
