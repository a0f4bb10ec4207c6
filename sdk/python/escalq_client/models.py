"""What escalq answers, as typed objects; `raw` keeps the whole JSON for anything not named here."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["pending", "assigned", "claimed", "needs_info", "resolved", "expired"]
Priority = Literal["low", "medium", "high", "urgent"]
FINAL_STATUSES = frozenset({"resolved", "expired"})


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@dataclass(frozen=True)
class Escalation:
    """One escalation as the API shows it."""

    id: str
    status: Status
    priority: Priority
    issue_description: str
    context_data: dict[str, Any]
    resolution: str | None
    resolution_notes: str | None
    fallback: str | None
    info_question: str | None
    created_at: datetime | None
    resolved_at: datetime | None
    expires_at: datetime | None
    duplicate: bool = False  # create only: folded into an open escalation of yours
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def final(self) -> bool:
        """Resolved or expired: it will not change again."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Escalation":
        return cls(
            id=data["id"],
            status=data["status"],
            priority=data["priority"],
            issue_description=data["issue_description"],
            context_data=data.get("context_data") or {},
            resolution=data.get("resolution"),
            resolution_notes=data.get("resolution_notes"),
            fallback=data.get("fallback"),
            info_question=data.get("info_question"),
            created_at=_time(data.get("created_at")),
            resolved_at=_time(data.get("resolved_at")),
            expires_at=_time(data.get("expires_at")),
            duplicate=bool(data.get("duplicate", False)),
            raw=data,
        )


@dataclass(frozen=True)
class Evaluation:
    """The decision gate's answer: `decision` continue or escalate, with the `priority` to escalate with,
    the `rule` that fired (None when none did, or when `sampled`: a continue escalated anyway for a
    human check), the `policy_version` that decided and its `reason`. `escalation` is the one opened
    with `create=True` (its `duplicate` true when folded into an open one of yours)."""

    evaluation_id: int
    decision: Literal["continue", "escalate"]
    priority: Priority | None
    rule: str | None
    policy_version: int
    reason: str
    sampled: bool
    escalation: Escalation | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def escalate(self) -> bool:
        """Hand this decision to a human (or, with create=True, wait for the escalation opened)."""
        return self.decision == "escalate"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Evaluation":
        opened = data.get("escalation")
        return cls(
            evaluation_id=data["evaluation_id"],
            decision=data["decision"],
            priority=data.get("priority"),
            rule=data.get("rule"),
            policy_version=data["policy_version"],
            reason=data["reason"],
            sampled=bool(data.get("sampled", False)),
            escalation=Escalation.from_json(opened) if isinstance(opened, dict) else None,
            raw=data,
        )


@dataclass(frozen=True)
class Page:
    """A page of a listing; pass `next_cursor` to `list` for the next one (None: this was the last)."""

    items: list[Escalation]
    next_cursor: str | None


@dataclass(frozen=True)
class Decision:
    """What became of an escalation you waited on.

    `status` "resolved": a human decided (`resolution`, `notes`); "expired": nobody did in time, do your
    `fallback`; anything else: still open when your timeout ran out (wait again, or give up).
    """

    escalation: Escalation

    @property
    def status(self) -> Status:
        return self.escalation.status

    @property
    def resolved(self) -> bool:
        return self.escalation.status == "resolved"

    @property
    def expired(self) -> bool:
        return self.escalation.status == "expired"

    @property
    def timed_out(self) -> bool:
        """Still open: your timeout ran out before anyone decided."""
        return not self.escalation.final

    @property
    def resolution(self) -> str | None:
        return self.escalation.resolution

    @property
    def notes(self) -> str | None:
        return self.escalation.resolution_notes

    @property
    def fallback(self) -> str | None:
        return self.escalation.fallback

    @property
    def question(self) -> str | None:
        """A reviewer's open question (status needs_info): answer with `add_context`."""
        return self.escalation.info_question
