"""Priority order in practice: what a reviewer passes over when claiming something less urgent."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from escalq.models import UNCLAIMED, Escalation, Priority


def older_urgent_unclaimed(*, session: Session, than: Escalation) -> int:
    """How many urgent escalations, opened before `than`, nobody has claimed yet."""
    query = select(func.count()).where(
        col(Escalation.priority) == Priority.urgent,
        col(Escalation.status).in_(UNCLAIMED),
        col(Escalation.created_at) < than.created_at,
        col(Escalation.id) != than.id,
    )
    return int(session.exec(query).one())
