"""Failed sign-ins counted per account and per client address; too many lock it for a growing delay.

The counters live in PostgreSQL, in the sign-in's own transaction: they survive restarts, every backend
process sees the same ones, and there is no second store whose outage would open (or close) the door.
Both rows are locked before the password is checked, so parallel guesses queue instead of racing past
the limit.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from escalq.config import get_settings
from escalq.models import LoginThrottle, Reviewer
from escalq.services.audit import record_security_event
from escalq.services.errors import Throttled

ACCOUNT, ADDRESS = "account:", "address:"
MAX_SUBJECT_CHARS = 320  # the longest email address; longer input is counted by its start
MAX_ADDRESS_CHARS = 64  # an IPv6 address with a zone fits; a forwarded header cannot grow the row
FORGET_LOCKS_AFTER = timedelta(days=1)  # a day without failures and the next lock is short again


@dataclass(frozen=True)
class Limits:
    """How many failures lock what, and for how long (from the settings)."""

    account_failures: int
    address_failures: int
    window: timedelta
    first_lock: timedelta
    longest_lock: timedelta

    @classmethod
    def configured(cls) -> "Limits":
        settings = get_settings()
        return cls(
            account_failures=settings.login_max_failures,
            address_failures=settings.login_address_max_failures,
            window=timedelta(minutes=settings.login_window_min),
            first_lock=timedelta(minutes=settings.login_lock_min),
            longest_lock=timedelta(minutes=settings.login_lock_max_min),
        )


def account_subject(email: str) -> str:
    """Whatever was typed as the email, as the counters know it; unknown emails count like real ones."""
    return ACCOUNT + email.strip().lower()[:MAX_SUBJECT_CHARS]


@dataclass(frozen=True)
class Counters:
    """The locked counter rows of one sign-in attempt: its account and, when known, its client address."""

    email: str  # as typed, normalized for counting
    account: LoginThrottle
    address: LoginThrottle | None

    def locked_until(self, now: datetime) -> datetime | None:
        """The later end of the account's or the address's lock, or None when neither is locked."""
        ends = [row.locked_until for row in (self.account, self.address) if row and row.locked_until]
        return max((end for end in ends if end > now), default=None)


@dataclass(frozen=True)
class Lock:
    kind: str  # "account" or "address"
    until: datetime
    number: int  # locks in a row, this one included


def counters(*, session: Session, email: str, client_ip: str, now: datetime) -> Counters:
    """The counters of this attempt, created when new and locked until commit.

    Taken in one order (account before address) so concurrent attempts queue and never deadlock.
    """
    account = _locked_row(session=session, subject=account_subject(email), now=now)
    address = (
        _locked_row(session=session, subject=ADDRESS + client_ip[:MAX_ADDRESS_CHARS], now=now)
        if client_ip
        else None
    )
    return Counters(email=account.subject.removeprefix(ACCOUNT), account=account, address=address)


def _locked_row(*, session: Session, subject: str, now: datetime) -> LoginThrottle:
    session.execute(
        insert(LoginThrottle)
        .values(subject=subject, failures=0, window_start=now, locks=0)
        .on_conflict_do_nothing(index_elements=["subject"])
    )
    row = session.get(LoginThrottle, subject, with_for_update=True, populate_existing=True)
    if row is None:  # inserted or already there a moment ago, and rows are deleted only by their lock holder
        raise RuntimeError(f"login throttle row {subject!r} vanished")
    return row


def throttled(until: datetime, now: datetime) -> Throttled:
    """The refusal while locked: a plain message saying when to try again."""
    seconds = (until - now).total_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    return Throttled(
        f"too many attempts; try again in {minutes} minute{'s' if minutes != 1 else ''}",
        retry_after_s=max(1, math.ceil(seconds)),
    )


def count_failure(*, session: Session, counters: Counters, limits: Limits, now: datetime) -> list[Lock]:
    """Count one failed attempt against the account and the address; returns the locks it starts."""
    locks = []
    for kind, row, limit in (
        ("account", counters.account, limits.account_failures),
        ("address", counters.address, limits.address_failures),
    ):
        if row is None:
            continue
        until = _count(row=row, limit=limit, limits=limits, now=now)
        session.add(row)
        if until is not None:
            locks.append(Lock(kind=kind, until=until, number=row.locks))
    session.flush()
    return locks


def _count(*, row: LoginThrottle, limit: int, limits: Limits, now: datetime) -> datetime | None:
    if row.last_failure_at is not None and now - row.last_failure_at >= FORGET_LOCKS_AFTER:
        row.locks = 0
    if now - row.window_start >= limits.window:
        row.failures, row.window_start = 0, now
    row.failures += 1
    row.last_failure_at = now
    if row.failures < limit:
        return None
    # Doubling from the first lock up to the longest; the exponent is bounded long before it matters.
    delay = min(limits.first_lock * 2 ** min(row.locks, 16), limits.longest_lock)
    row.locked_until = now + delay
    row.locks, row.failures, row.window_start = row.locks + 1, 0, now
    return row.locked_until


def unlock(*, session: Session, reviewer: Reviewer, by: Reviewer | None, now: datetime) -> bool:
    """Forget the reviewer's failed sign-ins and lift their lock; returns whether it was locked. Audited."""
    row = session.get(LoginThrottle, account_subject(reviewer.email), with_for_update=True)
    was_locked = row is not None and row.locked_until is not None and row.locked_until > now
    if row is not None:
        session.delete(row)
        session.flush()
    record_security_event(
        session=session,
        action="unlocked",
        subject=reviewer.email,
        reviewer=reviewer,
        by=by,
        now=now,
        details={"was_locked": was_locked},
    )
    return was_locked


def forget(*, session: Session, counters: Counters) -> None:
    """A successful sign-in: the account starts over; its address does not, or one account of one's own
    would wipe the address's count of guesses at others."""
    session.delete(counters.account)
    session.flush()


def locks_of(*, session: Session, emails: list[str], now: datetime) -> dict[str, datetime]:
    """The accounts among `emails` that are locked now, with the end of each lock."""
    subjects = [account_subject(email) for email in emails]
    rows = session.exec(
        select(LoginThrottle).where(
            col(LoginThrottle.subject).in_(subjects), col(LoginThrottle.locked_until) > now
        )
    )
    return {row.subject.removeprefix(ACCOUNT): row.locked_until for row in rows if row.locked_until}
