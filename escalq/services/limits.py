"""What an agent may send: size limits, a rate limit and daily budget, and when repeats count as loops."""

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from escalq import broker
from escalq.config import Settings
from escalq.models import Agent
from escalq.schemas.escalation import EscalationCreate
from escalq.services.errors import Throttled, TooLarge
from escalq.services.ratelimit import Counter, Window

_LABELS = {timedelta(minutes=1): "per minute", timedelta(days=1): "per day"}


@dataclass(frozen=True)
class Limits:
    max_context_bytes: int
    max_description_chars: int
    per_minute: int
    per_day: int
    similarity: float
    loop_window: timedelta
    # Where attempts are counted (a new escalation, or a repeat folded into an open one).
    counter: Counter = field(default_factory=lambda: Counter(redis=broker.redis))

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
            field="issue_description",
        )
    check_context(data.context_data, max_bytes=limits.max_context_bytes)


def check_context(context_data: dict[str, Any], *, max_bytes: int, merged: bool = False) -> None:
    """413 with the numbers, and what to send instead, when context_data is over `max_bytes` as compact
    JSON; `merged`: the stored context with an agent's additions."""
    size = len(json.dumps(context_data, separators=(",", ":"), ensure_ascii=False).encode())
    if size <= max_bytes:
        return
    found, rest = (
        (f"would be {size} bytes as JSON with these keys", "the rest")
        if merged
        else (f"is {size} bytes as JSON", "the rest (URLs or ids)")
    )
    raise TooLarge(
        f"context_data {found}; the limit is {max_bytes} bytes. Send what a reviewer needs to decide "
        f"(ids, amounts, a short excerpt) and link to {rest}.",
        field="context_data",
    )


def windows(*, agent: Agent, limits: Limits) -> tuple[Window, Window]:
    """The agent's rate limit and daily budget: its own where an admin set them, else the settings'."""
    return (
        Window(length=timedelta(minutes=1), allowed=agent.rate_per_minute or limits.per_minute),
        Window(length=timedelta(days=1), allowed=agent.daily_budget or limits.per_day),
    )


def admit(*, session: Session, agent: Agent, limits: Limits, now: datetime) -> None:
    """Refuse an agent over its rate limit or daily budget, and remember it tripped (the dashboard shows it).

    Counted in Redis (constant cost; see services.ratelimit), so concurrent requests count each other
    without a lock; with Redis down, requests are admitted (and a warning logged).
    """
    if agent.throttled_until is not None and agent.throttled_until > now:
        raise Throttled(
            f"agent {agent.name} is throttled ({agent.throttled_reason}); try again later",
            retry_after_s=_seconds_until(agent.throttled_until, now),
        )
    refusal = limits.counter.admit(
        subject=str(agent.id), windows=windows(agent=agent, limits=limits), now=now
    )
    if refusal is not None:
        allowed, label = refusal.window.allowed, _LABELS[refusal.window.length]
        agent.throttled_until = refusal.free_at
        agent.throttled_reason = f"more than {allowed} escalations {label}"
        session.add(agent)
        raise Throttled(
            f"agent {agent.name} made {refusal.attempts} escalations in the last {refusal.window.length}; "
            f"the limit is {allowed} {label}. Repeats of an open escalation count too.",
            retry_after_s=_seconds_until(refusal.free_at, now),
        )
    if agent.throttled_until is not None:
        agent.throttled_until, agent.throttled_reason = None, None
        session.add(agent)


def _seconds_until(when: datetime, now: datetime) -> int:
    return max(1, math.ceil((when - now).total_seconds()))


def throttled_agents(*, session: Session, now: datetime) -> list[Agent]:
    """Agents refused right now, for the dashboard."""
    query = select(Agent).where(col(Agent.throttled_until) > now).order_by(col(Agent.name))
    return list(session.exec(query))
