"""Dashboard logins: email and password in, an opaque session token out."""

import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from sqlmodel import Session, col, select

from escalq.models import Reviewer, ReviewerSession
from escalq.services.errors import Invalid, Unauthorized
from escalq.services.people import normalize_email
from escalq.services.secrets import hash_key, hash_password, verify_password

SESSION_LIFETIME = timedelta(days=14)


@lru_cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def login(*, session: Session, email: str, password: str, now: datetime) -> tuple[Reviewer, str]:
    """Check the credentials; returns the reviewer and a new session token (shown to the browser only)."""
    try:
        address = normalize_email(email)
    except Invalid:
        address = ""
    reviewer = session.exec(select(Reviewer).where(Reviewer.email == address)).first() if address else None
    if (
        not verify_password(password, reviewer.password_hash if reviewer else _dummy_hash())
        or reviewer is None
    ):
        raise Unauthorized("wrong email or password")
    token = secrets.token_urlsafe(32)
    session.add(
        ReviewerSession(
            token_hash=hash_key(token),
            reviewer_id=reviewer.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return reviewer, token


def reviewer_for(*, session: Session, token: str, now: datetime) -> Reviewer | None:
    """The reviewer signed in with `token`, or None when it is unknown, expired or logged out."""
    if not token:
        return None
    found = session.exec(
        select(Reviewer)
        .join(ReviewerSession, col(ReviewerSession.reviewer_id) == col(Reviewer.id))
        .where(
            col(ReviewerSession.token_hash) == hash_key(token),
            col(ReviewerSession.revoked_at).is_(None),
            col(ReviewerSession.expires_at) > now,
        )
    ).first()
    return found


def logout(*, session: Session, token: str, now: datetime) -> None:
    """End the session; a second logout is harmless."""
    stored = session.exec(
        select(ReviewerSession).where(col(ReviewerSession.token_hash) == hash_key(token))
    ).first()
    if stored is not None and stored.revoked_at is None:
        stored.revoked_at = now
        session.add(stored)
