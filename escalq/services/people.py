"""Reviewers, agents and their API keys."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from escalq.models import Agent, ApiKey, Reviewer, Role
from escalq.services.agent_secrets import new_encrypted
from escalq.services.errors import Conflict, Invalid, NotFound
from escalq.services.passwords import check_password
from escalq.services.secrets import IssuedKey, hash_password, new_api_key


@dataclass(frozen=True)
class NewAgent:
    """A created agent with its one-time secrets."""

    agent: Agent
    api_key: str
    webhook_secret: str


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively; we store them lower-cased."""
    normalized = email.strip().lower()
    local, _, domain = normalized.partition("@")
    if not local or "." not in domain or " " in normalized:
        raise Invalid(f"{email!r} is not an email address")
    return normalized


def create_agent(*, session: Session, name: str, now: datetime) -> NewAgent:
    """Register an agent and issue its first API key and webhook signing secret."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("an agent name must be 1 to 100 characters")
    if session.exec(select(Agent).where(Agent.name == name)).first() is not None:
        raise Conflict(f"an agent named {name!r} already exists")
    secret, encrypted = new_encrypted()
    agent = Agent(name=name, webhook_secret_encrypted=encrypted, created_at=now)
    session.add(agent)
    session.flush()
    key = _store_key(session=session, now=now, agent_id=agent.id)
    return NewAgent(agent=agent, api_key=key.plaintext, webhook_secret=secret)


def agent_named(*, session: Session, name: str) -> Agent:
    """The agent called `name`, or NotFound."""
    agent = session.exec(select(Agent).where(Agent.name == name.strip())).first()
    if agent is None:
        raise NotFound(f"no agent named {name!r}")
    return agent


def create_reviewer(
    *,
    session: Session,
    email: str,
    display_name: str,
    password: str,
    role: Role = Role.reviewer,
    active: bool = True,
    now: datetime,
) -> Reviewer:
    """Add a human; `active` puts them in the assignment pool."""
    email = normalize_email(email)
    if not display_name.strip():
        raise Invalid("a display name is required")
    check_password(password, email=email, display_name=display_name)
    if session.exec(select(Reviewer).where(Reviewer.email == email)).first() is not None:
        raise Conflict(f"a reviewer with email {email!r} already exists")
    reviewer = Reviewer(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        active=active,
        created_at=now,
    )
    session.add(reviewer)
    session.flush()
    return reviewer


def issue_reviewer_key(*, session: Session, email: str, now: datetime) -> tuple[Reviewer, str]:
    """A new API key for the reviewer with this email; returns the plaintext once."""
    reviewer = find_reviewer(session=session, email=email)
    if reviewer.disabled_at is not None:
        raise Conflict(f"{reviewer.email} is disabled; enable them before issuing a key")
    key = _store_key(session=session, now=now, reviewer_id=reviewer.id)
    return reviewer, key.plaintext


def find_reviewer(*, session: Session, email: str) -> Reviewer:
    """The reviewer with this email (any case), or NotFound."""
    reviewer = session.exec(select(Reviewer).where(Reviewer.email == normalize_email(email))).first()
    if reviewer is None:
        raise NotFound(f"no reviewer with email {email!r}")
    return reviewer


def _store_key(
    *,
    session: Session,
    now: datetime,
    agent_id: uuid.UUID | None = None,
    reviewer_id: uuid.UUID | None = None,
) -> IssuedKey:
    key = new_api_key()
    session.add(
        ApiKey(
            prefix=key.prefix,
            key_hash=key.key_hash,
            agent_id=agent_id,
            reviewer_id=reviewer_id,
            created_at=now,
        )
    )
    session.flush()
    return key
