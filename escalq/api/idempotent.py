"""Idempotency-Key on the agents' POST routes: a retry gets the first answer again and changes nothing."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Header, Response
from sqlmodel import Session

from escalq.models import Agent
from escalq.schemas.inputs import NOT_BLANK
from escalq.services import idempotency

REPLAYED = {
    "Idempotent-Replayed": {
        "description": "true when this is the stored answer to an earlier request with the same key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
KeyHeader = Annotated[
    str | None,
    Header(
        description="Retries with the same key get the first answer and create nothing",
        min_length=1,
        max_length=idempotency.MAX_KEY_CHARS,
        json_schema_extra={"pattern": NOT_BLANK},
    ),
]


def stored(
    *, session: Session, agent: Agent, key: str | None, request_hash: str, response: Response
) -> dict[str, Any] | None:
    """The first answer to this key (its status set on `response`), or None: go on and `keep` yours."""
    if key is None:
        return None
    found = idempotency.replay(session=session, agent=agent, key=key, request_hash=request_hash)
    if found is None:
        return None
    response.status_code = found.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return found.response


def keep(
    *,
    session: Session,
    agent: Agent,
    key: str | None,
    request_hash: str,
    response: Response,
    answer: dict[str, Any],
    now: datetime,
) -> None:
    """Remember the answer (and `response`'s status) for the key's retries, in this transaction."""
    if key is not None:
        idempotency.remember(
            session=session,
            agent=agent,
            key=key,
            request_hash=request_hash,
            status_code=response.status_code,
            response=answer,
            now=now,
        )
