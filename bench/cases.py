"""What is timed: each case is one answer a user waits for, opening its own session as a request does."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from escalq import charts, metrics_cache
from escalq.db import new_session
from escalq.models import OPEN_STATUSES, Reviewer
from escalq.schemas.metrics import Metrics
from escalq.services import metrics, policies, queue, timeouts
from escalq.services.auth import Principal
from escalq.services.listing import EscalationFilter, Order, SortKey, count, list_page

PAGE_SIZE = 50  # the queue page's


@dataclass(frozen=True)
class Case:
    """`goal`: an answer somebody waits for, held to the ceiling; else shown for information."""

    name: str
    run: Callable[[], object]
    goal: bool = True


def compute(*, now: datetime, length: timedelta, agent: str | None = None) -> Callable[[], Metrics]:
    """Every figure for the `length` before `now`, as the page and the API ask for them."""

    def run() -> Metrics:
        with new_session() as session:
            return metrics.compute(
                session=session,
                query=metrics.MetricsQuery(start=now - length, end=now, agent=agent),
                sla=policies.thresholds(policies.current(session).document),
                now=now,
            )

    return run


def metrics_cases(*, now: datetime, busiest_agent: str) -> list[Case]:
    """The page (preset figures as the worker refreshes them), then the live computation for information:
    what the refresh job and a custom range cost."""
    day, week, month = timedelta(hours=24), timedelta(days=7), timedelta(days=30)
    return [
        Case("metrics page 30d (figures, agents, charts)", _metrics_page(now=now)),
        Case("live metrics.compute 24h (refresh, custom)", compute(now=now, length=day), goal=False),
        Case("live metrics.compute 7d", compute(now=now, length=week), goal=False),
        Case("live metrics.compute 30d", compute(now=now, length=month), goal=False),
        Case(
            f"live metrics.compute 30d, agent {busiest_agent}",
            compute(now=now, length=month, agent=busiest_agent),
            goal=False,
        ),
    ]


def _metrics_page(*, now: datetime) -> Callable[[], object]:
    """What the page's load handler does (escalq/state/metrics.py) without Reflex: figures, agents, charts."""

    def run() -> object:
        with new_session() as session:
            query = metrics.query_for(preset="30d", start=None, end=None, agent=None, now=now)
            sla = policies.thresholds(policies.current(session).document)
            found = metrics_cache.figures(session=session, preset="30d", query=query, sla=sla, now=now)
            queue.agent_names(session=session)
        return charts.figures(found)

    return run


def api_cases(*, client: httpx.Client, manager_key: str) -> list[Case]:
    """GET /api/metrics over HTTP, through the real app: auth, the figures, JSON."""

    def get(params: dict[str, str]) -> Callable[[], object]:
        def run() -> object:
            response = client.get(
                "/api/metrics", params=params, headers={"Authorization": f"Bearer {manager_key}"}
            )
            response.raise_for_status()
            return response.json()

        return run

    return [
        Case("GET /api/metrics?range=24h", get({"range": "24h"})),
        Case("GET /api/metrics?range=7d", get({"range": "7d"})),
        Case("GET /api/metrics?range=30d", get({"range": "30d"})),
    ]


def queue_cases(*, viewer: Reviewer, now: datetime) -> list[Case]:
    """The reviewers' queue: its first page by priority, and the total it shows, open and all statuses."""
    principal = Principal(reviewer=viewer)
    open_only = EscalationFilter(statuses=OPEN_STATUSES)
    everything = EscalationFilter()

    def first_page(filters: EscalationFilter) -> Callable[[], object]:
        def run() -> object:
            with new_session() as session:
                return list_page(
                    session=session,
                    principal=principal,
                    filters=filters,
                    sort=SortKey.priority,
                    order=Order.desc,
                    limit=PAGE_SIZE,
                    cursor=None,
                )

        return run

    def total(filters: EscalationFilter) -> Callable[[], object]:
        def run() -> object:
            with new_session() as session:
                return count(session=session, principal=principal, filters=filters)

        return run

    def whole_page() -> object:
        with new_session() as session:
            return queue.page(
                session=session,
                viewer=viewer,
                scope=queue.Scope.all,
                filters=open_only,
                sort=SortKey.priority,
                order=Order.desc,
                limit=PAGE_SIZE,
                cursor=None,
                rules=timeouts.rules(policies.current(session).document),
                now=now,
            )

    return [
        Case("queue first page, open, by priority", first_page(open_only)),
        Case("queue count, open", total(open_only)),
        Case("queue.page, open (rows, total, names)", whole_page),
        Case("queue first page, all statuses, by priority", first_page(everything)),
        Case("queue count, all statuses", total(everything)),
    ]
