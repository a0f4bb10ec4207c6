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


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    total: int
