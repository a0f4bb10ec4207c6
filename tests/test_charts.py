"""The metrics page's Plotly builders: labelled axes with units, the input values, no fixed colour theme."""

from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from escalq import charts
from escalq.schemas.metrics import (
    AgentRate,
    BacklogCell,
    DurationBucket,
    PriorityBreaches,
    PriorityDuration,
    Reason,
    ReviewerBreaches,
)

T0 = datetime(2026, 11, 20, tzinfo=UTC)
SPAN = charts.Span(datetime(2026, 12, 2, 9, 0, tzinfo=UTC), datetime(2026, 12, 3, 9, 0, tzinfo=UTC))


def assert_page_styled(figure, *, x: str, y: str) -> None:
    """A figure with both axes titled and no template of its own, so the page's light or dark one applies."""
    assert isinstance(figure, go.Figure)
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == (x, y)
    assert figure.layout.template == pio.templates[pio.templates.default]
    assert figure.layout.paper_bgcolor is None
    assert figure.layout.plot_bgcolor is None
    assert figure.layout.title.text


@pytest.mark.parametrize("bucket", ["hour", "day"])
def test_first_assignment_over_time_in_minutes(bucket):
    rows = [
        DurationBucket(start=T0, count=3, avg_s=660.0, median_s=120.0, p90_s=1464.0),
        DurationBucket(start=T0 + timedelta(hours=1), count=0, avg_s=None, median_s=None, p90_s=None),
    ]
    figure = charts.first_assignment_over_time(rows, bucket=bucket, span=SPAN)
    assert_page_styled(figure, x=f"created ({bucket})", y="minutes")
    # One bucket still spans the whole range: never an axis of fractions of a millisecond.
    assert list(figure.layout.xaxis.range) == [SPAN.start, SPAN.end]
    assert figure.layout.yaxis.rangemode == "tozero"
    assert [trace.name for trace in figure.data] == ["average", "median", "p90"]
    for trace in figure.data:
        assert list(trace.x) == [T0, T0 + timedelta(hours=1)]
    assert [list(trace.y) for trace in figure.data] == [[11.0, None], [2.0, None], [24.4, None]]


def test_resolution_by_priority_in_hours_when_they_run_to_hours():
    rows = [
        PriorityDuration(priority="urgent", count=1, avg_s=1800.0),
        PriorityDuration(priority="high", count=2, avg_s=39600.0),
        PriorityDuration(priority="medium", count=1, avg_s=90.0),
        PriorityDuration(priority="low", count=0, avg_s=None),
    ]
    figure = charts.resolution_by_priority(rows, span=SPAN)
    assert_page_styled(figure, x="priority", y="hours")
    (bars,) = figure.data
    assert list(bars.x) == ["urgent", "high", "medium", "low"]
    assert list(bars.y) == [0.5, 11.0, 0.025, 0]
    assert list(bars.text) == ["1 resolved", "2 resolved", "1 resolved", "0 resolved"]
    assert list(bars.marker.color) == [charts.PRIORITY_COLORS[p] for p in bars.x]


@pytest.mark.parametrize("bucket", ["hour", "day"])
def test_rate_per_agent_per_bucket(bucket):
    rows = [
        AgentRate(agent="alpha", count=5, per_bucket=5 / 24),
        AgentRate(agent="idle", count=0, per_bucket=0.0),
    ]
    figure = charts.rate_per_agent(rows, bucket=bucket, span=SPAN)
    assert_page_styled(figure, x="agent", y=f"escalations per {bucket}")
    (bars,) = figure.data
    assert (list(bars.x), list(bars.y)) == (["alpha", "idle"], [5 / 24, 0.0])
    assert list(bars.text) == ["5", "0"]  # the counts, as bar labels


def test_top_reasons_biggest_on_top():
    rows = [Reason(category="refund", count=3), Reason(category="identity", count=2)]
    figure = charts.top_reasons(rows, span=SPAN)
    assert_page_styled(figure, x="escalations", y="category")
    (bars,) = figure.data
    # Horizontal bars draw the first y value at the bottom: the list is reversed so the top reason is on top.
    assert (bars.orientation, list(bars.y), list(bars.x)) == ("h", ["identity", "refund"], [2, 3])


def test_backlog_stacks_priorities_per_status():
    counts = {("pending", "urgent"): 1, ("assigned", "medium"): 4, ("claimed", "low"): 2}
    rows = [
        BacklogCell(status=s, priority=p, count=counts.get((s, p), 0))
        for s in ("pending", "assigned", "claimed")
        for p in ("urgent", "high", "medium", "low")
    ]
    figure = charts.backlog(rows)
    assert_page_styled(figure, x="status", y="escalations")
    assert figure.layout.barmode == "stack"
    assert [trace.name for trace in figure.data] == ["urgent", "high", "medium", "low"]
    for trace in figure.data:
        assert list(trace.x) == ["pending", "assigned", "claimed"]
    assert [list(trace.y) for trace in figure.data] == [[1, 0, 0], [0, 0, 0], [0, 4, 0], [0, 0, 2]]


