from datetime import timedelta

from escalq.models import Priority, Role, Status
from escalq.schemas.policy import PolicyDocument
from escalq.services import escalations, queue, timeouts
from escalq.services.listing import EscalationFilter, Order, SortKey
from escalq.services.notifications import Channels
from tests.factories import make_agent, make_escalation, make_reviewer

NO_CHANNELS = Channels(slack_webhook_url=None, smtp=None, timeout_s=1, public_url="http://localhost:3000")
RULES = timeouts.rules(PolicyDocument())  # 1 hour, 4 hours and a day


def _page(session, viewer, now, *, scope=queue.Scope.all, filters=None, limit=50, rules=RULES):
    return queue.page(
        session=session,
        viewer=viewer,
        scope=scope,
        filters=filters or EscalationFilter(),
        sort=SortKey.priority,
        order=Order.desc,
        limit=limit,
        cursor=None,
        rules=rules,
        now=now,
    )


def test_rows_are_plain_values_sorted_urgent_first_with_the_total(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session).reviewer
    make_escalation(session, agent, priority=Priority.low, description="low one", now=now)
    make_escalation(session, agent, priority=Priority.urgent, description="urgent\n  one", now=now)
    make_escalation(session, agent, priority=Priority.high, description="high one", now=now)
    found = _page(session, viewer, now, limit=2)
    assert [row.priority for row in found.rows] == ["urgent", "high"]
    assert found.total == 3
    assert found.next_cursor is not None
    first = found.rows[0]
    assert (first.description, first.assignee, first.mine, first.status) == (
        "urgent one",
        "Rev",
        True,
        "assigned",
    )


def test_scopes_mine_and_unassigned(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session, "me@example.com").reviewer
    mine = make_escalation(session, agent, now=now)
    other = make_reviewer(session, "other@example.com").reviewer
    theirs = make_escalation(session, agent, now=now)
    assert theirs.assigned_to == other.id
    viewer.active = other.active = False
    session.add_all([viewer, other])
    session.commit()
    nobody = make_escalation(session, agent, now=now)
    assert [r.id for r in _page(session, viewer, now, scope=queue.Scope.mine).rows] == [str(mine.id)]
    assert [r.id for r in _page(session, viewer, now, scope=queue.Scope.unassigned).rows] == [str(nobody.id)]
    assert _page(session, viewer, now).total == 3


def test_stale_flag_follows_the_priority_timeouts(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session).reviewer
    make_escalation(session, agent, priority=Priority.urgent, description="old", now=now - timedelta(hours=2))
    make_escalation(
        session, agent, priority=Priority.urgent, description="new", now=now - timedelta(minutes=5)
    )
    rows = {row.description: row for row in _page(session, viewer, now).rows}
    assert rows["old"].stale and not rows["new"].stale


def test_a_bumped_high_sorts_with_the_urgent_ones(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session).reviewer
    make_escalation(session, agent, priority=Priority.urgent, description="urgent, newer", now=now)
    make_escalation(
        session, agent, priority=Priority.high, description="high, old", now=now - timedelta(hours=5)
    )
    report = timeouts.apply(session=session, rules=RULES, channels=NO_CHANNELS, now=now)
    session.commit()
    assert len(report["bumped"]) == 1
    rows = _page(session, viewer, now, filters=EscalationFilter(statuses=[Status.assigned])).rows
    assert [(row.description, row.bumped) for row in rows] == [("high, old", True), ("urgent, newer", False)]


def test_each_row_counts_down_to_its_priority_rule_then_to_its_expiry(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session).reviewer
    opened = now - timedelta(minutes=10)
    for priority in Priority:
        made = make_escalation(session, agent, priority=priority, description=priority.value, now=opened)
        made.expires_at = now + timedelta(hours=2)
        session.add(made)
    session.commit()
    rows = {row.description: row for row in _page(session, viewer, now).rows}
    assert {d: (r.deadline_label, r.deadline_at) for d, r in rows.items()} == {
        "urgent": ("to on-call", (opened + timedelta(hours=1)).isoformat()),
        "high": ("bumped", (opened + timedelta(hours=4)).isoformat()),
        "medium": ("to managers", (opened + timedelta(hours=24)).isoformat()),
        "low": ("expires", (now + timedelta(hours=2)).isoformat()),
    }
    assert {r.deadline_from for r in rows.values()} == {opened.isoformat()}


