"""Who is calling: an API key resolves to exactly one agent or one reviewer."""

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from escalq.models import ActorKind, Agent, ApiKey, Reviewer, Role
from escalq.services.errors import Forbidden, Unauthorized
from escalq.services.secrets import key_matches, key_prefix


@dataclass(frozen=True)
class Principal:
    """The identity behind a request: an agent or a reviewer, never both."""

    agent: Agent | None = None
    reviewer: Reviewer | None = None

    @property
    def kind(self) -> ActorKind:
        return ActorKind.agent if self.agent is not None else ActorKind.reviewer

    @property
    def id(self) -> uuid.UUID:
        return self.agent.id if self.agent is not None else self.require_reviewer().id

    @property
    def name(self) -> str:
        return self.agent.name if self.agent is not None else self.require_reviewer().display_name

    def require_reviewer(self) -> Reviewer:
        """The reviewer, or Forbidden for an agent key."""
        if self.reviewer is None:
            raise Forbidden("this needs a reviewer API key; agent keys cannot do it")
        return self.reviewer

    def require_agent(self) -> Agent:
        """The agent, or Forbidden for a reviewer key."""
        if self.agent is None:
            raise Forbidden("this needs an agent API key; reviewer keys cannot do it")
        return self.agent


# Built once: every API request runs it.
_KEY_AND_OWNER = (
    select(ApiKey, Agent, Reviewer)
    .outerjoin(Agent, col(Agent.id) == col(ApiKey.agent_id))
    .outerjoin(Reviewer, col(Reviewer.id) == col(ApiKey.reviewer_id))
    .where(ApiKey.prefix == bindparam("prefix"), col(ApiKey.revoked_at).is_(None))
)


def authenticate(*, session: Session, api_key: str | None) -> Principal:
    """Resolve a presented key; missing, unknown, revoked or disabled keys are all Unauthorized."""
    if not api_key:
        raise Unauthorized("an API key is required (Authorization: Bearer <key> or X-API-Key: <key>)")
    # One round trip: the key with its owner (every API request pays for this).
    found = session.exec(_KEY_AND_OWNER, params={"prefix": key_prefix(api_key)}).first()
    if found is None or not key_matches(api_key, found[0].key_hash):
        raise Unauthorized("the API key is not valid")
    stored, agent, reviewer = found
    if stored.agent_id is not None:
        if agent is None or agent.disabled:
            raise Unauthorized("the agent behind this API key is disabled")
        return Principal(agent=agent)
    if reviewer is None:
        raise Unauthorized("the API key is not valid")
    if reviewer.disabled_at is not None:
        raise Unauthorized("the reviewer behind this API key is disabled")
    return Principal(reviewer=reviewer)


def is_supervisor(reviewer: Reviewer) -> bool:
    """Managers and admins may act on any escalation."""
    return reviewer.role in (Role.manager, Role.admin)
