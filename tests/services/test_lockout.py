"""Failed sign-ins throttled per account and per client address, with a growing lock."""

from datetime import timedelta

import pytest
from sqlmodel import select

from escalq.models import Role, SecurityEvent
from escalq.services import lockout, sessions
from escalq.services.errors import Throttled, Unauthorized
from tests.concurrency import at_once
from tests.factories import PASSWORD, make_reviewer

WRONG = "not-the-password"
HOME = "203.0.113.7"


def attempt(session, now, *, email="rev@example.com", password=WRONG, ip=HOME):
    """The refusal of one sign-in, or None when it worked."""
    return sessions.login(session=session, email=email, password=password, client_ip=ip, now=now).refusal


def fail(session, now, times, **kwargs):
    return [attempt(session, now, **kwargs) for _ in range(times)]


def test_five_failures_lock_the_account_even_against_the_right_password(session, now):
    make_reviewer(session)

    first_four = fail(session, now, 4)
    fifth = attempt(session, now)

    assert all(isinstance(refusal, Unauthorized) for refusal in first_four)
    assert isinstance(fifth, Throttled)
    assert fifth.message == "too many attempts; try again in 5 minutes"
    assert fifth.retry_after_s == 300
    later = attempt(session, now + timedelta(minutes=3, seconds=30), password=PASSWORD)
    assert isinstance(later, Throttled)
    assert later.message == "too many attempts; try again in 2 minutes"
    assert attempt(session, now + timedelta(minutes=5), password=PASSWORD) is None


def test_an_unknown_email_is_throttled_exactly_like_a_real_one(session, now):
    make_reviewer(session)

    real = [getattr(r, "message", None) for r in fail(session, now, 6)]
    unknown = [getattr(r, "message", None) for r in fail(session, now, 6, email="nobody@example.com")]

    assert real == unknown
    assert unknown[-2:] == ["too many attempts; try again in 5 minutes"] * 2


def test_each_lock_in_a_row_lasts_twice_as_long_up_to_the_cap(session, now):
    make_reviewer(session)
    at, lengths = now, []
    for _ in range(6):
        *_, locked = fail(session, at, 5)
        assert isinstance(locked, Throttled)
        lengths.append(locked.retry_after_s // 60)
        at += timedelta(seconds=locked.retry_after_s)

    assert lengths == [5, 10, 20, 40, 60, 60]
    # The right password after the last lock ends works, and the next failures start over at 5 minutes.
    assert attempt(session, at, password=PASSWORD) is None
    *_, locked = fail(session, at, 5)
    assert locked.retry_after_s == 300


def test_a_success_resets_the_account_and_old_failures_leave_the_window(session, now):
    make_reviewer(session)

    fail(session, now, 4)
    assert attempt(session, now, password=PASSWORD) is None
    assert all(isinstance(r, Unauthorized) for r in fail(session, now, 4))
    # Fifteen minutes on, those four no longer count.
    assert all(isinstance(r, Unauthorized) for r in fail(session, now + timedelta(minutes=15), 4))


def test_one_address_spraying_many_accounts_is_locked_and_other_addresses_are_not(session, now):
    make_reviewer(session, "target@example.com")
    refusals = [attempt(session, now, email=f"user{n}@example.com") for n in range(50)]

    assert all(isinstance(r, Unauthorized) for r in refusals[:49])
    assert isinstance(refusals[49], Throttled)
    assert isinstance(attempt(session, now, email="target@example.com", password=PASSWORD), Throttled)
    assert attempt(session, now, email="target@example.com", password=PASSWORD, ip="198.51.100.2") is None


def test_a_success_does_not_reset_its_address(session, now):
    make_reviewer(session, "mine@example.com")
    for n in range(49):
        attempt(session, now, email=f"user{n}@example.com")
    assert attempt(session, now, email="mine@example.com", password=PASSWORD) is None

    assert isinstance(attempt(session, now, email="user0@example.com"), Throttled)


def test_an_admin_unlocks_an_account_and_it_is_audited(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    rev = make_reviewer(session).reviewer
    fail(session, now, 5)
    assert lockout.locks_of(session=session, emails=[rev.email], now=now) == {
        rev.email: now + timedelta(minutes=5)
    }

    assert lockout.unlock(session=session, reviewer=rev, by=admin, now=now) is True

    assert lockout.locks_of(session=session, emails=[rev.email], now=now) == {}
    assert attempt(session, now, password=PASSWORD) is None
    assert lockout.unlock(session=session, reviewer=rev, by=admin, now=now) is False
    unlocked = session.exec(select(SecurityEvent).where(SecurityEvent.action == "unlocked")).all()
    assert [(e.subject, e.actor_name, e.details) for e in unlocked] == [
        ("rev@example.com", "Admin", {"was_locked": True}),
        ("rev@example.com", "Admin", {"was_locked": False}),
    ]


def test_every_failure_and_lock_is_audited_without_the_password(session, now):
    rev = make_reviewer(session).reviewer
    fail(session, now, 5)
    attempt(session, now, password=PASSWORD)
    attempt(session, now + timedelta(minutes=5), password=PASSWORD)

    events = session.exec(select(SecurityEvent).order_by(SecurityEvent.id)).all()  # type: ignore[arg-type]

    assert [e.action for e in events] == [
        *["sign_in_failed"] * 5,
        "account_locked",
        "sign_in_refused",
        "signed_in",
    ]
    assert {(e.subject, e.reviewer_id, e.client_ip) for e in events} == {("rev@example.com", rev.id, HOME)}
    assert events[0].details == {"reason": "wrong password"}
    assert events[5].details == {"until": (now + timedelta(minutes=5)).isoformat(), "lock": 1}
    for event in events:
        assert WRONG not in repr(event.model_dump()) and PASSWORD not in repr(event.model_dump())


@pytest.mark.parametrize("email", ["nobody@example.com", "x" * 5_000])
def test_failures_for_unknown_or_absurd_emails_are_audited_without_a_reviewer(session, now, email):
    attempt(session, now, email=email)

    [event] = session.exec(select(SecurityEvent)).all()
    assert (event.action, event.reviewer_id, event.details) == (
        "sign_in_failed",
        None,
        {"reason": "unknown email"},
    )
    assert len(event.subject) <= lockout.MAX_SUBJECT_CHARS


def test_parallel_guesses_queue_behind_the_counter_and_cannot_race_past_the_limit(session, now):
    make_reviewer(session)

    def guess_twice(own):
        outcomes = []
        for _ in range(2):
            outcomes.append(attempt(own, now))
            own.commit()
        return outcomes

    refusals = [refusal for outcomes in at_once(guess_twice, count=8) for refusal in outcomes]

    assert sum(isinstance(r, Unauthorized) for r in refusals) == 4
    assert sum(isinstance(r, Throttled) for r in refusals) == 12
    checked = session.exec(select(SecurityEvent).where(SecurityEvent.action == "sign_in_failed")).all()
    assert len(checked) == 5  # the password was tried five times, not sixteen
    assert isinstance(attempt(session, now, password=PASSWORD), Throttled)