def test_the_countdowns_follow_the_policys_actions(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session).reviewer
    opened = now - timedelta(minutes=10)
    for priority in (Priority.urgent, Priority.medium):
        made = make_escalation(session, agent, priority=priority, description=priority.value, now=opened)
        made.expires_at = now + timedelta(hours=2)
        session.add(made)
    session.commit()
    document = PolicyDocument.model_validate(
        {"timeouts": {"urgent_action": "none", "medium_action": "oncall", "medium_managers_after_min": 30}}
    )
    rows = _page(session, viewer, now, rules=timeouts.rules(document)).rows
    assert {r.description: (r.deadline_label, r.deadline_at) for r in rows} == {
        "urgent": ("expires", (now + timedelta(hours=2)).isoformat()),
        "medium": ("to on-call", (opened + timedelta(minutes=30)).isoformat()),
    }


def test_a_fired_rule_gives_way_to_the_expiry_and_a_claim_ends_the_countdown(session, now):
    agent = make_agent(session).agent
    viewer = make_reviewer(session).reviewer
    late = make_escalation(session, agent, priority=Priority.urgent, now=now - timedelta(hours=2))
    late.expires_at = now + timedelta(hours=1)
    overdue = make_escalation(session, agent, priority=Priority.urgent, now=now - timedelta(hours=2))
    overdue.expires_at = None
    session.add_all([late, overdue])
    session.commit()
    timeouts.apply(session=session, rules=RULES, channels=NO_CHANNELS, now=now)
    session.commit()
    rows = {row.id: row for row in _page(session, viewer, now).rows}
    assert (rows[str(late.id)].deadline_label, rows[str(late.id)].deadline_at) == (
        "expires",
        (now + timedelta(hours=1)).isoformat(),
    )
    # Fired, and nothing else will happen by itself: it stays breached.
    assert rows[str(overdue.id)].deadline_at == (now - timedelta(hours=1)).isoformat()

    escalations.claim(session=session, escalation_id=late.id, by=viewer, now=now)
    session.commit()
    claimed = next(row for row in _page(session, viewer, now).rows if row.id == str(late.id))
    assert (claimed.deadline_label, claimed.deadline_at, claimed.claimable) == ("", "", False)
    assert claimed.resolvable


def test_only_the_holder_or_a_manager_may_resolve_from_the_queue(session, now):
    agent = make_agent(session).agent
    holder = make_reviewer(session, "holder@example.com").reviewer
    escalation = make_escalation(session, agent, now=now)
    colleague = make_reviewer(session, "colleague@example.com").reviewer
    manager = make_reviewer(session, "boss@example.com", role=Role.manager).reviewer
    assert escalation.assigned_to == holder.id
    seen = {who.email: _page(session, who, now).rows[0].resolvable for who in (holder, colleague, manager)}
    assert seen == {"holder@example.com": True, "colleague@example.com": False, "boss@example.com": True}


def test_urgent_alerts_are_the_unclaimed_urgent_ones_assigned_to_the_reviewer_masked(session, now):
    agent = make_agent(session).agent
    me = make_reviewer(session, "me@example.com").reviewer
    urgent = make_escalation(
        session,
        agent,
        priority=Priority.urgent,
        description="Card 4111 1111 1111 1111 charged twice",
        now=now,
    )
    make_escalation(session, agent, priority=Priority.high, now=now)
    claimed = make_escalation(session, agent, priority=Priority.urgent, now=now)
    escalations.claim(session=session, escalation_id=claimed.id, by=me, now=now)
    colleague = make_reviewer(session, "colleague@example.com").reviewer
    theirs = make_escalation(session, agent, priority=Priority.urgent, now=now)
    theirs.assigned_to = colleague.id
    session.commit()
    waiting = queue.urgent_waiting(session=session)
    alerts = waiting[me.id]
    assert [(a.id, a.agent) for a in alerts] == [(str(urgent.id), agent.name)]
    assert {holder: [a.id for a in found] for holder, found in waiting.items()} == {
        me.id: [str(urgent.id)],
        colleague.id: [str(theirs.id)],
    }
    assert "4111 1111 1111 1111" not in alerts[0].description
    assert alerts[0].description.endswith("charged twice")


def test_my_work_is_remembered_on_the_reviewer(session):
    me = make_reviewer(session, "me@example.com").reviewer
    queue.remember_my_work(session=session, reviewer_id=me.id, on=True)
    session.commit()
    session.refresh(me)
    assert me.opens_my_work
    queue.remember_my_work(session=session, reviewer_id=me.id, on=False)
    session.commit()
    session.refresh(me)
    assert not me.opens_my_work
