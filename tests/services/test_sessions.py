from datetime import timedelta

import pytest
from sqlmodel import select

from escalq.models import ReviewerSession
from escalq.services import sessions
from escalq.services.errors import Unauthorized
from tests.factories import PASSWORD, make_reviewer


def sign_in(session, now, email="rev@example.com", password=PASSWORD):
    return sessions.login(session=session, email=email, password=password, now=now).unwrap()


def test_login_returns_a_token_that_identifies_the_reviewer(session, now):
    reviewer = make_reviewer(session, "riley@example.com").reviewer
    found, token = sign_in(session, now, " Riley@Example.com")
    assert found.id == reviewer.id
    assert sessions.reviewer_for(session=session, token=token, now=now).id == reviewer.id


@pytest.mark.parametrize(
    ("email", "password"),
    [("rev@example.com", "wrong-password"), ("nobody@example.com", PASSWORD), ("not an email", PASSWORD)],
)
def test_wrong_credentials_are_refused_alike(session, now, email, password):
    make_reviewer(session)
    with pytest.raises(Unauthorized, match="wrong email or password"):
        sign_in(session, now, email, password)


def test_a_token_stops_working_after_logout_and_after_the_absolute_lifetime(session, now):
    make_reviewer(session)
    _, first = sign_in(session, now)
    _, second = sign_in(session, now)
    sessions.logout(session=session, token=first, now=now)
    sessions.logout(session=session, token=first, now=now)
    assert sessions.reviewer_for(session=session, token=first, now=now) is None
    assert sessions.reviewer_for(session=session, token=second, now=now) is not None
    # Kept busy all along, it still ends at the absolute lifetime (12 h by default).
    at = now
    while at + timedelta(minutes=30) < now + sessions.max_lifetime():
        at += timedelta(minutes=30)
        assert sessions.reviewer_for(session=session, token=second, now=at) is not None
    assert sessions.reviewer_for(session=session, token=second, now=now + sessions.max_lifetime()) is None


def test_an_idle_session_ends_and_activity_keeps_one_alive(session, now):
    make_reviewer(session)
    _, idle = sign_in(session, now)
    _, busy = sign_in(session, now)
    step = sessions.idle_timeout() - timedelta(minutes=1)

    assert sessions.reviewer_for(session=session, token=busy, now=now + step) is not None
    assert sessions.reviewer_for(session=session, token=busy, now=now + 2 * step) is not None
    assert sessions.reviewer_for(session=session, token=idle, now=now + sessions.idle_timeout()) is None


def test_last_seen_is_written_at_most_once_a_minute(session, now):
    make_reviewer(session)
    _, token = sign_in(session, now)
    stored = session.exec(select(ReviewerSession)).one()

    sessions.reviewer_for(session=session, token=token, now=now + timedelta(seconds=59))
    assert stored.last_seen_at == now
    sessions.reviewer_for(session=session, token=token, now=now + timedelta(seconds=60))
    assert stored.last_seen_at == now + timedelta(seconds=60)


def test_sign_out_everywhere_ends_every_session_of_that_reviewer_only(session, now):
    reviewer = make_reviewer(session).reviewer
    make_reviewer(session, "other@example.com")
    tokens = [sign_in(session, now)[1] for _ in range(3)]
    _, other = sign_in(session, now, "other@example.com")

    assert sessions.sign_out_everywhere(session=session, reviewer=reviewer, now=now) == 3

    assert all(sessions.reviewer_for(session=session, token=t, now=now) is None for t in tokens)
    assert sessions.reviewer_for(session=session, token=other, now=now) is not None
    assert sessions.sign_out_everywhere(session=session, reviewer=reviewer, now=now) == 0


def test_unknown_or_empty_tokens_identify_nobody(session, now):
    assert sessions.reviewer_for(session=session, token="", now=now) is None
    assert sessions.reviewer_for(session=session, token="made-up", now=now) is None


def test_many_tokens_are_checked_at_once_and_only_valid_ones_answer(session, now):
    riley = make_reviewer(session, "riley@example.com").reviewer
    sam = make_reviewer(session, "sam@example.com").reviewer
    _, rileys = sign_in(session, now, "riley@example.com")
    _, sams = sign_in(session, now, "sam@example.com")
    _, ended = sign_in(session, now, "sam@example.com")
    sessions.logout(session=session, token=ended, now=now)
    found = sessions.reviewers_for(session=session, tokens=[rileys, sams, ended, "", "unknown"], now=now)
    assert {token: reviewer.id for token, reviewer in found.items()} == {rileys: riley.id, sams: sam.id}
