"""Round-robin assignment over the active reviewers."""

from sqlalchemy import text
from sqlmodel import Session, select

from escalq.models import Reviewer

# Serializes changes to the pool (joining, leaving, offboarding) with each other; assignment never waits
# for it.
_ROUND_ROBIN_LOCK = 0x65736361_6C71

# Turn n (from 1) goes to the active reviewer at position n - 1 mod (how many are active), in the order
# they were created (then by email), so a new database starts with the earliest reviewer. The turn is a
# sequence, taken without a lock: N concurrent creations take N consecutive turns, so over K reviewers
# each gets floor(N/K) or ceil(N/K). FOR SHARE keeps the chosen reviewer from leaving the pool before
# this transaction commits (leaving then waits, and hands the escalation back); a reviewer who left in
# between is re-checked (`active`) and the turn taken again.
_NEXT = text(
    """
    SELECT reviewers.* FROM reviewers
    WHERE reviewers.active AND reviewers.id = (
        SELECT id FROM (
            SELECT id, row_number() OVER (ORDER BY created_at, email) - 1 AS position,
                count(*) OVER () AS size
            FROM reviewers WHERE active
        ) AS pool
        WHERE position = (SELECT nextval('assignment_turn') - 1) % size
    )
    FOR SHARE OF reviewers
    """
)
_NEXT_REVIEWER = select(Reviewer).from_statement(_NEXT)
_TRIES = 3


def lock_pool(*, session: Session) -> None:
    """Hold the pool until commit: pool changes happen one at a time."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROUND_ROBIN_LOCK})


def restart_rotation(*, session: Session) -> None:
    """The next turn goes to the earliest active reviewer again (for the demo's reproducible history);
    the turn is not transactional, so this holds even if the caller rolls back."""
    session.execute(text("SELECT setval('assignment_turn', 1, false)"))


def next_reviewer(*, session: Session) -> Reviewer | None:
    """The active reviewer whose turn it is; None when the pool is empty."""
    for _ in range(_TRIES):
        reviewer: Reviewer | None = session.scalars(
            _NEXT_REVIEWER, execution_options={"populate_existing": True}
        ).first()
        if reviewer is not None:
            return reviewer
        if not _anyone_active(session=session):
            return None
    return None


def _anyone_active(*, session: Session) -> bool:
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM reviewers WHERE active)")).scalar_one())
