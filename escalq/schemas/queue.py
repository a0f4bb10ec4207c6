"""Rows the dashboard shows: plain values only, never ORM objects."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EscalationSummary:
    """What every dashboard view of an escalation shows (the queue's rows, the escalation page)."""

    id: str
    priority: str
    bumped: bool
    status: str
    source_agent: str
    description: str
    category: str
    created_at: str
    repeat_count: int
    loop_suspected: bool


@dataclass(frozen=True)
class Deadline:
    """The next thing that happens to an unclaimed escalation by itself, and when."""

    label: str
    at: datetime
    counted_from: datetime


@dataclass(frozen=True)
class QueueRow(EscalationSummary):
    assignee: str
    mine: bool
    stale: bool
    oncall_notified: bool
    agent_not_told: bool  # its webhook gave up: the agent never heard the decision
    claimable: bool
    resolvable: bool
    # The next deadline the row counts down to ("" when none applies): what happens, when, counted since.
    deadline_label: str
    deadline_at: str
    deadline_from: str


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    total: int


@dataclass(frozen=True)
class UrgentAlert:
    """An urgent escalation waiting for its assignee, announced in the browser: masked, shortened."""

    id: str
    agent: str
    description: str
