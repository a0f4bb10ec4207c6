"""Managers' figures, each one SQL aggregate: PostgreSQL does the counting, Python only shapes it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import array
from sqlmodel import Session, col

from escalq.models import (
    OPEN_STATUSES,
    Agent,
    Escalation,
    Priority,
    Reviewer,
    Task,
    TaskKind,
    TaskStatus,
    Warranted,
)
from escalq.schemas.metrics import (
    AgentRate,
    BacklogCell,
    DurationBucket,
    DurationStats,
    Metrics,
    Precision,
    PriorityBreaches,
    PriorityDuration,
    Reason,
    ReviewerBreaches,
    RulePrecision,
    SampledReview,
    WebhookStats,
)
from escalq.services.errors import Invalid

BUCKETS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
PRESETS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
MAX_RANGE = timedelta(days=366)
TOP_REASONS = 10


@dataclass(frozen=True)
class MetricsQuery:
    """Escalations created in [start, end), optionally of one agent."""

    start: datetime
    end: datetime
    agent: str | None = None

    @property
    def bucket(self) -> str:
        """Hours for ranges up to two days, days beyond."""
        return "hour" if self.end - self.start <= timedelta(days=2) else "day"


def query_for(
    *, preset: str, start: datetime | None, end: datetime | None, agent: str | None, now: datetime
) -> MetricsQuery:
    """A preset range ending now, or `custom` with both ends given."""
    if preset == "custom":
        if start is None or end is None:
            missing = "start" if start is None else "end"
            raise Invalid("a custom range needs both start and end", field=missing)
        return MetricsQuery(start=start, end=end, agent=agent or None)
    if preset not in PRESETS:
        raise Invalid(f"range must be one of {', '.join([*PRESETS, 'custom'])}", field="preset")
    return MetricsQuery(start=now - PRESETS[preset], end=now, agent=agent or None)


def compute(
    *, session: Session, query: MetricsQuery, sla: dict[Priority, timedelta], now: datetime
) -> Metrics:
    """Every figure for the range; SLA breaches use `sla` (the priority timeouts) and `now`."""
    if query.end <= query.start:
        raise Invalid("the range must end after it starts", field="end")
    if query.end - query.start > MAX_RANGE:
        raise Invalid("the range may cover at most 366 days", field="start")
    return Metrics(
        start=query.start,
        end=query.end,
        agent=query.agent,
        bucket=query.bucket,
        first_assignment=_first_assignment(session=session, query=query),
        first_assignment_over_time=_first_assignment_over_time(session=session, query=query),
        resolution_by_priority=_resolution_by_priority(session=session, query=query),
        rate_per_agent=_rate_per_agent(session=session, query=query),
        top_reasons=_top_reasons(session=session, query=query),
        backlog=_backlog(session=session, agent=query.agent),
        sla_breaches=_sla_breaches(session=session, query=query, sla=sla, now=now),
        sla_by_reviewer=_sla_by_reviewer(session=session, query=query, sla=sla),
        webhooks=_webhooks(session=session, query=query),
        precision_by_agent=_precision(session=session, query=query, over_time=False),
        precision_over_time=_precision(session=session, query=query, over_time=True),
        precision_by_rule=_precision_by_rule(session=session, query=query),
        sampled_review=_sampled_review(session=session, query=query),
    )


def _in_range(query: MetricsQuery) -> list[ColumnElement[bool]]:
    conditions = [col(Escalation.created_at) >= query.start, col(Escalation.created_at) < query.end]
    if query.agent is not None:
        conditions.append(col(Escalation.source_agent) == query.agent)
    return conditions


def _seconds(later: Any, earlier: Any) -> ColumnElement[float]:
    # date_part gives a double; extract() gives numeric since PostgreSQL 14, several times slower to sum.
    return cast(func.date_part("epoch", later - earlier), Float)


def _stats(seconds: ColumnElement[float]) -> list[Any]:
    """count, average and [median, p90]: both percentiles from one sort."""
    return [
        func.count(seconds),
        func.avg(seconds),
        func.percentile_cont(array([0.5, 0.9])).within_group(seconds),
    ]


def _percentiles(value: Any) -> tuple[float | None, float | None]:
    return (None, None) if value is None else (_float(value[0]), _float(value[1]))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


_to_first_assignment = _seconds(col(Escalation.assigned_at), col(Escalation.created_at))


def _first_assignment(*, session: Session, query: MetricsQuery) -> DurationStats:
    row = session.execute(
        select(*_stats(_to_first_assignment)).where(
            *_in_range(query), col(Escalation.assigned_at).is_not(None)
        )
    ).one()
    median, p90 = _percentiles(row[2])
    return DurationStats(count=row[0], avg_s=_float(row[1]), median_s=median, p90_s=p90)


def _first_assignment_over_time(*, session: Session, query: MetricsQuery) -> list[DurationBucket]:
    bucket = func.date_trunc(query.bucket, col(Escalation.created_at), "UTC").label("bucket")
    rows = session.execute(
        select(bucket, *_stats(_to_first_assignment))
        .where(*_in_range(query), col(Escalation.assigned_at).is_not(None))
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    return [
        DurationBucket(start=r[0], count=r[1], avg_s=_float(r[2]), median_s=m, p90_s=p)
        for r in rows
        for m, p in [_percentiles(r[3])]
    ]


def _resolution_by_priority(*, session: Session, query: MetricsQuery) -> list[PriorityDuration]:
    seconds = _seconds(col(Escalation.resolved_at), col(Escalation.created_at))
    rows = {
        priority: (count, avg)
        for priority, count, avg in session.execute(
            select(col(Escalation.priority), func.count(), func.avg(seconds))
            .where(*_in_range(query), col(Escalation.resolved_at).is_not(None))
            .group_by(col(Escalation.priority))
        )
    }
    return [
        PriorityDuration(
            priority=p.value, count=rows.get(p, (0, None))[0], avg_s=_float(rows.get(p, (0, None))[1])
        )
        for p in reversed(Priority)
    ]


def _rate_per_agent(*, session: Session, query: MetricsQuery) -> list[AgentRate]:
    """Every agent (or the chosen one), with 0 for agents that escalated nothing."""
    joined = and_(col(Escalation.source_agent) == col(Agent.name), *_in_range(query)[:2])
    statement = (
        select(col(Agent.name), func.count(col(Escalation.id)))
        .select_from(Agent)
        .outerjoin(Escalation, joined)
        .group_by(col(Agent.name))
        .order_by(func.count(col(Escalation.id)).desc(), col(Agent.name))
    )
    if query.agent is not None:
        statement = statement.where(col(Agent.name) == query.agent)
    buckets = (query.end - query.start) / BUCKETS[query.bucket]
    return [
        AgentRate(agent=name, count=count, per_bucket=count / buckets)
        for name, count in session.execute(statement)
    ]


def _judged(group: Any, *, query: MetricsQuery, over_time: bool, where: Sequence[Any] = ()) -> Any:
    """Per `group` (and bucket): escalations judged (yes or no), warranted (yes), unsure."""
    said = col(Escalation.warranted)
    bucket = func.date_trunc(query.bucket, col(Escalation.created_at), "UTC") if over_time else literal(None)
    judged = func.count().filter(said.in_([Warranted.yes, Warranted.no]))
    return (
        select(
            group,
            bucket,
            judged,
            func.count().filter(said == Warranted.yes),
            func.count().filter(said == Warranted.unsure),
        )
        .where(*_in_range(query), said.is_not(None), *where)
        .group_by(group, bucket)
        .order_by(bucket, judged.desc(), group)
    )


def _precision(*, session: Session, query: MetricsQuery, over_time: bool) -> list[Precision]:
    """Escalation precision per agent, for the range or per bucket, from the resolvers' feedback."""
    statement = _judged(col(Escalation.source_agent), query=query, over_time=over_time)
    return [
        Precision(
            agent=agent,
            start=start,
            judged=judged_n,
            warranted=yes,
            unsure=unsure,
            precision=yes / judged_n if judged_n else None,
        )
        for agent, start, judged_n, yes, unsure in session.execute(statement)
    ]


