"""The managers' figures; the dashboard and GET /api/metrics show the same values."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DurationStats:
    """Seconds; None when nothing was measured."""

    count: int
    avg_s: float | None
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class DurationBucket:
    start: datetime
    count: int
    avg_s: float | None
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class PriorityDuration:
    priority: str
    count: int
    avg_s: float | None


@dataclass(frozen=True)
class AgentRate:
    agent: str
    count: int
    per_bucket: float


@dataclass(frozen=True)
class Reason:
    category: str
    count: int


@dataclass(frozen=True)
class BacklogCell:
    status: str
    priority: str
    count: int


@dataclass(frozen=True)
class PriorityBreaches:
    priority: str
    total: int
    breached: int
    threshold_s: float


@dataclass(frozen=True)
class ReviewerBreaches:
    """Escalations a reviewer claimed, and how many of them had waited past their priority's timeout."""

    reviewer: str
    total: int
    breached: int


@dataclass(frozen=True)
class WebhookStats:
    succeeded: int
    failed: int
    pending: int
    success_rate: float | None
    # Escalations whose webhook gave up for good (nobody redelivered): their agents never heard. A
    # default, so figures cached before it was counted still read.
    agents_not_told: int = 0


@dataclass(frozen=True)
class Precision:
    """Of an agent's escalations whose resolver said whether escalating was warranted (yes or no; unsure
    ones are counted apart), the share that were: the number to tune an agent's thresholds by. `start` is
    the bucket's, or None for the whole range."""

    agent: str
    start: datetime | None
    judged: int
    warranted: int
    unsure: int
    precision: float | None


@dataclass(frozen=True)
class RulePrecision:
    """Precision of the escalations one decision-gate rule opened, over the range (as Precision)."""

    rule: str
    judged: int
    warranted: int
    unsure: int
    precision: float | None


@dataclass(frozen=True)
class SampledReview:
    """Escalations opened by the gate's audit sampling of `continue` decisions, and how many of those the
    resolver overturned (said escalating was warranted) among those judged yes or no."""

    sampled: int = 0
    judged: int = 0
    overturned: int = 0
    unsure: int = 0
    share: float | None = None


@dataclass(frozen=True)
class PrecisionRow:
    """An agent's or a rule's precision as the metrics page lists it: plain strings."""

    name: str
    precision: str
    counts: str


@dataclass(frozen=True)
class Metrics:
    start: datetime
    end: datetime
    agent: str | None
    bucket: str
    first_assignment: DurationStats
    first_assignment_over_time: list[DurationBucket]
    resolution_by_priority: list[PriorityDuration]
    rate_per_agent: list[AgentRate]
    top_reasons: list[Reason]
    backlog: list[BacklogCell]
    sla_breaches: list[PriorityBreaches]
    sla_by_reviewer: list[ReviewerBreaches]
    webhooks: WebhookStats
    # Defaults, so figures cached before they were counted still read.
    precision_by_agent: list[Precision] = field(default_factory=list)
    precision_over_time: list[Precision] = field(default_factory=list)
    precision_by_rule: list[RulePrecision] = field(default_factory=list)
    sampled_review: SampledReview = SampledReview()
