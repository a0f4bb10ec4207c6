"""Offboarding: disable and re-enable reviewers, their API keys, password resets and changes.

Nothing is deleted: a disabled reviewer keeps their history (events, resolutions, keys marked revoked).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from escalq.models import ApiKey, Reviewer, Role, Status
from escalq.schemas.admin import KeyRow
from escalq.services import lockout, pool, sessions
from escalq.services.admin import ReviewerChange, lock_admins, no_other_admin
from escalq.services.assignment import lock_pool
from escalq.services.audit import record_security_event
from escalq.services.errors import Conflict, DomainError, NotFound, Unauthorized
from escalq.services.passwords import check_password
from escalq.services.secrets import hash_password, verify_password

# Held work that a disabled reviewer gives back: assigned or claimed. An escalation waiting on its
# agent's answer (needs_info) keeps its question; the answer then goes to round-robin (handback.py).
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
    if (
        reviewer.role == Role.admin
        and reviewer.disabled_at is None
        and no_other_admin(session=session, reviewer=reviewer)
    ):
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
    _audit(
        session=session,
        action="disabled",
        reviewer=reviewer,
        by=by,
        now=now,
        sessions=ended,
        handed_back=len(touched),
    )
    return ReviewerChange(reviewer, touched)


def enable(*, session: Session, reviewer_id: uuid.UUID, by: Reviewer | None, now: datetime) -> Reviewer:
    """Let a disabled reviewer sign in again; they rejoin the pool only when an admin puts them back."""
    reviewer = _locked(session=session, reviewer_id=reviewer_id)
    if reviewer.disabled_at is None:
        return reviewer
    reviewer.disabled_at = None
    session.add(reviewer)
    _audit(session=session, action="enabled", reviewer=reviewer, by=by, now=now)
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
    _audit(
        session=session,
        action="keys_revoked",
        reviewer=found,
        by=by,
        now=now,
        keys=[key.prefix for key in live],
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
    _audit(session=session, action="password_reset", reviewer=reviewer, by=by, now=now, sessions=ended)
    return ended


@dataclass(frozen=True)
class PasswordChange:
    """How many other sessions ended, or the refusal.

    A wrong current password is returned, not raised, so the edge commits it: it counts towards the
    account's sign-in lock, or a stolen session could guess the password here without limit.
    """

    ended: int = 0
    refusal: DomainError | None = None

    def unwrap(self) -> int:
        if self.refusal is not None:
            raise self.refusal
        return self.ended


def change_password(
    *, session: Session, reviewer: Reviewer, current: str, new: str, token: str, now: datetime
) -> PasswordChange:
    """The reviewer changes their own password; their other sessions end. Throttled like sign-in."""
    counters = lockout.counters(session=session, email=reviewer.email, client_ip="", now=now)
    reviewer = _locked(session=session, reviewer_id=reviewer.id)
    locked = counters.locked_until(now)
    if locked is not None:
        return PasswordChange(refusal=lockout.throttled(locked, now))
    if not verify_password(current, reviewer.password_hash):
        _audit(session=session, action="password_change_failed", reviewer=reviewer, by=reviewer, now=now)
        locks = lockout.count_failure(
            session=session, counters=counters, limits=lockout.Limits.configured(), now=now
        )
        for lock in locks:
            _audit(
                session=session,
                action="account_locked",
                reviewer=reviewer,
                by=reviewer,
                now=now,
                until=lock.until.isoformat(),
                lock=lock.number,
            )
        return PasswordChange(
            refusal=lockout.throttled(locks[0].until, now)
            if locks
            else Unauthorized("the current password is wrong")
        )
    check_password(new, email=reviewer.email, display_name=reviewer.display_name)
    lockout.forget(session=session, counters=counters)
    reviewer.password_hash = hash_password(new)
    session.add(reviewer)
    ended = sessions.revoke_all(session=session, reviewer_id=reviewer.id, now=now, keep_token=token)
    _audit(
        session=session,
        action="password_changed",
        reviewer=reviewer,
        by=reviewer,
        now=now,
        other_sessions=ended,
    )
    return PasswordChange(ended=ended)


def _audit(
    *, session: Session, action: str, reviewer: Reviewer, by: Reviewer | None, now: datetime, **details: Any
) -> None:
    record_security_event(
        session=session,
        action=action,
        subject=reviewer.email,
        reviewer=reviewer,
        by=by,
        now=now,
        details=details,
    )


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
