"""The closed vocabularies of the domain, stored as text with CHECK constraints."""

from enum import StrEnum


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class Warranted(StrEnum):
    """A reviewer's word, when resolving, on whether the agent was right to escalate."""

    yes = "yes"
    no = "no"
    unsure = "unsure"


class Verdict(StrEnum):
    """The decision gate's answer to an agent."""

    continue_ = "continue"
    escalate = "escalate"


class Status(StrEnum):
    pending = "pending"
    assigned = "assigned"
    claimed = "claimed"
    needs_info = "needs_info"
    resolved = "resolved"
    expired = "expired"


class Role(StrEnum):
    reviewer = "reviewer"
    manager = "manager"
    admin = "admin"


class ActorKind(StrEnum):
    agent = "agent"
    reviewer = "reviewer"
    system = "system"


PRIORITY_RANK: dict[Priority, int] = {
    Priority.low: 0,
    Priority.medium: 1,
    Priority.high: 2,
    Priority.urgent: 3,
}
STATUS_RANK: dict[Status, int] = {status: rank for rank, status in enumerate(Status)}
# Not yet final: needs_info waits on the agent, and then returns to its reviewer.
OPEN_STATUSES: tuple[Status, ...] = (Status.pending, Status.assigned, Status.claimed, Status.needs_info)
# Open and nobody has taken it yet: what timeouts, expiry and priority bumps apply to.
UNCLAIMED: tuple[Status, ...] = (Status.pending, Status.assigned)
