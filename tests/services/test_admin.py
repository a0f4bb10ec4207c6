"""Admin work: the reviewer pool and roles, agents and their keys."""

import uuid

import pytest
from sqlmodel import select

from escalq.models import ApiKey, Role, SecurityEvent
from escalq.schemas.admin import AgentRow, ReviewerRow
from escalq.services.admin import (
    list_agents,
    list_reviewers,
    rotate_agent_key,
    set_agent_disabled,
    set_agent_limits,
    set_reviewer_flags,
)
from escalq.services.auth import authenticate
from escalq.services.errors import Conflict, Invalid, NotFound, Unauthorized
from escalq.services.secrets import key_prefix
from tests.factories import make_agent, make_reviewer


def test_list_reviewers_returns_plain_rows_by_email(session, now):
    bob = make_reviewer(session, "bob@example.com", active=False).reviewer
    ann = make_reviewer(session, "ann@example.com", role=Role.admin).reviewer

    rows = list_reviewers(session=session, now=now)

    assert rows == [
        ReviewerRow(str(ann.id), "ann@example.com", "Ann", "admin", active=True, on_call=False),
        ReviewerRow(str(bob.id), "bob@example.com", "Bob", "reviewer", active=False, on_call=False),
    ]


def test_list_agents_shows_live_key_prefixes_and_status(session, now):
    beta = make_agent(session, "beta", disabled=True)
    alpha = make_agent(session, "alpha")
    rotate_agent_key(session=session, agent_id=alpha.agent.id, now=now)
    fresh = session.exec(
        select(ApiKey).where(ApiKey.agent_id == alpha.agent.id, ApiKey.revoked_at.is_(None))  # type: ignore[union-attr]
    ).one()

    rows = list_agents(session=session, now=now)

    assert [row.name for row in rows] == ["alpha", "beta"]
    assert rows[0] == AgentRow(
        id=str(alpha.agent.id),
        name="alpha",
        disabled=False,
        key_prefixes=fresh.prefix,
        created_at=alpha.agent.created_at.isoformat(),
        previous_secret_until="",
        rate_per_minute="",
        daily_budget="",
    )
    assert rows[1].disabled and rows[1].key_prefixes == key_prefix(beta.api_key)


def test_flags_change_only_what_is_given(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    rev = make_reviewer(session, "rev@example.com").reviewer

    set_reviewer_flags(session=session, reviewer_id=rev.id, by=admin, now=now, on_call=True)
    assert (rev.active, rev.on_call, rev.role) == (True, True, Role.reviewer)

    set_reviewer_flags(
        session=session, reviewer_id=rev.id, by=admin, now=now, active=False, role=Role.manager
    )
    assert (rev.active, rev.on_call, rev.role) == (False, True, Role.manager)

    set_reviewer_flags(session=session, reviewer_id=rev.id, by=admin, now=now, active=True, on_call=False)
    [row] = [r for r in list_reviewers(session=session, now=now) if r.id == str(rev.id)]
    assert (row.active, row.on_call, row.role) == (True, False, "manager")


def test_the_last_admin_cannot_be_demoted_but_may_leave_the_pool(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer

    with pytest.raises(Conflict, match="you are the last admin"):
        set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, now=now, role=Role.manager)
    assert admin.role == Role.admin

    set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, now=now, active=False, on_call=True)
    assert (admin.active, admin.on_call, admin.role) == (False, True, Role.admin)


def test_an_admin_may_step_down_when_another_active_admin_remains(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    other = make_reviewer(session, "other@example.com", role=Role.admin).reviewer

    set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, now=now, active=False)
    set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, now=now, role=Role.reviewer)

    assert (admin.active, admin.role) == (False, Role.reviewer)
    with pytest.raises(Conflict, match=r"other@example\.com is the last admin"):
        set_reviewer_flags(session=session, reviewer_id=other.id, by=admin, now=now, role=Role.manager)


def test_the_last_admin_cannot_be_demoted_even_when_out_of_the_pool(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False).reviewer

    set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, now=now, active=False)
    with pytest.raises(Conflict, match="you are the last admin"):
        set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, now=now, role=Role.reviewer)


def test_disabling_an_agent_locks_its_key_out_and_enabling_lets_it_back(session):
    agent = make_agent(session)
    assert authenticate(session=session, api_key=agent.api_key).agent == agent.agent

    set_agent_disabled(session=session, agent_id=agent.agent.id, disabled=True)
    set_agent_disabled(session=session, agent_id=agent.agent.id, disabled=True)
    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=agent.api_key)

    set_agent_disabled(session=session, agent_id=agent.agent.id, disabled=False)
    assert authenticate(session=session, api_key=agent.api_key).agent == agent.agent


def test_rotating_revokes_the_old_key_and_the_new_one_works(session, now):
    agent = make_agent(session)
    other = make_agent(session, "agent-b")

    new_key = rotate_agent_key(session=session, agent_id=agent.agent.id, now=now)

    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=agent.api_key)
    assert authenticate(session=session, api_key=new_key).agent == agent.agent
    assert authenticate(session=session, api_key=other.api_key).agent == other.agent
    revoked = session.exec(select(ApiKey).where(ApiKey.prefix == key_prefix(agent.api_key))).one()
    assert revoked.revoked_at == now
    [row] = [r for r in list_agents(session=session, now=now) if r.name == agent.agent.name]
    assert row.key_prefixes == key_prefix(new_key)


def test_rotating_twice_leaves_only_the_latest_key(session, now):
    agent = make_agent(session)

    first = rotate_agent_key(session=session, agent_id=agent.agent.id, now=now)
    second = rotate_agent_key(session=session, agent_id=agent.agent.id, now=now)

    with pytest.raises(Unauthorized):
        authenticate(session=session, api_key=first)
    assert authenticate(session=session, api_key=second).agent == agent.agent


def test_unknown_ids_are_not_found(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    missing = uuid.uuid4()

    with pytest.raises(NotFound):
        set_reviewer_flags(session=session, reviewer_id=missing, by=admin, now=now, on_call=True)
    with pytest.raises(NotFound):
        set_reviewer_flags(session=session, reviewer_id=missing, by=admin, now=now, role=Role.manager)
    with pytest.raises(NotFound):
        set_agent_disabled(session=session, agent_id=missing, disabled=True)
    with pytest.raises(NotFound):
        rotate_agent_key(session=session, agent_id=missing, now=now)


def test_an_agents_limits_are_set_validated_and_audited(session, now):
    admin_ = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    agent = make_agent(session, "alpha").agent

    changed = set_agent_limits(
        session=session, agent_id=agent.id, per_minute=1200, per_day=None, by=admin_, now=now
    )
    with pytest.raises(Invalid) as caught:
        set_agent_limits(session=session, agent_id=agent.id, per_minute=0, per_day=None, by=admin_, now=now)

    assert (changed.rate_per_minute, changed.daily_budget) == (1200, None)
    assert caught.value.field == "per_minute"
    (row,) = list_agents(session=session, now=now)
    assert (row.rate_per_minute, row.daily_budget) == ("1200", "")
    (event,) = session.exec(select(SecurityEvent).where(SecurityEvent.action == "agent.limits_changed")).all()
    assert (event.subject, event.details) == ("alpha", {"per_minute": 1200, "per_day": None})
