from datetime import timedelta

from escalq.models import Priority, Status
from escalq.services import queue, timeouts
from escalq.services.listing import EscalationFilter, Order, SortKey
from escalq.services.notifications import Channels
from tests.factories import make_agent, make_escalation, make_reviewer

NO_CHANNELS = Channels(slack_webhook_url=None, smtp=None, timeout_s=1, public_url="http://localhost:3000")
STALE_AFTER = {
    Priority.urgent: timedelta(hours=1),
    Priority.high: timedelta(hours=4),
    Priority.medium: timedelta(hours=24),
}


def _page(session, viewer, now, *, scope=queue.Scope.all, filters=None, limit=50):
    return queue.page(
        session=session,
        viewer=viewer,
        scope=scope,
        filters=filters or EscalationFilter(),
        sort=SortKey.priority,
        order=Order.desc,
        limit=limit,
        cursor=None,
        stale_after=STALE_AFTER,
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
    report = timeouts.apply(session=session, limits=STALE_AFTER, channels=NO_CHANNELS, now=now)
    session.commit()
    assert len(report["bumped"]) == 1
    rows = _page(session, viewer, now, filters=EscalationFilter(statuses=[Status.assigned])).rows
    assert [(row.description, row.bumped) for row in rows] == [("high, old", True), ("urgent, newer", False)]
