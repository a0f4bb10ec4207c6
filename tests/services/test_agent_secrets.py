"""Agents' webhook secrets: never stored in plain text, rotated with an overlap, re-encrypted on a new key."""

import math
import shutil
import subprocess
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from escalq.models import Agent, SecurityEvent
from escalq.services import agent_secrets, vault
from escalq.services.errors import Invalid, Misconfigured, NotFound
from tests.factories import make_agent, make_reviewer

PG_DUMP = shutil.which("pg_dump")


def raw_agents(session) -> str:
    """The agents table as a dump would show it: every row, every column, as PostgreSQL prints it."""
    return "\n".join(session.execute(text("SELECT a::text FROM agents a")).scalars())


def stored_secret(session, agent: Agent) -> str:
    return session.execute(
        text("SELECT webhook_secret_encrypted FROM agents WHERE id = :id"), {"id": agent.id}
    ).scalar_one()


def test_the_stored_column_never_holds_the_plain_secret(session, now):
    made = make_agent(session)
    rotated = agent_secrets.rotate(
        session=session, agent_id=made.agent.id, by=None, overlap_hours=24, now=now
    )
    session.commit()

    dump = raw_agents(session)
    assert made.webhook_secret not in dump and rotated.secret not in dump
    assert made.webhook_secret.removeprefix("whsec_") not in dump
    assert rotated.secret.removeprefix("whsec_") not in dump
    assert vault.decrypt(stored_secret(session, made.agent), what="it") == rotated.secret


@pytest.mark.skipif(PG_DUMP is None, reason="pg_dump is not installed")
def test_pg_dump_of_the_agents_table_holds_no_secret(session, now, database_url):
    made = make_agent(session)
    rotated = agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=1, now=now)
    session.commit()
    libpq_url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    dump = subprocess.run(
        [str(PG_DUMP), "--data-only", "--table=agents", libpq_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    assert "agent-a" in dump, "the dump has the agents' rows"
    for secret in (made.webhook_secret, rotated.secret):
        assert secret.removeprefix("whsec_") not in dump


def test_the_database_refuses_a_plain_secret(session):
    made = make_agent(session)

    with pytest.raises(IntegrityError) as refused:
        session.execute(
            text("UPDATE agents SET webhook_secret_encrypted = :plain WHERE id = :id"),
            {"plain": made.webhook_secret, "id": made.agent.id},
        )
        session.flush()

    assert refused.value.orig.diag.constraint_name == "ck_agents_secret_encrypted"


def test_during_the_overlap_both_secrets_sign_then_only_the_new_one(session, now):
    made = make_agent(session)

    rotated = agent_secrets.rotate(
        session=session, agent_id=made.agent.id, by=None, overlap_hours=24, now=now
    )

    agent = rotated.agent
    assert rotated.previous_until == now + timedelta(hours=24)
    assert rotated.secret != made.webhook_secret and rotated.secret.startswith("whsec_")
    assert agent_secrets.signing_secrets(agent=agent, now=now) == [rotated.secret, made.webhook_secret]
    almost = now + timedelta(hours=24) - timedelta(seconds=1)
    assert agent_secrets.signing_secrets(agent=agent, now=almost) == [rotated.secret, made.webhook_secret]
    after = now + timedelta(hours=24)
    assert agent_secrets.signing_secrets(agent=agent, now=after) == [rotated.secret]
    assert agent_secrets.previous_until(agent, after) is None


def test_no_overlap_retires_the_old_secret_at_once(session, now):
    made = make_agent(session)

    rotated = agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=0, now=now)

    assert rotated.previous_until is None
    assert rotated.agent.previous_webhook_secret_encrypted is None
    assert agent_secrets.signing_secrets(agent=rotated.agent, now=now) == [rotated.secret]


def test_rotating_again_within_the_overlap_keeps_only_the_two_newest(session, now):
    made = make_agent(session)
    first = agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=24, now=now)

    later = now + timedelta(hours=1)
    second = agent_secrets.rotate(
        session=session, agent_id=made.agent.id, by=None, overlap_hours=2, now=later
    )

    assert agent_secrets.signing_secrets(agent=second.agent, now=later) == [second.secret, first.secret]
    assert second.previous_until == later + timedelta(hours=2)


