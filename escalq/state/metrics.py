"""The managers' page: figures for a time range and an agent, drawn as Plotly charts."""

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

import plotly.graph_objects as go
import reflex as rx
from sqlmodel import Session

from escalq import charts, metrics_cache
from escalq.clock import utc_now
from escalq.models import Role
from escalq.schemas.metrics import Metrics, Precision, PrecisionRow, RulePrecision
from escalq.services import metrics, policies, queue
from escalq.services.errors import DomainError
from escalq.state.base import AuthState, in_session

PRESETS = ["24h", "7d", "30d", "custom"]


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def _percent(rate: float) -> str:
    """Rounded down to a tenth: one failure in 300 is 99.6%, never a 100% that hides it."""
    return f"{math.floor(rate * 1000) / 10:g}%"


def _day(text: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        return None


def _precision_row(name: str, row: Precision | RulePrecision) -> PrecisionRow:
    return PrecisionRow(
        name=name,
        precision="—" if row.precision is None else _percent(row.precision),
        counts=f"{row.warranted} of {row.judged} warranted, {row.unsure} unsure",
    )


class MetricsState(AuthState):
    requires: ClassVar[Role] = Role.manager
    preset: str = "7d"
    custom_start: str = ""
    custom_end: str = ""
    agent: str = "all"
    agents: list[str] = []
    error: str = ""
    first_avg: str = "—"
    first_median: str = "—"
    first_p90: str = "—"
    first_count: int = 0
    webhook_rate: str = "—"
    webhook_counts: str = ""
    fig_first: go.Figure = go.Figure()
    fig_resolution: go.Figure = go.Figure()
    fig_rate: go.Figure = go.Figure()
    fig_reasons: go.Figure = go.Figure()
    fig_backlog: go.Figure = go.Figure()
    fig_sla: go.Figure = go.Figure()
    fig_sla_reviewer: go.Figure = go.Figure()
    fig_precision: go.Figure = go.Figure()
    precision_rows: list[PrecisionRow] = []
    rule_precision_rows: list[PrecisionRow] = []
    sampled_overturned: str = "—"
    sampled_counts: str = ""

    @rx.var
    def agent_options(self) -> list[str]:
        return ["all", *self.agents]

    def _query(self, now: datetime) -> metrics.MetricsQuery:
        agent = None if self.agent == "all" else self.agent
        start, end = _day(self.custom_start), _day(self.custom_end)
        return metrics.query_for(
            preset=self.preset,
            start=start,
            end=end + timedelta(days=1) if end else None,
            agent=agent,
            now=now,
        )

    @rx.event
    async def load(self):
        reviewer = await self.current_reviewer()
        if reviewer is None or reviewer.role not in (Role.manager, Role.admin):
            return
        now = utc_now()
        try:
            query = self._query(now)
        except DomainError as error:
            self.error = error.message
            return
        preset = self.preset

        def read(session: Session) -> tuple[Metrics, list[str]]:
            sla = policies.thresholds(policies.current(session).document)
            found = metrics_cache.figures(session=session, preset=preset, query=query, sla=sla, now=now)
            return found, queue.agent_names(session=session)

        try:
            found, self.agents = await in_session(read)
        except DomainError as error:
            self.error = error.message
            return
        self.error = ""
        self._show(found)

    def _show(self, found: Metrics) -> None:
        first = found.first_assignment
        self.first_avg, self.first_median, self.first_p90 = (
            _minutes(first.avg_s),
            _minutes(first.median_s),
            _minutes(first.p90_s),
        )
        self.first_count = first.count
        hooks = found.webhooks
        self.webhook_rate = "—" if hooks.success_rate is None else _percent(hooks.success_rate)
        self.webhook_counts = (
            f"{hooks.succeeded} delivered, {hooks.failed} failed, {hooks.pending} pending; "
            f"{hooks.agents_not_told} agent(s) never told"
        )
        drawn = charts.figures(found)
        self.fig_first, self.fig_resolution, self.fig_rate = drawn.first, drawn.resolution, drawn.rate
        self.fig_reasons, self.fig_backlog = drawn.reasons, drawn.backlog
        self.fig_sla, self.fig_sla_reviewer = drawn.sla, drawn.sla_reviewer
        self.fig_precision = drawn.precision
        self.precision_rows = [_precision_row(row.agent, row) for row in found.precision_by_agent]
        self.rule_precision_rows = [_precision_row(row.rule, row) for row in found.precision_by_rule]
        review = found.sampled_review
        self.sampled_overturned = "—" if review.share is None else _percent(review.share)
        self.sampled_counts = (
            f"{review.overturned} of {review.judged} judged; {review.sampled} sampled, {review.unsure} unsure"
        )

    @rx.event
    async def set_preset(self, preset: str | list[str]):
        self.preset = preset if isinstance(preset, str) else preset[0]
        if self.preset != "custom":
            await self.load()

    @rx.event
    async def set_agent(self, agent: str):
        self.agent = agent
        await self.load()

    @rx.event
    async def set_custom(self, form: dict[str, str]):
        self.custom_start, self.custom_end = form.get("start", ""), form.get("end", "")
        await self.load()
