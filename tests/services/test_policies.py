"""Policy versions: version 1 from the environment, proposals, approval, activation and rollback, diffs,
processes picking up a new version, and the version stamped on escalations and audit events."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from escalq.config import get_settings
from escalq.models import EscalationEvent, Priority, Role, SecurityEvent
from escalq.schemas.escalation import EscalationCreate
from escalq.schemas.policy import PolicyDocument
from escalq.services import escalations, policies
from escalq.services.errors import Forbidden, Invalid
from escalq.services.outbound import configured
from tests.factories import make_agent, make_reviewer


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


def fresh() -> policies.Cache:
    return policies.Cache(ttl=timedelta(0))


def admins(session):
    author = make_reviewer(session, "ada@example.com", role=Role.admin).reviewer
    second = make_reviewer(session, "bob@example.com", role=Role.admin).reviewer
    return author, second


def looser_loops(similarity: float = 80) -> dict:
    document = PolicyDocument().model_dump(mode="json")
    document["loops"]["similarity"] = similarity
    return document


def test_version_one_comes_from_the_environment_on_first_read(session):
    policy = policies.current(session, cache=fresh())
    assert policy.number == 1
    assert policy.document == PolicyDocument.from_settings(get_settings())
    assert [row.number for row in policies.listing(session=session)] == [1]


def test_propose_makes_an_inactive_numbered_version(session, now):
    author, _ = admins(session)
    policies.current(session, cache=fresh())
    row = policies.propose(session=session, document=looser_loops(), author=author, comment="looser", now=now)
    assert (row.number, row.active, row.comment, row.author_id) == (2, False, "looser", author.id)
    assert policies.current(session, cache=fresh()).number == 1


def test_an_invalid_document_is_refused_with_the_field(session, now):
    author, _ = admins(session)
    with pytest.raises(Invalid, match=r"loops\.similarity"):
        policies.propose(session=session, document=looser_loops(150), author=author, comment="", now=now)


def test_activation_and_rollback_are_audited_with_the_diff(session, now):
    author, second = admins(session)
    policies.current(session, cache=fresh())
    policies.propose(session=session, document=looser_loops(), author=author, comment="", now=now)
    done = policies.activate(session=session, number=2, by=second, approval_required=False, now=now)
    assert done.previous == 1
    assert [str(change) for change in done.changes] == ["loops.similarity: 90.0 -> 80.0"]
    assert policies.current(session, cache=fresh()).document.loops.similarity == 80
    back = policies.activate(session=session, number=1, by=second, approval_required=False, now=now)
    assert (back.previous, back.activated) == (2, 1)
    assert policies.current(session, cache=fresh()).number == 1
    session.flush()
    events = session.exec(select(SecurityEvent).where(SecurityEvent.action == "policy_activated")).all()
    assert [e.details["diff"] for e in events] == [
        [{"path": "loops.similarity", "before": 90.0, "after": 80.0}],
        [{"path": "loops.similarity", "before": 80.0, "after": 90.0}],
    ]
    assert sum(row.active for row in policies.listing(session=session)) == 1


def test_with_approval_on_the_author_cannot_approve_and_unapproved_cannot_activate(session, now):
    author, second = admins(session)
    policies.current(session, cache=fresh())
    policies.propose(session=session, document=looser_loops(), author=author, comment="", now=now)
    with pytest.raises(Forbidden, match="not approved"):
        policies.activate(session=session, number=2, by=author, approval_required=True, now=now)
    with pytest.raises(Forbidden, match="another admin"):
        policies.approve(session=session, number=2, by=author, now=now)
    policies.approve(session=session, number=2, by=second, now=now)
    done = policies.activate(session=session, number=2, by=author, approval_required=True, now=now)
    assert done.activated == 2


def test_only_admins_propose(session, now):
    reviewer = make_reviewer(session, "rev@example.com", role=Role.manager).reviewer
    with pytest.raises(Forbidden):
        policies.propose(session=session, document=looser_loops(), author=reviewer, comment="", now=now)


def test_diff_walks_nested_fields():
    before = PolicyDocument()
    after = PolicyDocument.model_validate(
        {"timeouts": {"high_bump_after_min": 30}, "notifications": {"slack": False}}
    )
    assert [c.as_json() for c in policies.diff(before, after)] == [
        {"path": "timeouts.high_bump_after_min", "before": 240.0, "after": 30.0},
        {"path": "notifications.slack", "before": True, "after": False},
    ]
    assert policies.diff(after, after) == []


def test_another_process_picks_up_an_activation_within_its_ttl(session, now):
    author, second = admins(session)
    clock = Clock(now)
    other = policies.Cache(ttl=timedelta(seconds=5), clock=clock)
    assert other.get(session).number == 1
    policies.propose(session=session, document=looser_loops(), author=author, comment="", now=now)
    policies.activate(session=session, number=2, by=second, approval_required=False, now=now)
    clock.at = now + timedelta(seconds=4)
    assert other.get(session).number == 1
    clock.at = now + timedelta(seconds=5)
    assert other.get(session).number == 2


def test_the_policy_decides_limits_and_expiry_and_stamps_the_escalation(session, now):
    author, second = admins(session)
    agent = make_agent(session).agent
    policies.current(session, cache=fresh())
    document = looser_loops()
    document["expiry"]["low_after_min"] = 30
    policies.propose(session=session, document=document, author=author, comment="", now=now)
    policies.activate(session=session, number=2, by=second, approval_required=False, now=now)
    session.commit()
    outbound = policies.outbound(configured(), policies.current(session, cache=fresh()))
    assert outbound.limits.similarity == 80
    data = EscalationCreate(issue_description="Refund for order 7", priority=Priority.low)
    created = escalations.create(session=session, data=data, agent=agent, outbound=outbound, now=now)
    session.commit()
    escalation = created.escalation
    assert escalation.policy_version == 2
    assert escalation.expires_at == now + timedelta(minutes=30)
    stamped = session.exec(
        select(EscalationEvent.policy_version).where(EscalationEvent.escalation_id == escalation.id)
    ).all()
    assert stamped and set(stamped) == {2}


def test_the_page_view_lists_versions_and_diffs_a_version_from_the_active(session, now):
    author, second = admins(session)
    policies.current(session, cache=fresh())
    policies.propose(session=session, document=looser_loops(), author=author, comment="looser", now=now)
    policies.activate(session=session, number=2, by=second, approval_required=False, now=now)

    shown = policies.shown(session=session, number=1)

    assert [(r.number, r.active, r.older, r.comment) for r in shown.versions] == [
        (2, True, False, "looser"),
        (1, False, True, "from the environment"),
    ]
    assert (shown.active, shown.number) == (2, 1)
    assert shown.changes == ["loops.similarity: 80.0 -> 90.0"]
    assert '"similarity": 90.0' in shown.text
    assert policies.activation_changes(session=session, number=2) == []
    assert policies.shown(session=session, number=None).number == 2


def test_a_refused_document_gives_one_error_per_field():
    with pytest.raises(Invalid) as refused:
        policies.parse({"loops": {"similarity": 150}, "timeouts": {"high_action": "page"}, "extra": 1})
    assert [e.path for e in policies.field_errors(refused.value)] == [
        "timeouts.high_action",
        "loops.similarity",
        "extra",
    ]
    with pytest.raises(Invalid) as not_json:
        policies.from_text("[1]")
    assert [(e.path, e.message) for e in policies.field_errors(not_json.value)] == [
        ("document", "the policy document must be a JSON object")
    ]
