"""Plotly figures for the metrics page: pure builders from the figures' rows, no queries.

No template is set here: the page's plotly component follows the light or dark colour mode.
"""

from collections.abc import Sequence

import plotly.graph_objects as go

from escalq.schemas.metrics import (
    AgentRate,
    BacklogCell,
    DurationBucket,
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


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def first_assignment_over_time(rows: Sequence[DurationBucket], *, bucket: str) -> go.Figure:
    x = [row.start for row in rows]
    figure = go.Figure(
        [
            go.Scatter(x=x, y=[_minutes(r.avg_s) for r in rows], name="average", mode="lines+markers"),
            go.Scatter(x=x, y=[_minutes(r.median_s) for r in rows], name="median", mode="lines+markers"),
            go.Scatter(x=x, y=[_minutes(r.p90_s) for r in rows], name="p90", mode="lines+markers"),
        ]
    )
    figure.update_layout(
        title="Time to first assignment", xaxis_title=f"created ({bucket})", yaxis_title="minutes", **_LAYOUT
    )
    return figure


def resolution_by_priority(rows: Sequence[PriorityDuration]) -> go.Figure:
    figure = go.Figure(
        go.Bar(
            x=[r.priority for r in rows],
            y=[_minutes(r.avg_s) or 0 for r in rows],
            marker_color=[PRIORITY_COLORS[r.priority] for r in rows],
            text=[f"{r.count} resolved" for r in rows],
        )
    )
    figure.update_layout(
        title="Average resolution time by priority", xaxis_title="priority", yaxis_title="minutes", **_LAYOUT
    )
    return figure


def rate_per_agent(rows: Sequence[AgentRate], *, bucket: str) -> go.Figure:
    figure = go.Figure(
        go.Bar(x=[r.agent for r in rows], y=[r.per_bucket for r in rows], text=[r.count for r in rows])
    )
    figure.update_layout(
        title="Escalation rate per agent",
        xaxis_title="agent",
        yaxis_title=f"escalations per {bucket}",
        **_LAYOUT,
    )
    return figure


def top_reasons(rows: Sequence[Reason]) -> go.Figure:
    ordered = list(reversed(rows))
    figure = go.Figure(go.Bar(x=[r.count for r in ordered], y=[r.category for r in ordered], orientation="h"))
    figure.update_layout(title="Top 10 reasons", xaxis_title="escalations", yaxis_title="category", **_LAYOUT)
    return figure


def backlog(rows: Sequence[BacklogCell]) -> go.Figure:
    priorities = list(dict.fromkeys(r.priority for r in rows))
    statuses = list(dict.fromkeys(r.status for r in rows))
    counts = {(r.status, r.priority): r.count for r in rows}
    figure = go.Figure(
        [
            go.Bar(name=p, x=statuses, y=[counts[(s, p)] for s in statuses], marker_color=PRIORITY_COLORS[p])
            for p in priorities
        ]
    )
    figure.update_layout(
        title="Backlog now", barmode="stack", xaxis_title="status", yaxis_title="escalations", **_LAYOUT
    )
    return figure


def sla_breaches(rows: Sequence[PriorityBreaches]) -> go.Figure:
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
        title="Waited past the timeout for a claim",
        barmode="stack",
        xaxis_title="priority",
        yaxis_title="escalations",
        **_LAYOUT,
    )
    return figure


def sla_by_reviewer(rows: Sequence[ReviewerBreaches]) -> go.Figure:
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
        title="Claims that came after the timeout, by reviewer",
        barmode="stack",
        xaxis_title="reviewer",
        yaxis_title="escalations",
        **_LAYOUT,
    )
    return figure
