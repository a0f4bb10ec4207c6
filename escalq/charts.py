"""Plotly figures for the metrics page: pure builders from the figures' rows, no queries.

No template is set here: the page's plotly component follows the light or dark colour mode. A chart with
nothing to draw says so in words, with the range, instead of empty axes; axes start at zero, counts have
whole-number ticks, durations are in the unit that fits them, and a time axis spans the whole range.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import plotly.graph_objects as go

from escalq.schemas.metrics import (
    AgentRate,
    BacklogCell,
    DurationBucket,
    Metrics,
    Precision,
    PriorityBreaches,
    PriorityDuration,
    Reason,
    ReviewerBreaches,
)

PRIORITY_COLORS = {"urgent": "#e5484d", "high": "#ffb224", "medium": "#0090ff", "low": "#8b8d98"}
_LAYOUT = {
    "margin": {"t": 56, "r": 16, "b": 48, "l": 56},
    "height": 320,
    "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
}
# Durations are shown in the largest unit their biggest value reaches twice over.
_UNITS = (("days", 86_400.0), ("hours", 3_600.0), ("minutes", 60.0), ("seconds", 1.0))
FEW = 5  # up to this many, a count axis ticks every 1 (Plotly would tick 0.5 apart)


@dataclass(frozen=True)
class Span:
    """The range the figures cover, as the empty states name it."""

    start: datetime
    end: datetime

    def words(self) -> str:
        """'2 Dec 09:00 and 3 Dec 09:00 UTC'; the year appears when the range crosses one."""
        shape = "%b %Y %H:%M" if self.start.year != self.end.year else "%b %H:%M"
        start, end = (f"{at.day} {at.strftime(shape)}" for at in (self.start, self.end))
        return f"{start} and {end} UTC"


@dataclass(frozen=True)
class Figures:
    """Every chart of the metrics page."""

    first: go.Figure
    resolution: go.Figure
    rate: go.Figure
    reasons: go.Figure
    backlog: go.Figure
    sla: go.Figure
    sla_reviewer: go.Figure
    precision: go.Figure


def figures(found: Metrics) -> Figures:
    """The page's charts for one set of figures."""
    span = Span(found.start, found.end)
    return Figures(
        first=first_assignment_over_time(found.first_assignment_over_time, bucket=found.bucket, span=span),
        resolution=resolution_by_priority(found.resolution_by_priority, span=span),
        rate=rate_per_agent(found.rate_per_agent, bucket=found.bucket, span=span),
        reasons=top_reasons(found.top_reasons, span=span),
        backlog=backlog(found.backlog),
        sla=sla_breaches(found.sla_breaches, span=span),
        sla_reviewer=sla_by_reviewer(found.sla_by_reviewer, span=span),
        precision=precision_over_time(found.precision_over_time, bucket=found.bucket, span=span),
    )


def empty(title: str, message: str) -> go.Figure:
    """A chart with nothing to draw: its title and `message` in the middle, no axes at all."""
    figure = go.Figure()
    figure.update_layout(
        title=title,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14},
            }
        ],
        **_LAYOUT,
    )
    return figure


def duration_unit(seconds: Sequence[float | None]) -> tuple[str, float]:
    """The unit (name, seconds in it) for durations up to the largest of `seconds`."""
    largest = max((s for s in seconds if s is not None), default=0.0)
    return next(((name, size) for name, size in _UNITS if largest >= 2 * size), _UNITS[-1])


def count_axis(values: Sequence[float]) -> dict[str, Any]:
    """A y axis of counts: from zero, whole numbers only."""
    axis: dict[str, Any] = {"rangemode": "tozero", "tickformat": ",d"}
    if max(values, default=0) <= FEW:
        axis["dtick"] = 1
    return axis


def _in(unit: float, seconds: float | None) -> float | None:
    return None if seconds is None else seconds / unit


def first_assignment_over_time(rows: Sequence[DurationBucket], *, bucket: str, span: Span) -> go.Figure:
    title = "Time to first assignment"
    if not any(row.count for row in rows):
        return empty(title, f"No escalations assigned between {span.words()}")
    name, size = duration_unit([value for r in rows for value in (r.avg_s, r.median_s, r.p90_s)])
    x = [row.start for row in rows]
    figure = go.Figure(
        [
            go.Scatter(x=x, y=[_in(size, r.avg_s) for r in rows], name="average", mode="lines+markers"),
            go.Scatter(x=x, y=[_in(size, r.median_s) for r in rows], name="median", mode="lines+markers"),
            go.Scatter(x=x, y=[_in(size, r.p90_s) for r in rows], name="p90", mode="lines+markers"),
        ]
    )
    figure.update_layout(
        title=title,
        xaxis={"title": f"created ({bucket})", "type": "date", "range": [span.start, span.end]},
        yaxis={"title": name, "rangemode": "tozero"},
        **_LAYOUT,
    )
    return figure