def test_rotation_is_audited_without_the_secret(session, now):
    made = make_agent(session)
    admin = make_reviewer(session, "admin@example.com").reviewer

    rotated = agent_secrets.rotate(
        session=session, agent_id=made.agent.id, by=admin, overlap_hours=6, now=now
    )
    agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=0, now=now)

    events = session.exec(select(SecurityEvent).order_by(SecurityEvent.id)).all()  # type: ignore[arg-type]
    assert [(e.action, e.actor_name, e.subject) for e in events] == [
        ("agent.webhook_secret_rotated", admin.display_name, "agent-a"),
        ("agent.webhook_secret_rotated", "escalq", "agent-a"),
    ]
    assert events[0].details == {
        "agent_id": str(made.agent.id),
        "overlap_hours": 6,
        "previous_valid_until": (now + timedelta(hours=6)).isoformat(),
    }
    assert events[1].details == {
        "agent_id": str(made.agent.id),
        "overlap_hours": 0,
        "previous_valid_until": None,
    }
    assert rotated.secret not in str([e.details for e in events])


@pytest.mark.parametrize("hours", [-1, 721, math.nan, math.inf])
def test_an_overlap_out_of_range_is_refused_and_changes_nothing(session, now, hours):
    made = make_agent(session)

    with pytest.raises(Invalid) as refused:
        agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=hours, now=now)

    assert refused.value.field == "overlap_hours"
    session.refresh(made.agent)
    assert agent_secrets.signing_secrets(agent=made.agent, now=now) == [made.webhook_secret]


def test_rotating_an_unknown_agent_is_not_found(session, now):
    with pytest.raises(NotFound):
        agent_secrets.rotate(session=session, agent_id=uuid.uuid4(), by=None, overlap_hours=1, now=now)


def test_without_a_key_rotation_stores_nothing(session, now, use_secret_key):
    made = make_agent(session)
    before = stored_secret(session, made.agent)
    use_secret_key(None)

    with pytest.raises(Misconfigured, match="ESCALQ_SECRET_KEY is not set"):
        agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=1, now=now)

    session.rollback()
    assert stored_secret(session, made.agent) == before


def test_reencrypt_all_moves_every_secret_to_the_first_key(session, now, use_secret_key):
    key_a, key_b = vault.new_key(), vault.new_key()
    use_secret_key(key_a)
    one, two = make_agent(session, "one"), make_agent(session, "two")
    rotated = agent_secrets.rotate(session=session, agent_id=two.agent.id, by=None, overlap_hours=24, now=now)
    session.commit()

    use_secret_key(f"{key_b},{key_a}")
    count = agent_secrets.reencrypt_all(session=session, now=now)
    session.commit()

    use_secret_key(key_b)
    assert count == 3
    session.expire_all()
    fresh_one, fresh_two = session.get(Agent, one.agent.id), session.get(Agent, two.agent.id)
    assert agent_secrets.signing_secrets(agent=fresh_one, now=now) == [one.webhook_secret]
    assert agent_secrets.signing_secrets(agent=fresh_two, now=now) == [rotated.secret, two.webhook_secret]


def test_reencrypt_all_drops_previous_secrets_whose_overlap_is_over(session, now):
    made = make_agent(session)
    agent_secrets.rotate(session=session, agent_id=made.agent.id, by=None, overlap_hours=1, now=now)

    agent_secrets.reencrypt_all(session=session, now=now + timedelta(hours=2))

    session.refresh(made.agent)
    assert made.agent.previous_webhook_secret_encrypted is None
    assert made.agent.previous_webhook_secret_until is None


def test_reencrypt_all_with_a_lost_key_names_the_agent_and_changes_nothing(session, now, use_secret_key):
    made = make_agent(session, "bot")
    before = stored_secret(session, made.agent)
    use_secret_key(vault.new_key())

    with pytest.raises(Misconfigured) as refused:
        agent_secrets.reencrypt_all(session=session, now=now)

    assert refused.value.message.startswith(
        "the webhook secret of agent 'bot' cannot be decrypted with ESCALQ_SECRET_KEY"
    )
    session.rollback()
    assert stored_secret(session, made.agent) == before
