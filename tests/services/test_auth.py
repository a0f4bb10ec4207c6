"""API keys are stored as hashes and resolve to exactly one live agent or reviewer."""

import pytest
from sqlmodel import select

from escalq.models import ApiKey
from escalq.services.auth import authenticate
from escalq.services.errors import Forbidden, Unauthorized
from escalq.services.secrets import (
    KEY_SCHEME,
    hash_key,
    hash_password,
    key_matches,
    key_prefix,
    new_api_key,
    new_webhook_secret,
    verify_password,
)
from tests.factories import make_agent, make_reviewer


def test_key_matches_only_its_own_hash():
    key = new_api_key()

    assert key_matches(key.plaintext, key.key_hash)
    assert not key_matches(key.plaintext + "x", key.key_hash)
    assert not key_matches(new_api_key().plaintext, key.key_hash)


def test_new_keys_are_distinct_and_prefixed():
    first, second = new_api_key(), new_api_key()

    assert first.plaintext != second.plaintext
    assert first.plaintext.startswith(KEY_SCHEME)
    assert first.prefix == key_prefix(first.plaintext)
    assert first.plaintext.startswith(first.prefix)
    assert len(first.plaintext) > len(first.prefix) + 30
    assert first.key_hash == hash_key(first.plaintext)
    assert first.plaintext not in first.key_hash


def test_webhook_secret_and_password_hash():
    assert new_webhook_secret().startswith("whsec_")
    assert new_webhook_secret() != new_webhook_secret()
    hashed = hash_password("correct-horse")
    assert hashed != "correct-horse"
    assert verify_password("correct-horse", hashed)
    assert not verify_password("wrong-horse", hashed)


def test_only_the_hash_is_stored(session):
    agent = make_agent(session)

    stored = session.exec(select(ApiKey).where(ApiKey.agent_id == agent.agent.id)).one()

    assert stored.key_hash == hash_key(agent.api_key)
    assert agent.api_key not in (stored.key_hash, stored.prefix)


def test_agent_and_reviewer_keys_resolve_to_their_owner(session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)

    as_agent = authenticate(session=session, api_key=agent.api_key)
    as_reviewer = authenticate(session=session, api_key=reviewer.api_key)

    assert as_agent.agent is not None
    assert as_agent.agent.id == agent.agent.id
    assert as_agent.reviewer is None
    assert as_reviewer.reviewer is not None
    assert as_reviewer.reviewer.id == reviewer.reviewer.id
    with pytest.raises(Forbidden):
        as_agent.require_reviewer()
    with pytest.raises(Forbidden):
        as_reviewer.require_agent()


def test_revoked_key_is_refused(session, now):
    agent = make_agent(session)
    stored = session.exec(select(ApiKey).where(ApiKey.agent_id == agent.agent.id)).one()
    stored.revoked_at = now
    session.add(stored)
    session.commit()

    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=agent.api_key)


def test_revoked_key_is_refused_by_the_api(client, session, now):
    reviewer = make_reviewer(session)
    stored = session.exec(select(ApiKey).where(ApiKey.reviewer_id == reviewer.reviewer.id)).one()
    stored.revoked_at = now
    session.add(stored)
    session.commit()

    response = client.get("/api/escalations", headers=reviewer.headers)

    assert response.status_code == 401


@pytest.mark.parametrize("api_key", [None, "", "esq_", "esq_short", "no-scheme-at-all-but-long-enough"])
def test_missing_or_unknown_keys_are_unauthorized(session, api_key):
    make_agent(session)

    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=api_key)


def test_right_prefix_wrong_secret_is_unauthorized(session):
    agent = make_agent(session)
    forged = agent.api_key[: len(key_prefix(agent.api_key))] + "x" * 43

    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=forged)


def test_disabled_agent_is_unauthorized(session):
    agent = make_agent(session, disabled=True)

    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=agent.api_key)
