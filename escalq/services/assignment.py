"""Round-robin assignment over the active reviewers."""

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from escalq.models import Reviewer

# Serializes assignment decisions so concurrent creations never pick the same "next" reviewer.
_ROUND_ROBIN_LOCK = 0x65736361_6C71


def lock_pool(*, session: Session) -> None:
    """Hold the pool until commit: assignments and pool changes happen one at a time."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROUND_ROBIN_LOCK})


def next_reviewer(*, session: Session) -> Reviewer | None:
    """Take the active reviewer whose turn it is and move them to the back; None when the pool is empty.

    Holds a transaction-scoped advisory lock, so N concurrent creations over K reviewers give each
    reviewer floor(N/K) or ceil(N/K).
    """
    lock_pool(session=session)
    reviewer = session.exec(
        select(Reviewer)
        .where(col(Reviewer.active))
        .order_by(col(Reviewer.assignment_seq), col(Reviewer.created_at), col(Reviewer.id))
        .limit(1)
        .with_for_update()
    ).first()
    if reviewer is None:
        return None
    highest = session.exec(select(func.max(Reviewer.assignment_seq))).one()
    reviewer.assignment_seq = (highest or 0) + 1
    session.add(reviewer)
    session.flush()
    return reviewer