def _precision_by_rule(*, session: Session, query: MetricsQuery) -> list[RulePrecision]:
    """Escalation precision per decision-gate rule over the range: of the escalations a rule opened whose
    resolver said yes or no, the share said yes (unsure counted apart)."""
    rule = col(Escalation.rule)
    statement = _judged(rule, query=query, over_time=False, where=[rule.is_not(None)])
    return [
        RulePrecision(
            rule=name,
            judged=judged_n,
            warranted=yes,
            unsure=unsure,
            precision=yes / judged_n if judged_n else None,
        )
        for name, _, judged_n, yes, unsure in session.execute(statement)
    ]


def _sampled_review(*, session: Session, query: MetricsQuery) -> SampledReview:
    """The gate's audit sampling checked by humans: escalations opened from a sampled `continue` in the
    range; those whose resolver said yes or no (judged); and those overturned, the resolver saying
    escalating was warranted (yes), so the rules should have escalated. `share` is overturned / judged."""
    said = col(Escalation.warranted)
    sampled, judged, overturned, unsure = session.execute(
        select(
            func.count(),
            func.count().filter(said.in_([Warranted.yes, Warranted.no])),
            func.count().filter(said == Warranted.yes),
            func.count().filter(said == Warranted.unsure),
        ).where(*_in_range(query), col(Escalation.sampled))
    ).one()
    return SampledReview(
        sampled=sampled,
        judged=judged,
        overturned=overturned,
        unsure=unsure,
        share=overturned / judged if judged else None,
    )


