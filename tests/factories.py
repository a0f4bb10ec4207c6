"""Plain factory functions; each commits so the live API sees the rows."""

import itertools
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from escalq.clock import utc_now
from escalq.models import Agent, Escalation, Priority, Reviewer, Role
from escalq.schemas.escalation import EscalationCreate
from escalq.schemas.policy import PolicyDocument
from escalq.services import escalations, people, policies
from escalq.services.outbound import Outbound, configured
from escalq.services.secrets import hash_password

PASSWORD = "correct-horse-battery"
_cases = itertools.count(1)


@dataclass(frozen=True)
class AgentWithKey:
    agent: Agent
    api_key: str
    webhook_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass(frozen=True)
class ReviewerWithKey:
    reviewer: Reviewer
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@lru_cache
def _password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once."""
    return hash_password(PASSWORD)


def make_agent(session: Session, name: str = "agent-a", *, disabled: bool = False) -> AgentWithKey:
    created = people.create_agent(session=session, name=name, now=utc_now())
    created.agent.disabled = disabled
    session.add(created.agent)
    session.commit()
    return AgentWithKey(created.agent, created.api_key, created.webhook_secret)


def make_reviewer(
    session: Session,
    email: str = "rev@example.com",
    *,
    role: Role = Role.reviewer,
    active: bool = True,
    created_at: datetime | None = None,
) -> ReviewerWithKey:
    reviewer = Reviewer(
        email=email,
        display_name=email.split("@")[0].title(),
        password_hash=_password_hash(),
        role=role,
        active=active,
        created_at=created_at or utc_now(),
    )
    session.add(reviewer)
    session.commit()
    _, api_key = people.issue_reviewer_key(session=session, email=email, now=utc_now())
    session.commit()
    return ReviewerWithKey(reviewer, api_key)


def make_escalation(
    session: Session,
    agent: Agent,
    *,
    priority: Priority = Priority.medium,
    description: str | None = None,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
    rule: str | None = None,
    sampled: bool = False,
) -> Escalation:
    """A new escalation (with `rule` or `sampled`, as the decision gate opens them); the default
    description carries a case number, so it is never folded as a repeat."""
    data = EscalationCreate(
        issue_description=description or f"Refund above my limit, case {next(_cases)}",
        priority=priority,
        context_data=context or {},
    )
    created = escalations.create(
        session=session,
        data=data,
        agent=agent,
        outbound=configured(),
        now=now or utc_now(),
        rule=rule,
        sampled=sampled,
    )
    session.commit()
    return created.escalation


def make_reviewers(
    session: Session, count: int, *, prefix: str = "rev", role: Role = Role.reviewer, active: bool = True
) -> list[ReviewerWithKey]:
    """`count` reviewers named <prefix>-<n>@example.com, created in that order."""
    return [
        make_reviewer(session, f"{prefix}-{n:02d}@example.com", role=role, active=active)
        for n in range(count)
    ]


def make_on_call_reviewer(
    session: Session, email: str = "oncall@example.com", *, active: bool = False, role: Role = Role.reviewer
) -> ReviewerWithKey:
    """A reviewer told about urgent escalations nobody holds; out of the assignment pool unless `active`."""
    made = make_reviewer(session, email, role=role, active=active)
    made.reviewer.on_call = True
    session.add(made.reviewer)
    session.commit()
    return made


def make_resolved_escalation(
    session: Session,
    agent: Agent,
    reviewer: Reviewer,
    *,
    webhook_url: str | None = None,
    priority: Priority = Priority.high,
    description: str = "Refund above my limit",
    context: dict[str, Any] | None = None,
    resolution: str = "approved",
    notes: str = "Within policy",
    outbound: Outbound | None = None,
    now: datetime | None = None,
) -> Escalation:
    """An escalation opened by `agent` and resolved by `reviewer` (a supervisor, or its assignee)."""
    data = EscalationCreate(
        issue_description=description, priority=priority, context_data=context or {}, webhook_url=webhook_url
    )
    at = now or utc_now()
    escalation = escalations.create(
        session=session, data=data, agent=agent, outbound=outbound or configured(), now=at
    ).escalation
    escalations.resolve(
        session=session, escalation_id=escalation.id, by=reviewer, resolution=resolution, notes=notes, now=at
    )
    session.commit()
    return escalation


def use_policy(session: Session, document: dict[str, Any], *, now: datetime | None = None) -> int:
    """Propose `document` (as an admin made here) and activate it; returns its version number."""
    at = now or utc_now()
    policies.current(session)  # version 1 first, as in production
    author = make_reviewer(session, f"policy-author-{next(_cases)}@example.com", role=Role.admin).reviewer
    row = policies.propose(session=session, document=document, author=author, comment="test", now=at)
    policies.activate(session=session, number=row.number, by=None, approval_required=False, now=at)
    session.commit()
    return row.number


def make_active_policy(session: Session, changes: dict[str, dict[str, Any]]) -> int:
    """A new policy version, the defaults with `changes` by section, proposed and activated by an admin."""
    document = PolicyDocument().model_dump(mode="json")
    for section, values in changes.items():
        document[section].update(values)
    return use_policy(session, document)
