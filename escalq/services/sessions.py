"""Dashboard logins: email and password in, an opaque session token out; idle and absolute timeouts."""

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from escalq.config import get_settings
from escalq.models import Reviewer, ReviewerSession
from escalq.services import lockout
from escalq.services.audit import record_security_event
from escalq.services.errors import DomainError, Unauthorized
from escalq.services.secrets import hash_key, hash_password, verify_password

WRONG = "wrong email or password"
# last_seen_at is written at most this often, not on every event; the idle timeout is that coarse.
TOUCH_EVERY = timedelta(minutes=1)


@lru_cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so a wrong email costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def idle_timeout() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_min)


def max_lifetime() -> timedelta:
    return timedelta(hours=get_settings().session_max_hours)


@dataclass(frozen=True)
class SignIn:
    """A reviewer and a new token, or the refusal.

    Returned rather than raised, so the edge commits the failure that was counted before it tells.
    """

    reviewer: Reviewer | None = None
    token: str = ""
    refusal: DomainError | None = None

    def unwrap(self) -> tuple[Reviewer, str]:
        """The reviewer and the token; raises the refusal (Unauthorized, or Throttled when locked)."""
        if self.reviewer is None:
            raise self.refusal or Unauthorized(WRONG)
        return self.reviewer, self.token


def login(*, session: Session, email: str, password: str, client_ip: str = "", now: datetime) -> SignIn:
    """Check the credentials, throttled per account and per client address; every outcome is audited.

    While the account or the address is locked the password is not even checked. Unknown emails are
    counted, locked and answered exactly like real ones, and so are disabled reviewers.
    """
    client_ip = client_ip[: lockout.MAX_ADDRESS_CHARS]
    counters = lockout.counters(session=session, email=email, client_ip=client_ip, now=now)
    reviewer = session.exec(select(Reviewer).where(Reviewer.email == counters.email)).first()

    def audit(action: str, **details: Any) -> None:
        record_security_event(
            session=session,
            action=action,
            subject=counters.email,
            reviewer=reviewer,
            client_ip=client_ip,
            now=now,
            details=details,
        )

    locked = counters.locked_until(now)
    if locked is not None:
        audit("sign_in_refused", reason="locked", until=locked.isoformat())
        return SignIn(refusal=lockout.throttled(locked, now))
    matches = verify_password(password, reviewer.password_hash if reviewer else _dummy_hash())
    if reviewer is not None and matches and reviewer.disabled_at is None:
        lockout.forget(session=session, counters=counters)
        audit("signed_in")
        return SignIn(reviewer=reviewer, token=_open(session=session, reviewer=reviewer, now=now))
    audit(
        "sign_in_failed",
        reason="unknown email" if reviewer is None else "disabled" if matches else "wrong password",
    )
    locks = lockout.count_failure(
        session=session, counters=counters, limits=lockout.Limits.configured(), now=now
    )
    for lock in locks:
        audit(f"{lock.kind}_locked", until=lock.until.isoformat(), lock=lock.number)
    return SignIn(
        refusal=lockout.throttled(max(lock.until for lock in locks), now) if locks else Unauthorized(WRONG)
    )


def _open(*, session: Session, reviewer: Reviewer, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        ReviewerSession(
            token_hash=hash_key(token),
            reviewer_id=reviewer.id,
            created_at=now,
            expires_at=now + max_lifetime(),
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def reviewer_for(*, session: Session, token: str, now: datetime) -> Reviewer | None:
    """The reviewer signed in with `token`; None when it is unknown, idle, too old, signed out or disabled.

    Marks the session as seen (at most once a minute, so a busy dashboard does not write on every event).
    """
    return reviewers_for(session=session, tokens=[token], now=now).get(token)


def reviewers_for(*, session: Session, tokens: Iterable[str], now: datetime) -> dict[str, Reviewer]:
    """`reviewer_for` of many tokens in one query (the live feed checks every open tab at once); a token
    whose session is not valid now is left out."""
    hashes = {hash_key(token): token for token in tokens if token}
    if not hashes:
        return {}
    found = session.exec(
        select(ReviewerSession, Reviewer)
        .join(Reviewer, col(ReviewerSession.reviewer_id) == col(Reviewer.id))
        .where(
            col(ReviewerSession.token_hash).in_(list(hashes)),
            col(ReviewerSession.revoked_at).is_(None),
            col(ReviewerSession.expires_at) > now,
            # The settings as they are now: shortening them cuts sessions already open.
            col(ReviewerSession.created_at) > now - max_lifetime(),
            col(ReviewerSession.last_seen_at) > now - idle_timeout(),
            col(Reviewer.disabled_at).is_(None),
        )
    ).all()
    valid = {}
    for stored, reviewer in found:
        if now - stored.last_seen_at >= TOUCH_EVERY:
            stored.last_seen_at = now
            session.add(stored)
        valid[hashes[stored.token_hash]] = reviewer
    session.flush()
    return valid


def logout(*, session: Session, token: str, now: datetime) -> None:
    """End the session; a second logout is harmless."""
    stored = session.exec(
        select(ReviewerSession).where(col(ReviewerSession.token_hash) == hash_key(token))
    ).first()
    if stored is not None and stored.revoked_at is None:
        stored.revoked_at = now
        session.add(stored)


def revoke_all(*, session: Session, reviewer_id: uuid.UUID, now: datetime, keep_token: str = "") -> int:
    """End every open session of the reviewer (but the one of `keep_token`); returns how many ended."""
    query = update(ReviewerSession).where(
        col(ReviewerSession.reviewer_id) == reviewer_id, col(ReviewerSession.revoked_at).is_(None)
    )
    if keep_token:
        query = query.where(col(ReviewerSession.token_hash) != hash_key(keep_token))
    ended = session.execute(query.values(revoked_at=now).returning(col(ReviewerSession.id))).all()
    return len(ended)


def sign_out_everywhere(*, session: Session, reviewer: Reviewer, now: datetime) -> int:
    """The reviewer ends all their sessions, this one included; audited. Returns how many ended."""
    ended = revoke_all(session=session, reviewer_id=reviewer.id, now=now)
    record_security_event(
        session=session,
        action="signed_out_everywhere",
        subject=reviewer.email,
        reviewer=reviewer,
        by=reviewer,
        now=now,
        details={"sessions": ended},
    )
    return ended
