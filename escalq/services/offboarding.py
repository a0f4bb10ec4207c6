"""Offboarding: disable and re-enable reviewers, their API keys, password resets and changes.

Nothing is deleted: a disabled reviewer keeps their history (events, resolutions, keys marked revoked).
"""

import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from escalq.models import ApiKey, Reviewer, Role, Status
from escalq.schemas.admin import KeyRow
from escalq.services import pool, sessions
from escalq.services.admin import ReviewerChange, lock_admins
from escalq.services.assignment import lock_pool
from escalq.services.audit import record_security_event
from escalq.services.errors import Conflict, NotFound, Unauthorized
from escalq.services.passwords import check_password
from escalq.services.secrets import hash_password, verify_password

# Held work that a disabled reviewer gives back: assigned or claimed. An escalation waiting on its
# agent's answer (needs_info) stays with the question until the answer comes.
HANDED_BACK = (Status.assigned, Status.claimed)


def disable(
    *, session: Session, reviewer_id: uuid.UUID, by: Reviewer | None, now: datetime
) -> ReviewerChange:
    """Offboard a reviewer at once: sign-in, API keys and sessions refused, out of the pool and off call,
    held work back to round-robin. Repeating is harmless. `by` None is the command line.

    Refuses to disable oneself or the last enabled admin.
    """
    lock_pool(session=session)  # as leaving the pool does: before any reviewer row
    lock_admins(session=session)
    reviewer = _locked(session=session, reviewer_id=reviewer_id)
    if by is not None and reviewer.id == by.id:
        raise Conflict("you cannot disable yourself; ask another admin")
    if reviewer.role == Role.admin and reviewer.disabled_at is None:
        others = session.exec(
            select(Reviewer.id).where(
                Reviewer.role == Role.admin,
                col(Reviewer.id) != reviewer.id,
                col(Reviewer.disabled_at).is_(None),
            )
        ).first()
        if others is None:
            raise Conflict(f"{reviewer.email} is the last enabled admin; make someone else an admin first")
    if reviewer.disabled_at is not None:
        return ReviewerChange(reviewer, [])
    reviewer.disabled_at, reviewer.active, reviewer.on_call = now, False, False
    session.add(reviewer)
    session.flush()
    ended = sessions.revoke_all(session=session, reviewer_id=reviewer.id, now=now)
    touched = pool.hand_back(
        session=session, reviewer=reviewer, by=by, now=now, statuses=HANDED_BACK, reason="disabled"
    )
    record_security_event(
        session=session,
        action="disabled",
        subject=reviewer.email,
        reviewer=reviewer,
        by=by,
        now=now,
        details={"sessions": ended, "handed_back": len(touched)},
    )
    return ReviewerChange(reviewer, touched)


def enable(*, session: Session, reviewer_id: uuid.UUID, by: Reviewer | None, now: datetime) -> Reviewer:
    """Let a disabled reviewer sign in again; they rejoin the pool only when an admin puts them back."""
    reviewer = _locked(session=session, reviewer_id=reviewer_id)
    if reviewer.disabled_at is None:
        return reviewer
    reviewer.disabled_at = None
    session.add(reviewer)
    record_security_event(
        session=session, action="enabled", subject=reviewer.email, reviewer=reviewer, by=by, now=now
    )
    session.flush()
    return reviewer


def keys(*, session: Session, reviewer_id: uuid.UUID) -> list[KeyRow]:
    """Every API key the reviewer has had, newest first, revoked ones included."""
    get_reviewer(session=session, reviewer_id=reviewer_id)
    found = session.exec(
        select(ApiKey)
        .where(col(ApiKey.reviewer_id) == reviewer_id)
        .order_by(col(ApiKey.created_at).desc(), col(ApiKey.prefix))
    )
    return [
        KeyRow(
            prefix=key.prefix,
            created_at=key.created_at.isoformat(),
            revoked_at=key.revoked_at.isoformat() if key.revoked_at else "",
        )
        for key in found
    ]


def revoke_keys(*, session: Session, reviewer_id: uuid.UUID, by: Reviewer | None, now: datetime) -> int:
    """Revoke every API key the reviewer holds; returns how many still worked. Audited."""
    found = get_reviewer(session=session, reviewer_id=reviewer_id)
    live = session.exec(
        select(ApiKey)
        .where(col(ApiKey.reviewer_id) == found.id, col(ApiKey.revoked_at).is_(None))
        .with_for_update()
    ).all()
    for key in live:
        key.revoked_at = now
        session.add(key)
    record_security_event(
        session=session,
        action="keys_revoked",
        subject=found.email,
        reviewer=found,
        by=by,
        now=now,
        details={"keys": [key.prefix for key in live]},
    )
    session.flush()
    return len(live)


def reset_password(
    *, session: Session, reviewer_id: uuid.UUID, password: str, by: Reviewer | None, now: datetime
) -> int:
    """An admin sets a new password; every session of the reviewer ends. Returns how many ended."""
    reviewer = _locked(session=session, reviewer_id=reviewer_id)
    check_password(password, email=reviewer.email, display_name=reviewer.display_name)
    reviewer.password_hash = hash_password(password)
    session.add(reviewer)
    ended = sessions.revoke_all(session=session, reviewer_id=reviewer.id, now=now)
    record_security_event(
        session=session,
        action="password_reset",
        subject=reviewer.email,
        reviewer=reviewer,
        by=by,
        now=now,
        details={"sessions": ended},
    )
    return ended


def change_password(
    *, session: Session, reviewer: Reviewer, current: str, new: str, token: str, now: datetime
) -> int:
    """The reviewer changes their own password; their other sessions end. Returns how many ended."""
    reviewer = _locked(session=session, reviewer_id=reviewer.id)
    if not verify_password(current, reviewer.password_hash):
        raise Unauthorized("the current password is wrong")
    check_password(new, email=reviewer.email, display_name=reviewer.display_name)
    reviewer.password_hash = hash_password(new)
    session.add(reviewer)
    ended = sessions.revoke_all(session=session, reviewer_id=reviewer.id, now=now, keep_token=token)
    record_security_event(
        session=session,
        action="password_changed",
        subject=reviewer.email,
        reviewer=reviewer,
        by=reviewer,
        now=now,
        details={"other_sessions": ended},
    )
    return ended


def get_reviewer(*, session: Session, reviewer_id: uuid.UUID) -> Reviewer:
    """The reviewer with this id, or NotFound."""
    reviewer = session.get(Reviewer, reviewer_id)
    if reviewer is None:
        raise NotFound(f"no reviewer with id {reviewer_id}")
    return reviewer


def _locked(*, session: Session, reviewer_id: uuid.UUID) -> Reviewer:
    reviewer = session.get(Reviewer, reviewer_id, with_for_update=True, populate_existing=True)
    if reviewer is None:
        raise NotFound(f"no reviewer with id {reviewer_id}")
    return reviewer
