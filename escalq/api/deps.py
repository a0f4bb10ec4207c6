"""Request dependencies: a database session and the caller's identity."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from escalq.db import new_session
from escalq.models import Agent, Reviewer
from escalq.services.auth import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <API key>")


def get_session() -> Iterator[Session]:
    """A session per request; routes commit explicitly, anything uncommitted is rolled back."""
    with new_session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header_key: Annotated[str | None, Security(_header)],
) -> Principal:
    """The agent or reviewer whose key came with the request."""
    return authenticate(session=session, api_key=bearer.credentials if bearer is not None else header_key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_agent(principal: PrincipalDep) -> Agent:
    return principal.require_agent()


def get_reviewer(principal: PrincipalDep) -> Reviewer:
    return principal.require_reviewer()


AgentDep = Annotated[Agent, Depends(get_agent)]
ReviewerDep = Annotated[Reviewer, Depends(get_reviewer)]
