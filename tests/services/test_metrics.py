"""The managers' figures over a hand-built set of escalations whose every answer is worked out below.

Times are offsets from S, the start of the day the main range covers ([S, S + 24h): hour buckets).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from escalq.models import Agent, Escalation, Priority, Status, Task, TaskKind, TaskStatus
from escalq.schemas.metrics import (
    AgentRate,
    BacklogCell,
    DurationBucket,
    DurationStats,
    PriorityBreaches,
    PriorityDuration,
    Reason,
    ReviewerBreaches,
    WebhookStats,
)
from escalq.services import metrics
from escalq.services.errors import Invalid
from escalq.services.metrics import MetricsQuery
from tests.factories import make_agent, make_reviewer

S = datetime(2026, 11, 20, tzinfo=UTC)
E = S + timedelta(days=1)
DAY = MetricsQuery(start=S, end=E)
SLA = {
    Priority.urgent: timedelta(hours=1),
    Priority.high: timedelta(hours=4),
    Priority.medium: timedelta(hours=24),
}
H, M = timedelta(hours=1), timedelta(minutes=1)
TIMES = ("assigned", "claimed", "resolved", "expired")


def sec(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def at(offset: timedelta) -> datetime:
    return S + offset


def approx(value: float) -> object:
    """Floats from PostgreSQL (avg, percentile_cont) equal the hand-worked value up to rounding."""
    return pytest.approx(value, rel=1e-12)


def add_escalation(
    session: Session,
    agent: str,
    *,
    created: datetime,
    priority: Priority,
    status: Status,
    assigned: timedelta | None = None,
    claimed: timedelta | None = None,
    resolved: timedelta | None = None,
    expired: timedelta | None = None,
    category: str | None = None,
) -> Escalation:
    """A row written as it is (`assigned`, `claimed`, `resolved`, `expired`: delays after `created`)."""
    escalation = Escalation(
        source_agent=agent,
        issue_description="hand-built",
        priority=priority,
        status=status,
        created_at=created,
        assigned_at=None if assigned is None else created + assigned,
        claimed_at=None if claimed is None else created + claimed,
        resolved_at=None if resolved is None else created + resolved,
        expired_at=None if expired is None else created + expired,
        category=category,
    )
    session.add(escalation)
    session.flush()
    return escalation


def add_task(session: Session, escalation: Escalation, status: TaskStatus, kind: TaskKind = TaskKind.webhook):
    session.add(
        Task(
            kind=kind,
            escalation_id=escalation.id,
            status=status,
            next_attempt_at=escalation.created_at,
            created_at=escalation.created_at,
        )
    )


@dataclass
class Dataset:
    agents: dict[str, Agent]
    rows: dict[int, Escalation]


@pytest.fixture
def data(session) -> Dataset:
    """Thirteen escalations of alpha, beta and gamma; idle never escalated.  Ann, Bob and Cy hold some.

    In [S, E): 1-8 and 12.  Outside: 9 (created exactly at E), 10 (one second before S), 11 and 13 (three
    and two days before S).
    """
    agents = {name: make_agent(session, name).agent for name in ("alpha", "beta", "gamma", "idle")}
    U, HI, MED, LO = Priority.urgent, Priority.high, Priority.medium, Priority.low
    PEN, ASG, CLM, INFO = Status.pending, Status.assigned, Status.claimed, Status.needs_info
    RES, EXP = Status.resolved, Status.expired
    # agent, created, priority, status; assigned, claimed, resolved, expired (after created); category
    rows = {
        1: ("alpha", at(10 * M), U, RES, sec(60), 5 * M, 30 * M, None, "refund"),
        # Claimed exactly at the high threshold: waiting 4 h is not a breach, only longer is.
        2: ("alpha", at(20 * M), HI, RES, sec(120), 4 * H, 5 * H, None, "refund"),
        3: ("alpha", at(H + 5 * M), MED, CLM, sec(300), 30 * M, None, None, "identity"),
        # Never claimed: it has waited until `now` (2026-11-22 09:00), far past the urgent hour.
        4: ("beta", at(H + 30 * M), U, ASG, sec(600), None, None, None, "refund"),
        5: ("beta", at(2 * H), LO, PEN, None, None, None, None, None),
        # Resolved by a supervisor without a claim: the wait ends at the resolution, 6 h > 4 h.
        6: ("beta", at(2 * H + 15 * M), HI, RES, sec(900), None, 6 * H, None, "limits"),
        7: ("alpha", E - sec(1), U, CLM, sec(30), 2 * H, None, None, "identity"),
        8: ("alpha", S, MED, RES, sec(1800), H, 3 * H, None, "limits"),
        9: ("alpha", E, U, PEN, None, None, None, None, "identity"),
        10: ("beta", S - sec(1), HI, RES, sec(10), M, H, None, "outside"),
        11: ("gamma", S - timedelta(days=3), MED, ASG, sec(45), None, None, None, "outside"),
        # Expired unclaimed after 2 h: its wait ends there, within the medium day.
        12: ("beta", at(3 * H), MED, EXP, None, None, None, 2 * H, "refund"),
        13: ("gamma", S - timedelta(days=2), HI, INFO, sec(30), 10 * M, None, None, "outside"),
    }
    made = {
        n: add_escalation(
            session, agent, created=c, priority=p, status=st, category=why, **dict(zip(TIMES, t, strict=True))
        )
        for n, (agent, c, p, st, *t, why) in rows.items()
    }
    holders = {name: make_reviewer(session, f"{name}@example.com").reviewer for name in ("ann", "bob", "cy")}
    for n, name in {1: "ann", 2: "bob", 3: "bob", 7: "cy", 8: "ann", 10: "ann", 13: "bob"}.items():
        made[n].assigned_to = holders[name].id
    add_task(session, made[1], TaskStatus.done)
    add_task(session, made[1], TaskStatus.failed, TaskKind.notification)  # not a webhook
    add_task(session, made[2], TaskStatus.done)
    add_task(session, made[6], TaskStatus.failed)
    add_task(session, made[8], TaskStatus.done)
    add_task(session, made[8], TaskStatus.pending)
    add_task(session, made[8], TaskStatus.running)
    add_task(session, made[10], TaskStatus.done)  # its escalation is outside the range
    session.commit()
    return Dataset(agents=agents, rows=made)


def compute(session, now, query=DAY, sla=SLA):
    return metrics.compute(session=session, query=query, sla=sla, now=now)


# --- the whole day, every agent -------------------------------------------------------------------


def test_first_assignment_count_average_median_and_p90(session, data, now):
    found = compute(session, now).first_assignment
    # Seconds to assignment of 1-8 (5 was never assigned), sorted: 30 60 120 300 600 900 1800.
    # Sum 3810 over 7.  percentile_cont: position q*(n-1); 0.5*6 = 3 -> 300;
    # 0.9*6 = 5.4 -> 900 + 0.4 * (1800 - 900) = 1260.
    assert found == DurationStats(count=7, avg_s=approx(3810 / 7), median_s=approx(300), p90_s=approx(1260))


def test_first_assignment_over_time_in_utc_hours(session, data, now):
    found = compute(session, now)
    assert found.bucket == "hour"
    assert found.first_assignment_over_time == [
        # 8, 1, 2: 1800 60 120 -> avg 660, median 120, p90 at 1.8: 120 + 0.8 * (1800 - 120) = 1464.
        DurationBucket(start=S, count=3, avg_s=approx(660), median_s=approx(120), p90_s=approx(1464)),
        # 3, 4: 300 600 -> median at 0.5: 450, p90 at 0.9: 300 + 0.9 * 300 = 570.
        DurationBucket(start=at(H), count=2, avg_s=approx(450), median_s=approx(450), p90_s=approx(570)),
        DurationBucket(start=at(2 * H), count=1, avg_s=approx(900), median_s=approx(900), p90_s=approx(900)),
        DurationBucket(start=at(23 * H), count=1, avg_s=approx(30), median_s=approx(30), p90_s=approx(30)),
    ]


def test_resolution_time_by_priority_lists_all_four(session, data, now):
    assert compute(session, now).resolution_by_priority == [
        PriorityDuration(priority="urgent", count=1, avg_s=approx(1800)),
        PriorityDuration(priority="high", count=2, avg_s=approx((5 * 3600 + 6 * 3600) / 2)),
        PriorityDuration(priority="medium", count=1, avg_s=approx(3 * 3600)),
        PriorityDuration(priority="low", count=0, avg_s=None),
    ]


def test_rate_per_agent_includes_agents_without_escalations(session, data, now):
    assert compute(session, now).rate_per_agent == [
        AgentRate(agent="alpha", count=5, per_bucket=5 / 24),
        AgentRate(agent="beta", count=4, per_bucket=4 / 24),
        AgentRate(agent="gamma", count=0, per_bucket=0.0),
        AgentRate(agent="idle", count=0, per_bucket=0.0),
    ]


def test_top_reasons_by_count_then_name(session, data, now):
    assert compute(session, now).top_reasons == [
        Reason(category="refund", count=4),
        Reason(category="identity", count=2),
        Reason(category="limits", count=2),
    ]


def test_backlog_is_now_whatever_the_range(session, data, now):
    expected = {
        ("pending", "urgent"): 1,  # 9, created after the range
        ("pending", "low"): 1,  # 5
        ("assigned", "urgent"): 1,  # 4
        ("assigned", "medium"): 1,  # 11, three days before the range
        ("claimed", "urgent"): 1,  # 7
        ("claimed", "medium"): 1,  # 3
        ("needs_info", "high"): 1,  # 13, two days before the range
    }
    assert compute(session, now).backlog == backlog(expected)


def backlog(counts: dict[tuple[str, str], int]) -> list[BacklogCell]:
    """Every open status by every priority, urgent first, zeros included."""
    return [
        BacklogCell(status=s, priority=p, count=counts.get((s, p), 0))
        for s in ("pending", "assigned", "claimed", "needs_info")
        for p in ("urgent", "high", "medium", "low")
    ]


def test_sla_breaches_wait_until_claim_else_resolution_else_expiry_else_now(session, data, now):
    assert compute(session, now).sla_breaches == [
        # 4 and 7, not 1.
        PriorityBreaches(priority="urgent", total=3, breached=2, threshold_s=3600.0),
        # 6; 2 waited exactly 4 h.
        PriorityBreaches(priority="high", total=2, breached=1, threshold_s=14400.0),
        # 3, 8, and 12, which expired after 2 h (counted until now it would have waited 54 h).
        PriorityBreaches(priority="medium", total=3, breached=0, threshold_s=86400.0),
    ]  # low has no timeout, so no row


def test_sla_by_reviewer_counts_claims_after_the_timeout(session, data, now):
    """1 and 8 (Ann), 2 and 3 (Bob), 7 (Cy, 2 h for an urgent one); 6 was never claimed, 10 is outside."""
    assert compute(session, now).sla_by_reviewer == [
        ReviewerBreaches(reviewer="Cy", total=1, breached=1),
        ReviewerBreaches(reviewer="Ann", total=2, breached=0),
        ReviewerBreaches(reviewer="Bob", total=2, breached=0),
    ]


def test_sla_breaches_only_for_the_priorities_given(session, data, now):
    found = compute(session, now, sla={Priority.urgent: timedelta(hours=3)})
    assert found.sla_breaches == [
        PriorityBreaches(priority="urgent", total=3, breached=1, threshold_s=10800.0)
    ]
    assert found.sla_by_reviewer == [
        ReviewerBreaches(reviewer="Ann", total=1, breached=0),
        ReviewerBreaches(reviewer="Cy", total=1, breached=0),
    ]


def test_webhook_success_rate_over_finished_deliveries(session, data, now):
    # done: 1, 2, 8; failed: 6; pending or running: 8, 8.  10 is outside, the notification is no webhook.
    assert compute(session, now).webhooks == WebhookStats(succeeded=3, failed=1, pending=2, success_rate=0.75)


def test_the_result_says_what_was_asked(session, data, now):
    found = compute(session, now, query=MetricsQuery(start=S, end=E, agent="beta"))
    assert (found.start, found.end, found.agent, found.bucket) == (S, E, "beta", "hour")


# --- one agent ------------------------------------------------------------------------------------


def test_agent_filter_applies_to_every_figure(session, data, now):
    found = compute(session, now, query=MetricsQuery(start=S, end=E, agent="alpha"))
    # 1, 2, 3, 7, 8: 30 60 120 300 1800; median index 2 -> 120; p90 at 3.6: 300 + 0.6 * 1500 = 1200.
    assert found.first_assignment == DurationStats(
        count=5, avg_s=approx(2310 / 5), median_s=approx(120), p90_s=approx(1200)
    )
    assert found.first_assignment_over_time == [
        DurationBucket(start=S, count=3, avg_s=approx(660), median_s=approx(120), p90_s=approx(1464)),
        DurationBucket(start=at(H), count=1, avg_s=approx(300), median_s=approx(300), p90_s=approx(300)),
        DurationBucket(start=at(23 * H), count=1, avg_s=approx(30), median_s=approx(30), p90_s=approx(30)),
    ]
    assert found.resolution_by_priority == [
        PriorityDuration(priority="urgent", count=1, avg_s=approx(1800)),
        PriorityDuration(priority="high", count=1, avg_s=approx(5 * 3600)),
        PriorityDuration(priority="medium", count=1, avg_s=approx(3 * 3600)),
        PriorityDuration(priority="low", count=0, avg_s=None),
    ]
    assert found.rate_per_agent == [AgentRate(agent="alpha", count=5, per_bucket=5 / 24)]
    assert found.top_reasons == [
        Reason(category="identity", count=2),
        Reason(category="refund", count=2),
        Reason(category="limits", count=1),
    ]
    assert found.backlog == backlog(
        {("pending", "urgent"): 1, ("claimed", "urgent"): 1, ("claimed", "medium"): 1}
    )
    assert found.sla_breaches == [
        PriorityBreaches(priority="urgent", total=2, breached=1, threshold_s=3600.0),
        PriorityBreaches(priority="high", total=1, breached=0, threshold_s=14400.0),
        PriorityBreaches(priority="medium", total=2, breached=0, threshold_s=86400.0),
    ]
    assert found.sla_by_reviewer == [
        ReviewerBreaches(reviewer="Cy", total=1, breached=1),
        ReviewerBreaches(reviewer="Ann", total=2, breached=0),
        ReviewerBreaches(reviewer="Bob", total=2, breached=0),
    ]
    assert found.webhooks == WebhookStats(succeeded=3, failed=0, pending=2, success_rate=1.0)


def test_an_agent_that_never_escalated_gets_zeros(session, data, now):
    found = compute(session, now, query=MetricsQuery(start=S, end=E, agent="idle"))
    assert_nothing_in_range(found)
    assert found.rate_per_agent == [AgentRate(agent="idle", count=0, per_bucket=0.0)]
    assert found.backlog == backlog({})


def assert_nothing_in_range(found) -> None:
    assert found.first_assignment == DurationStats(count=0, avg_s=None, median_s=None, p90_s=None)
    assert found.first_assignment_over_time == []
    assert found.resolution_by_priority == [
        PriorityDuration(priority=p, count=0, avg_s=None) for p in ("urgent", "high", "medium", "low")
    ]
    assert found.top_reasons == []
    assert found.sla_breaches == [
        PriorityBreaches(priority="urgent", total=0, breached=0, threshold_s=3600.0),
        PriorityBreaches(priority="high", total=0, breached=0, threshold_s=14400.0),
        PriorityBreaches(priority="medium", total=0, breached=0, threshold_s=86400.0),
    ]
    assert found.sla_by_reviewer == []
    assert found.webhooks == WebhookStats(succeeded=0, failed=0, pending=0, success_rate=None)


# --- other ranges ---------------------------------------------------------------------------------


def test_an_empty_range_gives_zeros_but_the_backlog_stays(session, data, now):
    found = compute(
        session, now, query=MetricsQuery(start=S - timedelta(days=20), end=S - timedelta(days=19))
    )
    assert_nothing_in_range(found)
    assert found.rate_per_agent == [AgentRate(agent=name, count=0, per_bucket=0.0) for name in data.agents]
    assert sum(cell.count for cell in found.backlog) == 7


def test_a_database_without_escalations(session, now):
    found = compute(session, now)
    assert_nothing_in_range(found)
    assert found.rate_per_agent == []
    assert found.backlog == backlog({})


def test_start_is_inclusive_and_end_exclusive(session, data, now):
    """8 was created exactly at S (in), 9 exactly at E (out); shifting the range by a second flips both."""
    shifted = MetricsQuery(start=S + timedelta(seconds=1), end=E + timedelta(seconds=1))
    found = compute(session, now, query=shifted)
    assert found.rate_per_agent[:2] == [
        AgentRate(agent="alpha", count=5, per_bucket=5 / 24),  # 8 out, 9 in
        AgentRate(agent="beta", count=4, per_bucket=4 / 24),
    ]
    assert found.first_assignment.count == 6  # 9 was never assigned
    assert [r.count for r in found.resolution_by_priority] == [1, 2, 0, 0]


def test_ranges_beyond_two_days_use_utc_day_buckets(session, data, now):
    """Bucket starts are UTC midnights even when the connection speaks another time zone."""
    session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
    week = MetricsQuery(start=S - timedelta(days=3), end=S + timedelta(days=4))
    found = compute(session, now, query=week)
    assert found.bucket == "day"
    assert found.first_assignment_over_time == [
        DurationBucket(start=S - timedelta(days=3), count=1, avg_s=45.0, median_s=45.0, p90_s=45.0),  # 11
        DurationBucket(start=S - timedelta(days=2), count=1, avg_s=30.0, median_s=30.0, p90_s=30.0),  # 13
        DurationBucket(start=S - timedelta(days=1), count=1, avg_s=10.0, median_s=10.0, p90_s=10.0),  # 10
        DurationBucket(start=S, count=7, avg_s=approx(3810 / 7), median_s=approx(300), p90_s=approx(1260)),
    ]
    for bucket in found.first_assignment_over_time:
        assert bucket.start.astimezone(UTC).time() == datetime.min.time()
    assert found.rate_per_agent == [
        AgentRate(agent="alpha", count=6, per_bucket=6 / 7),
        AgentRate(agent="beta", count=5, per_bucket=5 / 7),
        AgentRate(agent="gamma", count=2, per_bucket=2 / 7),
        AgentRate(agent="idle", count=0, per_bucket=0.0),
    ]


def test_two_days_is_still_hours(session, data, now):
    two_days = compute(session, now, query=MetricsQuery(start=S, end=S + timedelta(days=2)))
    assert two_days.bucket == "hour"
    assert two_days.rate_per_agent[0] == AgentRate(agent="alpha", count=6, per_bucket=6 / 48)
    longer = MetricsQuery(start=S, end=S + timedelta(days=2, seconds=1))
    assert longer.bucket == "day"


def test_only_the_ten_most_frequent_reasons(session, now):
    make_agent(session, "bot")
    # c01 once, c02 twice, ... c12 twelve times, plus a tie with c12 that sorts before it by name.
    counts = {f"c{n:02d}": n for n in range(1, 13)} | {"b-tie": 12}
    for category, count in counts.items():
        for _ in range(count):
            add_escalation(
                session, "bot", created=at(H), priority=Priority.low, status=Status.pending, category=category
            )
    add_escalation(session, "bot", created=at(H), priority=Priority.low, status=Status.pending)  # no category
    session.commit()
    assert compute(session, now).top_reasons == [
        Reason(category="b-tie", count=12),
        Reason(category="c12", count=12),
        *(Reason(category=f"c{n:02d}", count=n) for n in range(11, 3, -1)),
    ]


def test_webhook_rate_is_none_until_something_finished(session, now):
    make_agent(session, "bot")
    waiting = add_escalation(session, "bot", created=at(H), priority=Priority.high, status=Status.resolved)
    add_task(session, waiting, TaskStatus.pending)
    add_task(session, waiting, TaskStatus.running)
    session.commit()
    assert compute(session, now).webhooks == WebhookStats(succeeded=0, failed=0, pending=2, success_rate=None)


# --- choosing the range ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "length"),
    [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30))],
)
def test_presets_end_now(preset, length, now):
    assert metrics.query_for(preset=preset, start=None, end=None, agent=None, now=now) == MetricsQuery(
        start=now - length, end=now, agent=None
    )


def test_presets_ignore_start_and_end_and_an_empty_agent_means_all(now):
    query = metrics.query_for(preset="24h", start=S, end=E, agent="", now=now)
    assert query == MetricsQuery(start=now - timedelta(hours=24), end=now, agent=None)
    assert metrics.query_for(preset="7d", start=None, end=None, agent="bot", now=now).agent == "bot"


def test_custom_takes_both_ends(now):
    query = metrics.query_for(preset="custom", start=S, end=E, agent="bot", now=now)
    assert query == MetricsQuery(start=S, end=E, agent="bot")


def test_an_unknown_preset_is_invalid(now):
    with pytest.raises(Invalid) as raised:
        metrics.query_for(preset="90d", start=None, end=None, agent=None, now=now)
    assert raised.value.field == "preset"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(None, E, "start"), (None, None, "start"), (S, None, "end")],
    ids=["no start", "neither", "no end"],
)
def test_custom_without_both_ends_names_the_missing_one(start, end, field, now):
    with pytest.raises(Invalid) as raised:
        metrics.query_for(preset="custom", start=start, end=end, agent=None, now=now)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("start", "end"),
    [(S, S), (E, S), (S, S + timedelta(days=366, seconds=1))],
    ids=["empty", "backwards", "over 366 days"],
)
def test_custom_ranges_must_be_forward_and_at_most_366_days(session, start, end, now):
    query = metrics.query_for(preset="custom", start=start, end=end, agent=None, now=now)
    with pytest.raises(Invalid):
        compute(session, now, query=query)


def test_exactly_366_days_is_allowed(session, now):
    found = compute(session, now, query=MetricsQuery(start=S, end=S + timedelta(days=366)))
    assert found.bucket == "day"
