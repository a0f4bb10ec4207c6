"""Plain factory functions; each commits so the live API sees the rows."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from escalq.clock import utc_now
from escalq.models import Agent, Escalation, Priority, Reviewer, Role
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations, people
from escalq.services.secrets import hash_password

PASSWORD = "correct-horse-battery"


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
    description: str = "Refund above my limit",
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Escalation:
    data = EscalationCreate(issue_description=description, priority=priority, context_data=context or {})
    escalation = escalations.create(session=session, data=data, agent=agent, now=now or utc_now())
    session.commit()
    return escalation
