"""Offboarding: disabling a reviewer, their API keys, password resets and changes."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import col, select

from escalq.models import EscalationEvent, Role, SecurityEvent, Status
from escalq.services import escalations, handback, offboarding, oncall, sessions
from escalq.services.admin import list_reviewers, set_reviewer_flags
from escalq.services.auth import authenticate
from escalq.services.errors import Conflict, Invalid, NotFound, Throttled, Unauthorized
from escalq.services.people import issue_reviewer_key
from escalq.services.secrets import key_prefix
from tests.factories import PASSWORD, make_agent, make_escalation, make_reviewer

NEW_PASSWORD = "plum-ferry-otter-lantern"


def sign_in(session, now, email, password=PASSWORD):
    return sessions.login(session=session, email=email, password=password, now=now)


def security_actions(session, reviewer):
    query = select(SecurityEvent).where(SecurityEvent.reviewer_id == reviewer.id)
    return [e.action for e in session.exec(query.order_by(col(SecurityEvent.id)))]


def test_disabling_refuses_key_session_and_sign_in_and_hands_the_work_back(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False).reviewer
    leaver = make_reviewer(session, "leaver@example.com")
    stayer = make_reviewer(session, "stayer@example.com").reviewer
    leaver.reviewer.on_call = True
    agent = make_agent(session).agent
    held, others, claimed = (
        make_escalation(session, agent, now=now + timedelta(minutes=n)) for n in range(3)
    )
    assert (held.assigned_to, others.assigned_to, claimed.assigned_to) == (
        leaver.reviewer.id,
        stayer.id,
        leaver.reviewer.id,
    )
    escalations.claim(session=session, escalation_id=claimed.id, by=leaver.reviewer, now=now)
    escalations.resolve(
        session=session, escalation_id=others.id, by=admin, resolution="approved", notes="", now=now
    )
    _, token = sign_in(session, now, "leaver@example.com").unwrap()
    later = now + timedelta(hours=1)

    change = offboarding.disable(session=session, reviewer_id=leaver.reviewer.id, by=admin, now=later)

    assert sorted(change.touched) == sorted([held.id, claimed.id])
    with pytest.raises(Unauthorized, match="disabled"):
        authenticate(session=session, api_key=leaver.api_key)
    assert sessions.reviewer_for(session=session, token=token, now=later) is None
    with pytest.raises(Unauthorized, match="wrong email or password"):
        sign_in(session, later, "leaver@example.com").unwrap()
    reviewer = leaver.reviewer
    assert (reviewer.disabled_at, reviewer.active, reviewer.on_call) == (later, False, False)
    assert reviewer not in oncall.on_call_at(session=session, at=later)
    for escalation in (held, claimed):
        session.refresh(escalation)
        assert (escalation.status, escalation.assigned_to) == (Status.assigned, stayer.id)
        handed = session.exec(
            select(EscalationEvent).where(
                EscalationEvent.escalation_id == escalation.id, EscalationEvent.action == "handed_back"
            )
        ).one()
        assert handed.details["reason"] == "disabled"
    assert claimed.claimed_at is None
    # History kept: the resolution by the admin, the leaver's row and the claim in the audit trail.
    assert session.exec(
        select(EscalationEvent).where(
            EscalationEvent.actor_id == reviewer.id, EscalationEvent.action == "claimed"
        )
    ).one()
    assert security_actions(session, reviewer) == ["signed_in", "disabled", "sign_in_failed"]
    refused = session.exec(select(SecurityEvent).where(SecurityEvent.action == "sign_in_failed")).one()
    assert refused.details == {"reason": "disabled"}
    assert [
        row.disabled for row in list_reviewers(session=session, now=later) if row.id == str(reviewer.id)
    ] == [True]


def test_disabling_twice_is_harmless_and_enabling_lets_them_sign_in_again(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    leaver = make_reviewer(session, "leaver@example.com")

    offboarding.disable(session=session, reviewer_id=leaver.reviewer.id, by=admin, now=now)
    again = offboarding.disable(session=session, reviewer_id=leaver.reviewer.id, by=admin, now=now)
    assert again.touched == []
    with pytest.raises(Conflict, match="disabled; enable them first"):
        set_reviewer_flags(session=session, reviewer_id=leaver.reviewer.id, by=admin, active=True, now=now)
    with pytest.raises(Conflict, match="disabled"):
        issue_reviewer_key(session=session, email="leaver@example.com", now=now)

    offboarding.enable(session=session, reviewer_id=leaver.reviewer.id, by=admin, now=now)

    assert sign_in(session, now, "leaver@example.com").refusal is None
    assert authenticate(session=session, api_key=leaver.api_key).reviewer == leaver.reviewer
    assert leaver.reviewer.active is False  # back in the pool only when an admin says so
    assert security_actions(session, leaver.reviewer) == ["disabled", "enabled", "signed_in"]


def test_an_admin_cannot_disable_themselves_or_the_last_enabled_admin(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    other = make_reviewer(session, "other@example.com", role=Role.admin).reviewer

    with pytest.raises(Conflict, match="cannot disable yourself"):
        offboarding.disable(session=session, reviewer_id=admin.id, by=admin, now=now)
    offboarding.disable(session=session, reviewer_id=other.id, by=admin, now=now)
    # The command line has no "self", but still keeps one admin.
    with pytest.raises(Conflict, match="last enabled admin"):
        offboarding.disable(session=session, reviewer_id=admin.id, by=None, now=now)
    with pytest.raises(Conflict, match="last admin"):
        set_reviewer_flags(session=session, reviewer_id=admin.id, by=admin, role=Role.reviewer, now=now)
    with pytest.raises(NotFound):
        offboarding.disable(session=session, reviewer_id=uuid.uuid4(), by=admin, now=now)


def test_keys_are_listed_and_revoked_together(session, now):
    rev = make_reviewer(session, "rev@example.com")
    _, second = issue_reviewer_key(session=session, email="rev@example.com", now=now)
    other = make_reviewer(session, "other@example.com")

    assert offboarding.revoke_keys(session=session, reviewer_id=rev.reviewer.id, by=None, now=now) == 2

    for key in (rev.api_key, second):
        with pytest.raises(Unauthorized):
            authenticate(session=session, api_key=key)
    assert authenticate(session=session, api_key=other.api_key).reviewer == other.reviewer
    rows = offboarding.keys(session=session, reviewer_id=rev.reviewer.id)
    assert {row.prefix for row in rows} == {key_prefix(rev.api_key), key_prefix(second)}
    assert {row.revoked_at for row in rows} == {now.isoformat()}
    assert offboarding.revoke_keys(session=session, reviewer_id=rev.reviewer.id, by=None, now=now) == 0
    [event, _] = session.exec(select(SecurityEvent).where(SecurityEvent.action == "keys_revoked")).all()
    assert (event.actor_name, sorted(event.details["keys"])) == ("escalq", sorted(r.prefix for r in rows))


def test_a_reset_sets_a_checked_password_and_ends_every_session(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    rev = make_reviewer(session, "rev@example.com").reviewer
    _, token = sign_in(session, now, "rev@example.com").unwrap()

    with pytest.raises(Invalid, match="too easy to guess"):
        offboarding.reset_password(
            session=session, reviewer_id=rev.id, password="password1234", by=admin, now=now
        )
    assert sessions.reviewer_for(session=session, token=token, now=now) is not None

    ended = offboarding.reset_password(
        session=session, reviewer_id=rev.id, password=NEW_PASSWORD, by=admin, now=now
    )

    assert ended == 1
    assert sessions.reviewer_for(session=session, token=token, now=now) is None
    assert sign_in(session, now, "rev@example.com").refusal is not None
    assert sign_in(session, now, "rev@example.com", NEW_PASSWORD).refusal is None


def change(session, reviewer, now, *, current=PASSWORD, new=NEW_PASSWORD, token=""):
    return offboarding.change_password(
        session=session, reviewer=reviewer, current=current, new=new, token=token, now=now
    )


def test_a_reviewer_changes_their_password_and_their_other_sessions_end(session, now):
    rev = make_reviewer(session, "rev@example.com").reviewer
    _, here = sign_in(session, now, "rev@example.com").unwrap()
    _, elsewhere = sign_in(session, now, "rev@example.com").unwrap()

    with pytest.raises(Unauthorized, match="current password is wrong"):
        change(session, rev, now, current="guess-guess-guess", token=here).unwrap()
    with pytest.raises(Invalid, match="'rev'"):
        change(session, rev, now, new="rev-rev-rev-rev-1", token=here)

    ended = change(session, rev, now, token=here).unwrap()

    assert ended == 1
    assert sessions.reviewer_for(session=session, token=here, now=now) == rev
    assert sessions.reviewer_for(session=session, token=elsewhere, now=now) is None
    assert sign_in(session, now, "rev@example.com", NEW_PASSWORD).refusal is None
    assert security_actions(session, rev)[-2:] == ["password_changed", "signed_in"]


def test_guessing_the_current_password_locks_the_account_like_sign_in(session, now):
    rev = make_reviewer(session, "rev@example.com").reviewer

    refusals = [change(session, rev, now, current=f"guess-number-{n}").refusal for n in range(5)]

    assert [type(r) for r in refusals] == [Unauthorized] * 4 + [Throttled]
    assert isinstance(change(session, rev, now).refusal, Throttled)  # even the right one, while locked
    assert isinstance(sign_in(session, now, "rev@example.com").refusal, Throttled)
    assert change(session, rev, now + timedelta(minutes=5)).unwrap() == 0


def test_an_answer_to_a_disabled_reviewers_question_goes_to_round_robin(session, now):
    admin = make_reviewer(session, "admin@example.com", role=Role.admin, active=False).reviewer
    asker = make_reviewer(session, "asker@example.com").reviewer
    agent = make_agent(session).agent
    escalation = make_escalation(session, agent, now=now)
    stayer = make_reviewer(session, "stayer@example.com").reviewer
    handback.request_info(
        session=session, escalation_id=escalation.id, by=asker, question="Which order?", now=now
    )

    change = offboarding.disable(session=session, reviewer_id=asker.id, by=admin, now=now)
    assert change.touched == []  # still waiting on the agent
    handback.add_context(
        session=session,
        escalation_id=escalation.id,
        agent=agent,
        data={"order": "A-1"},
        note=None,
        now=now,
        max_context_bytes=65_536,
    )

    assert (escalation.status, escalation.assigned_to) == (Status.assigned, stayer.id)
    trail = session.exec(
        select(EscalationEvent.action)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(col(EscalationEvent.id))
    ).all()
    assert trail[-3:] == ["context_added", "handed_back", "assigned"]
