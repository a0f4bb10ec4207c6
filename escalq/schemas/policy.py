"""A policy document: every threshold that decides how escalations behave, as one validated value."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from escalq.config import Settings
from escalq.schemas.gate import Gate
from escalq.schemas.inputs import NonBlank


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeoutAction(StrEnum):
    """What a priority's timeout does when it fires."""

    oncall = "oncall"  # tell whoever is on call
    bump = "bump"  # sort it with the urgent ones
    managers = "managers"  # tell the managers
    none = "none"  # nothing: the minutes remain its SLA


class Timeouts(_Section):
    """Minutes an escalation may wait unclaimed before its priority's action fires (and its SLA).

    The minutes' names say the default action; `*_action` may choose another.
    """

    urgent_oncall_after_min: float = Field(60, gt=0, description="Urgent: minutes before its action")
    high_bump_after_min: float = Field(240, gt=0, description="High: minutes before its action")
    medium_managers_after_min: float = Field(1440, gt=0, description="Medium: minutes before its action")
    urgent_action: TimeoutAction = TimeoutAction.oncall
    high_action: TimeoutAction = TimeoutAction.bump
    medium_action: TimeoutAction = TimeoutAction.managers


# What the agent is told to do when an escalation that named no fallback of its own expires.
Fallback = Annotated[str, Field(max_length=64), NonBlank()] | None


class Expiry(_Section):
    """Minutes unclaimed before an escalation expires, and the fallback (`deny`, `proceed`, a sentence) the
    agent is told to use when it gave none (none: the webhook's `fallback` stays null)."""

    urgent_after_min: float = Field(240, gt=0)
    high_after_min: float = Field(1440, gt=0)
    medium_after_min: float = Field(4320, gt=0)
    low_after_min: float = Field(10080, gt=0)
    urgent_fallback: Fallback = None
    high_fallback: Fallback = None
    medium_fallback: Fallback = None
    low_fallback: Fallback = None


class Notifications(_Section):
    """Which configured channels urgent notices use; one the environment lacks stays off."""

    slack: bool = True
    email: bool = True


class Loops(_Section):
    """A repeat resolved within the window is a suspected loop; near repeats at this similarity (0-100)."""

    window_min: float = Field(60, gt=0)
    similarity: float = Field(90, ge=0, le=100)


class AgentLimits(_Section):
    """Attempts an agent may make, unless an admin set its own."""

    rate_per_minute: int = Field(600, ge=1)
    daily_budget: int = Field(50_000, ge=1)


class ContextLimits(_Section):
    max_context_bytes: int = Field(65_536, ge=1)
    max_description_chars: int = Field(20_000, ge=1)


class PolicyDocument(_Section):
    """One version's content; unknown keys are refused so a typo cannot silently keep a default."""

    timeouts: Timeouts = Timeouts()
    expiry: Expiry = Expiry()
    notifications: Notifications = Notifications()
    loops: Loops = Loops()
    agent_limits: AgentLimits = AgentLimits()
    context: ContextLimits = ContextLimits()
    gate: Gate = Gate()

    @classmethod
    def from_settings(cls, settings: Settings) -> "PolicyDocument":
        """Version 1: the environment's values, and the default decision-gate rules."""
        return cls(
            timeouts=Timeouts(
                urgent_oncall_after_min=settings.urgent_oncall_after_min,
                high_bump_after_min=settings.high_bump_after_min,
                medium_managers_after_min=settings.medium_managers_after_min,
            ),
            expiry=Expiry(
                urgent_after_min=settings.expire_urgent_after_min,
                high_after_min=settings.expire_high_after_min,
                medium_after_min=settings.expire_medium_after_min,
                low_after_min=settings.expire_low_after_min,
            ),
            loops=Loops(window_min=settings.loop_window_min, similarity=settings.similarity_threshold),
            agent_limits=AgentLimits(
                rate_per_minute=settings.agent_rate_per_minute, daily_budget=settings.agent_daily_budget
            ),
            context=ContextLimits(
                max_context_bytes=settings.max_context_bytes,
                max_description_chars=settings.max_description_chars,
            ),
        )
