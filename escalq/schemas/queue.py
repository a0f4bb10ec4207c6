"""Rows the dashboard shows: plain values only, never ORM objects."""

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueRow:
    id: str
    priority: str
    bumped: bool
    status: str
    source_agent: str
    description: str
    category: str
    assignee: str
    mine: bool
    created_at: str
    stale: bool
    oncall_notified: bool
    repeat_count: int
    loop_suspected: bool
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
