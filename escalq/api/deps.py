"""Request dependencies: a database session and the caller's identity."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from escalq.db import new_session
from escalq.models import Agent, Reviewer
from escalq.services.auth import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: <API key>")


async def get_session() -> AsyncIterator[Session]:
    """A session per request; routes commit explicitly, anything uncommitted is rolled back.

    Opened on the event loop (it connects only at its first statement, in the route's thread), and closed
    there when the route committed, which gave its connection back already: a sync dependency would cost
    two hops to a worker thread and back on every request. One still holding a connection is closed in a
    worker thread, since its rollback waits on PostgreSQL.
    """
    session = new_session()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
HeaderKeyDep = Annotated[str | None, Security(_header)]


def _presented(bearer: HTTPAuthorizationCredentials | None, header_key: str | None) -> str | None:
    return bearer.credentials if bearer is not None else header_key


def get_principal(session: SessionDep, bearer: BearerDep, header_key: HeaderKeyDep) -> Principal:
    """The agent or reviewer whose key came with the request."""
    return authenticate(session=session, api_key=_presented(bearer, header_key))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_principal_then_release(bearer: BearerDep, header_key: HeaderKeyDep) -> Principal:
    """The caller, looked up in a session closed at once, in one worker thread: for requests that wait.

    Holding a connection (or a thread) from authentication to a late answer would let a few hundred
    waiting agents starve the pool.
    """

    def look_up() -> Principal:
        with new_session() as session:
            return authenticate(session=session, api_key=_presented(bearer, header_key))

    return await run_in_threadpool(look_up)


WaitingPrincipalDep = Annotated[Principal, Depends(get_principal_then_release)]


# Async, as they wait on nothing: a plain function would be run in a worker thread of its own.
async def get_agent(principal: PrincipalDep) -> Agent:
    return principal.require_agent()


async def get_reviewer(principal: PrincipalDep) -> Reviewer:
    return principal.require_reviewer()


AgentDep = Annotated[Agent, Depends(get_agent)]
ReviewerDep = Annotated[Reviewer, Depends(get_reviewer)]
