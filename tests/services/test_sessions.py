from datetime import timedelta

import pytest

from escalq.services import sessions
from escalq.services.errors import Unauthorized
from tests.factories import PASSWORD, make_reviewer


def test_login_returns_a_token_that_identifies_the_reviewer(session, now):
    reviewer = make_reviewer(session, "riley@example.com").reviewer
    found, token = sessions.login(session=session, email=" Riley@Example.com", password=PASSWORD, now=now)
    assert found.id == reviewer.id
    assert sessions.reviewer_for(session=session, token=token, now=now).id == reviewer.id


@pytest.mark.parametrize(
    ("email", "password"),
    [("rev@example.com", "wrong-password"), ("nobody@example.com", PASSWORD), ("not an email", PASSWORD)],
)
def test_wrong_credentials_are_refused_alike(session, now, email, password):
    make_reviewer(session)
    with pytest.raises(Unauthorized, match="wrong email or password"):
        sessions.login(session=session, email=email, password=password, now=now)


def test_a_token_stops_working_after_logout_and_after_expiry(session, now):
    make_reviewer(session)
    _, first = sessions.login(session=session, email="rev@example.com", password=PASSWORD, now=now)
    _, second = sessions.login(session=session, email="rev@example.com", password=PASSWORD, now=now)
    sessions.logout(session=session, token=first, now=now)
    sessions.logout(session=session, token=first, now=now)
    assert sessions.reviewer_for(session=session, token=first, now=now) is None
    assert sessions.reviewer_for(session=session, token=second, now=now) is not None
    later = now + sessions.SESSION_LIFETIME + timedelta(seconds=1)
    assert sessions.reviewer_for(session=session, token=second, now=later) is None


def test_unknown_or_empty_tokens_identify_nobody(session, now):
    assert sessions.reviewer_for(session=session, token="", now=now) is None
    assert sessions.reviewer_for(session=session, token="made-up", now=now) is None
