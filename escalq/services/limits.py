"""What an agent may send: size limits, a rate limit and daily budget, and when repeats count as loops."""

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from escalq.config import Settings
from escalq.models import ActorKind, Agent, EscalationEvent
from escalq.schemas.escalation import EscalationCreate
from escalq.services.errors import Throttled, TooLarge

# What counts as an attempt: a new escalation, or a repeat folded into an open one.
ATTEMPTS = ("created", "repeated")


@dataclass(frozen=True)
class Limits:
    max_context_bytes: int
    max_description_chars: int
    per_minute: int
    per_day: int
    similarity: float
    loop_window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(
            max_context_bytes=settings.max_context_bytes,
            max_description_chars=settings.max_description_chars,
            per_minute=settings.agent_rate_per_minute,
            per_day=settings.agent_daily_budget,
            similarity=settings.similarity_threshold,
            loop_window=timedelta(minutes=settings.loop_window_min),
        )


def check_size(data: EscalationCreate, *, limits: Limits) -> None:
    """413 with the numbers, and what to send instead, when the description or context is too big."""
    if len(data.issue_description) > limits.max_description_chars:
        raise TooLarge(
            f"issue_description is {len(data.issue_description)} characters; the limit is "
            f"{limits.max_description_chars}. Summarize the issue and put details in context_data.",
            field="body.issue_description",
        )
    size = len(json.dumps(data.context_data, separators=(",", ":"), ensure_ascii=False).encode())
    if size > limits.max_context_bytes:
        raise TooLarge(
            f"context_data is {size} bytes as JSON; the limit is {limits.max_context_bytes} bytes. Send what "
            "a reviewer needs to decide (ids, amounts, a short excerpt) and link to the rest (URLs or ids).",
            field="body.context_data",
        )


def admit(*, session: Session, agent: Agent, limits: Limits, now: datetime) -> None:
    """Refuse an agent over its rate limit or daily budget, and remember it tripped (the dashboard shows it).

    The caller holds the agent's lock, so concurrent requests count each other.
    """
    if agent.throttled_until is not None and agent.throttled_until > now:
        raise Throttled(
            f"agent {agent.name} is throttled ({agent.throttled_reason}); try again later",
            retry_after_s=_seconds_until(agent.throttled_until, now),
        )
    for window, allowed, label in (
        (timedelta(minutes=1), limits.per_minute, "per minute"),
        (timedelta(days=1), limits.per_day, "per day"),
    ):
        attempts = _attempts_since(session=session, agent=agent, since=now - window)
        if len(attempts) >= allowed:
            free_at = attempts[len(attempts) - allowed] + window
            agent.throttled_until = free_at
            agent.throttled_reason = f"more than {allowed} escalations {label}"
            session.add(agent)
            raise Throttled(
                f"agent {agent.name} made {len(attempts)} escalations in the last {window}; the limit is "
                f"{allowed} {label}. Repeats of an open escalation count too.",
                retry_after_s=_seconds_until(free_at, now),
            )
    if agent.throttled_until is not None:
        agent.throttled_until, agent.throttled_reason = None, None
        session.add(agent)


def _attempts_since(*, session: Session, agent: Agent, since: datetime) -> list[datetime]:
    """When this agent's attempts in the window happened, oldest first."""
    query = (
        select(EscalationEvent.at)
        .where(
            col(EscalationEvent.actor_kind) == ActorKind.agent,
            col(EscalationEvent.actor_id) == agent.id,
            col(EscalationEvent.action).in_(ATTEMPTS),
            col(EscalationEvent.at) > since,
        )
        .order_by(col(EscalationEvent.at))
    )
    return list(session.exec(query))


def _seconds_until(when: datetime, now: datetime) -> int:
    return max(1, math.ceil((when - now).total_seconds()))


def throttled_agents(*, session: Session, now: datetime) -> list[Agent]:
    """Agents refused right now, for the dashboard."""
    query = select(Agent).where(col(Agent.throttled_until) > now).order_by(col(Agent.name))
    return list(session.exec(query))
