"""The policy versions as the policies page shows them: plain values."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyRow:
    number: int
    active: bool
    author: str
    author_id: str  # "" for version 1, made from the environment
    created_at: str  # ISO 8601, UTC
    comment: str
    approved: bool  # approved by a second admin (version 1 needs no approval)
    older: bool  # older than the active version: activating it is a rollback


@dataclass(frozen=True)
class FieldError:
    """One refused field of a proposed document: its dotted path and what is wrong."""

    path: str
    message: str


@dataclass(frozen=True)
class RuleTestRow:
    """One rule's part in a rule test (services.policies.replay.RuleChanges)."""

    rule: str
    before: int
    after: int
    to_escalate: int
    to_continue: int
    changed: int