def _top_reasons(*, session: Session, query: MetricsQuery) -> list[Reason]:
    rows = session.execute(
        select(col(Escalation.category), func.count())
        .where(*_in_range(query), col(Escalation.category).is_not(None))
        .group_by(col(Escalation.category))
        .order_by(func.count().desc(), col(Escalation.category))
        .limit(TOP_REASONS)
    ).all()
    return [Reason(category=category, count=count) for category, count in rows]


def _backlog(*, session: Session, agent: str | None) -> list[BacklogCell]:
    """What waits right now, whatever the range: status by priority."""
    statement = (
        select(col(Escalation.status), col(Escalation.priority), func.count())
        .where(col(Escalation.status).in_(OPEN_STATUSES))
        .group_by(col(Escalation.status), col(Escalation.priority))
    )
    if agent is not None:
        statement = statement.where(col(Escalation.source_agent) == agent)
    found = {(status, priority): count for status, priority, count in session.execute(statement)}
    return [
        BacklogCell(status=s.value, priority=p.value, count=found.get((s, p), 0))
        for s in OPEN_STATUSES
        for p in reversed(Priority)
    ]


def _limit(sla: dict[Priority, timedelta]) -> ColumnElement[Any]:
    """Each escalation's priority timeout in seconds."""
    return case({p.value: sla[p].total_seconds() for p in sla}, value=col(Escalation.priority), else_=None)


def _sla_breaches(
    *, session: Session, query: MetricsQuery, sla: dict[Priority, timedelta], now: datetime
) -> list[PriorityBreaches]:
    """Escalations that waited past their priority's timeout for a claim (or still wait, until expiry)."""
    waited = _seconds(
        func.coalesce(
            col(Escalation.claimed_at), col(Escalation.resolved_at), col(Escalation.expired_at), literal(now)
        ),
        col(Escalation.created_at),
    )
    limit = _limit(sla)
    rows = {
        priority: (total, breached)
        for priority, total, breached in session.execute(
            select(
                col(Escalation.priority),
                func.count(),
                func.count().filter(waited > limit),
            )
            .where(*_in_range(query), col(Escalation.priority).in_(list(sla)))
            .group_by(col(Escalation.priority))
        )
    }
    return [
        PriorityBreaches(
            priority=p.value,
            total=rows.get(p, (0, 0))[0],
            breached=rows.get(p, (0, 0))[1],
            threshold_s=sla[p].total_seconds(),
        )
        for p in reversed(Priority)
        if p in sla
    ]


def _sla_by_reviewer(
    *, session: Session, query: MetricsQuery, sla: dict[Priority, timedelta]
) -> list[ReviewerBreaches]:
    """Per reviewer holding them: escalations claimed, and how many waited past the timeout for that."""
    waited = _seconds(col(Escalation.claimed_at), col(Escalation.created_at))
    breached = func.count().filter(waited > _limit(sla))
    rows = session.execute(
        select(col(Reviewer.display_name), func.count(), breached)
        .select_from(Escalation)
        .join(Reviewer, col(Reviewer.id) == col(Escalation.assigned_to))
        .where(
            *_in_range(query),
            col(Escalation.claimed_at).is_not(None),
            col(Escalation.priority).in_(list(sla)),
        )
        .group_by(col(Reviewer.id), col(Reviewer.display_name))
        .order_by(breached.desc(), col(Reviewer.display_name))
    ).all()
    return [ReviewerBreaches(reviewer=name, total=total, breached=late) for name, total, late in rows]


def _webhooks(*, session: Session, query: MetricsQuery) -> WebhookStats:
    """Webhook events for escalations created in the range: delivered, given up, still trying."""
    counts = dict(
        session.execute(
            select(col(Task.status), func.count())
            .join(Escalation, col(Escalation.id) == col(Task.escalation_id))
            .where(col(Task.kind) == TaskKind.webhook, *_in_range(query))
            .group_by(col(Task.status))
        ).all()
    )
    succeeded, failed = counts.get(TaskStatus.done, 0), counts.get(TaskStatus.failed, 0)
    pending = counts.get(TaskStatus.pending, 0) + counts.get(TaskStatus.running, 0)
    finished = succeeded + failed
    not_told = session.execute(
        select(func.count()).where(col(Escalation.agent_not_told_at).is_not(None), *_in_range(query))
    ).scalar_one()
    return WebhookStats(
        succeeded=succeeded,
        failed=failed,
        pending=pending,
        success_rate=succeeded / finished if finished else None,
        agents_not_told=not_told,
    )