def test_sla_breaches_split_within_and_breached():
    rows = [
        PriorityBreaches(priority="urgent", total=3, breached=2, threshold_s=3600.0),
        PriorityBreaches(priority="high", total=2, breached=0, threshold_s=14400.0),
    ]
    figure = charts.sla_breaches(rows, span=SPAN)
    assert_page_styled(figure, x="priority", y="escalations")
    assert figure.layout.barmode == "stack"
    within, breached = figure.data
    assert (within.name, list(within.x), list(within.y)) == ("within", ["urgent", "high"], [1, 2])
    assert (breached.name, list(breached.x), list(breached.y)) == ("breached", ["urgent", "high"], [2, 0])


def test_sla_by_reviewer_split_within_and_breached():
    rows = [
        ReviewerBreaches(reviewer="Cy", total=1, breached=1),
        ReviewerBreaches(reviewer="Ann", total=4, breached=0),
    ]
    figure = charts.sla_by_reviewer(rows, span=SPAN)
    assert_page_styled(figure, x="reviewer", y="escalations")
    assert figure.layout.barmode == "stack"
    within, breached = figure.data
    assert (within.name, list(within.x), list(within.y)) == ("within", ["Cy", "Ann"], [0, 4])
    assert (breached.name, list(breached.x), list(breached.y)) == ("breached", ["Cy", "Ann"], [1, 0])


def assert_says(figure, title: str, message: str) -> None:
    """An empty state: the title, the message in words, no traces and no axes to misread."""
    assert isinstance(figure, go.Figure)
    assert figure.layout.title.text == title
    assert [a.text for a in figure.layout.annotations] == [message]
    assert figure.data == ()
    assert (figure.layout.xaxis.visible, figure.layout.yaxis.visible) == (False, False)


RANGE = "2 Dec 09:00 and 3 Dec 09:00 UTC"


def test_charts_with_nothing_in_the_range_say_so_with_the_range():
    idle = [PriorityDuration(priority=p, count=0, avg_s=None) for p in ("urgent", "high", "medium", "low")]
    nobody = [PriorityBreaches(priority="urgent", total=0, breached=0, threshold_s=3600.0)]
    quiet = [AgentRate(agent="alpha", count=0, per_bucket=0.0)]
    nothing_waits = [BacklogCell(status="pending", priority="urgent", count=0)]

    assert_says(
        charts.first_assignment_over_time([], bucket="hour", span=SPAN),
        "Time to first assignment",
        f"No escalations assigned between {RANGE}",
    )
    assert_says(
        charts.resolution_by_priority(idle, span=SPAN),
        "Average resolution time by priority",
        f"No escalations resolved between {RANGE}",
    )
    assert_says(
        charts.rate_per_agent(quiet, bucket="hour", span=SPAN),
        "Escalation rate per agent",
        f"No escalations between {RANGE}",
    )
    assert_says(
        charts.rate_per_agent([], bucket="hour", span=SPAN), "Escalation rate per agent", "No agents yet"
    )
    assert_says(
        charts.top_reasons([], span=SPAN), "Top 10 reasons", f"No categorized escalations between {RANGE}"
    )
    assert_says(charts.backlog(nothing_waits), "Backlog now", "Nothing is waiting right now")
    assert_says(
        charts.sla_breaches(nobody, span=SPAN),
        "Waited past the timeout for a claim",
        f"No escalations with a timeout created between {RANGE}",
    )
    assert_says(
        charts.sla_by_reviewer([], span=SPAN),
        "Claims after the timeout, by reviewer",
        f"No escalations claimed between {RANGE}",
    )


def test_a_range_across_new_year_names_the_years():
    span = charts.Span(datetime(2026, 12, 30, 9, 0, tzinfo=UTC), datetime(2027, 1, 6, 9, 0, tzinfo=UTC))

    assert span.words() == "30 Dec 2026 09:00 and 6 Jan 2027 09:00 UTC"


@pytest.mark.parametrize(
    ("largest_s", "unit"),
    [
        (0.0, "seconds"),
        (90.0, "seconds"),
        (150.0, "minutes"),
        (7199.0, "minutes"),
        (7200.0, "hours"),
        (3 * 86_400.0, "days"),
    ],
)
def test_durations_use_the_unit_that_fits(largest_s, unit):
    assert charts.duration_unit([None, 1.0, largest_s])[0] == unit


def test_few_counts_tick_in_whole_numbers_from_zero():
    rows = [ReviewerBreaches(reviewer="Cy", total=1, breached=1)]

    axis = charts.sla_by_reviewer(rows, span=SPAN).layout.yaxis

    assert (axis.rangemode, axis.tickformat, axis.dtick) == ("tozero", ",d", 1)
    assert charts.count_axis([40, 12]) == {"rangemode": "tozero", "tickformat": ",d"}  # Plotly picks the step