def resolution_by_priority(rows: Sequence[PriorityDuration], *, span: Span) -> go.Figure:
    title = "Average resolution time by priority"
    if not any(row.count for row in rows):
        return empty(title, f"No escalations resolved between {span.words()}")
    name, size = duration_unit([r.avg_s for r in rows])
    figure = go.Figure(
        go.Bar(
            x=[r.priority for r in rows],
            y=[_in(size, r.avg_s) or 0 for r in rows],
            marker_color=[PRIORITY_COLORS[r.priority] for r in rows],
            text=[f"{r.count} resolved" for r in rows],
        )
    )
    figure.update_layout(
        title=title, xaxis_title="priority", yaxis={"title": name, "rangemode": "tozero"}, **_LAYOUT
    )
    return figure


def rate_per_agent(rows: Sequence[AgentRate], *, bucket: str, span: Span) -> go.Figure:
    title = "Escalation rate per agent"
    if not rows:
        return empty(title, "No agents yet")
    if not any(row.count for row in rows):
        return empty(title, f"No escalations between {span.words()}")
    figure = go.Figure(
        go.Bar(x=[r.agent for r in rows], y=[r.per_bucket for r in rows], text=[r.count for r in rows])
    )
    figure.update_layout(
        title=title,
        xaxis_title="agent",
        yaxis={"title": f"escalations per {bucket}", "rangemode": "tozero"},
        **_LAYOUT,
    )
    return figure


def precision_over_time(rows: Sequence[Precision], *, bucket: str, span: Span) -> go.Figure:
    """One line per agent: the share of its escalations its resolvers said were warranted."""
    title = "Escalation precision per agent"
    if not any(row.judged for row in rows):
        return empty(title, f"No resolver said whether escalating was warranted between {span.words()}")
    agents = sorted({row.agent for row in rows})
    figure = go.Figure(
        [
            go.Scatter(
                x=[row.start for row in rows if row.agent == agent],
                y=[row.precision for row in rows if row.agent == agent],
                text=[f"{row.warranted} of {row.judged}" for row in rows if row.agent == agent],
                name=agent,
                mode="lines+markers",
            )
            for agent in agents
        ]
    )
    figure.update_layout(
        title=title,
        xaxis={"title": f"created ({bucket})", "type": "date", "range": [span.start, span.end]},
        yaxis={"title": "warranted / judged", "range": [0, 1], "tickformat": ".0%"},
        **_LAYOUT,
    )
    return figure


def top_reasons(rows: Sequence[Reason], *, span: Span) -> go.Figure:
    title = "Top 10 reasons"
    if not rows:
        return empty(title, f"No categorized escalations between {span.words()}")
    ordered = list(reversed(rows))
    counts = [r.count for r in ordered]
    figure = go.Figure(go.Bar(x=counts, y=[r.category for r in ordered], orientation="h"))
    figure.update_layout(
        title=title, xaxis={"title": "escalations", **count_axis(counts)}, yaxis_title="category", **_LAYOUT
    )
    return figure


def backlog(rows: Sequence[BacklogCell]) -> go.Figure:
    title = "Backlog now"
    if not any(row.count for row in rows):
        return empty(title, "Nothing is waiting right now")
    priorities = list(dict.fromkeys(r.priority for r in rows))
    statuses = list(dict.fromkeys(r.status for r in rows))
    counts = {(r.status, r.priority): r.count for r in rows}
    totals = [sum(counts[(s, p)] for p in priorities) for s in statuses]
    figure = go.Figure(
        [
            go.Bar(name=p, x=statuses, y=[counts[(s, p)] for s in statuses], marker_color=PRIORITY_COLORS[p])
            for p in priorities
        ]
    )
    figure.update_layout(
        title=title,
        barmode="stack",
        xaxis_title="status",
        yaxis={"title": "escalations", **count_axis(totals)},
        **_LAYOUT,
    )
    return figure


def sla_breaches(rows: Sequence[PriorityBreaches], *, span: Span) -> go.Figure:
    title = "Waited past the timeout for a claim"
    if not any(row.total for row in rows):
        return empty(title, f"No escalations with a timeout created between {span.words()}")
    figure = go.Figure(
        [
            go.Bar(name="within", x=[r.priority for r in rows], y=[r.total - r.breached for r in rows]),
            go.Bar(
                name="breached",
                x=[r.priority for r in rows],
                y=[r.breached for r in rows],
                marker_color=PRIORITY_COLORS["urgent"],
            ),
        ]
    )
    figure.update_layout(
        title=title,
        barmode="stack",
        xaxis_title="priority",
        yaxis={"title": "escalations", **count_axis([r.total for r in rows])},
        **_LAYOUT,
    )
    return figure


def sla_by_reviewer(rows: Sequence[ReviewerBreaches], *, span: Span) -> go.Figure:
    title = "Claims after the timeout, by reviewer"
    if not rows:
        return empty(title, f"No escalations claimed between {span.words()}")
    names = [r.reviewer for r in rows]
    figure = go.Figure(
        [
            go.Bar(name="within", x=names, y=[r.total - r.breached for r in rows]),
            go.Bar(
                name="breached", x=names, y=[r.breached for r in rows], marker_color=PRIORITY_COLORS["urgent"]
            ),
        ]
    )
    figure.update_layout(
        title=title,
        barmode="stack",
        xaxis_title="reviewer",
        yaxis={"title": "escalations", **count_axis([r.total for r in rows])},
        **_LAYOUT,
    )
    return figure
