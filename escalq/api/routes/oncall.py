"""/api/oncall: who is on call now, for agents deciding whether to wait and for reviewers' tools."""

from fastapi import APIRouter

from escalq.api.deps import PrincipalDep, SessionDep
from escalq.clock import utc_now
from escalq.schemas.oncall import OncallOut
from escalq.services import oncall

router = APIRouter(prefix="/api/oncall", tags=["on-call"])


@router.get("", response_model_exclude_unset=True)
def get_oncall(session: SessionDep, principal: PrincipalDep) -> OncallOut:
    """Who is on call now, the rotation with its hand-overs and overrides, and the size of the pool.

    Any valid key; only reviewer keys see email addresses.
    """
    return oncall.status(session=session, now=utc_now(), with_emails=principal.reviewer is not None)
