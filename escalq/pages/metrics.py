"""Metrics for managers: staffing and which agents need work."""

import plotly.graph_objects as go
import reflex as rx

from escalq import sitemap
from escalq.components.history import table_or_note
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.schemas.metrics import PrecisionRow
from escalq.state.metrics import PRESETS, MetricsState


def _stat(label: str, value: rx.Var[str], hint: rx.Var[str] | str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.heading(value, size="6"),
            rx.text(hint, size="1", color_scheme="gray"),
            spacing="1",
        ),
        min_width="11em",
    )


def _controls() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            *[rx.segmented_control.item(p, value=p) for p in PRESETS],
            value=MetricsState.preset,
            on_change=MetricsState.set_preset,
            id="metrics-range",
        ),
        rx.cond(
            MetricsState.preset == "custom",
            rx.form(
                rx.hstack(
                    rx.input(type="date", name="start", default_value=MetricsState.custom_start),
                    rx.text("to"),
                    rx.input(type="date", name="end", default_value=MetricsState.custom_end),
                    rx.button("Show", type="submit", size="2"),
                    align="center",
                ),
                on_submit=MetricsState.set_custom,
            ),
        ),
        rx.select(
            MetricsState.agent_options,
            value=MetricsState.agent,
            on_change=MetricsState.set_agent,
            id="metrics-agent",
            custom_attrs={"aria-label": "Agent"},
        ),
        spacing="4",
        align="center",
        wrap="wrap",
    )


def _chart(figure: rx.Var[go.Figure]) -> rx.Component:
    return rx.card(rx.plotly(data=figure, use_resize_handler=True, width="100%"), class_name="metrics-chart")


def _precision_row(row: PrecisionRow) -> rx.Component:
    return rx.table.row(rx.table.cell(row.name), rx.table.cell(row.precision), rx.table.cell(row.counts))


@page(sitemap.METRICS, MetricsState.load)
def metrics_page() -> rx.Component:
    return signed_in_page(
        MetricsState,
        rx.vstack(
            rx.heading("Metrics", size="6"),
            _controls(),
            rx.cond(MetricsState.error != "", rx.callout(MetricsState.error, color_scheme="red")),
            rx.hstack(
                _stat(
                    "First assignment, average",
                    MetricsState.first_avg,
                    MetricsState.first_count.to_string() + " assigned",
                ),
                _stat("Median", MetricsState.first_median),
                _stat("p90", MetricsState.first_p90),
                _stat("Webhook success", MetricsState.webhook_rate, MetricsState.webhook_counts),
                _stat(
                    "Sampled continues overturned",
                    MetricsState.sampled_overturned,
                    MetricsState.sampled_counts,
                ),
                spacing="4",
                wrap="wrap",
            ),
            rx.grid(
                _chart(MetricsState.fig_first),
                _chart(MetricsState.fig_resolution),
                _chart(MetricsState.fig_rate),
                _chart(MetricsState.fig_reasons),
                _chart(MetricsState.fig_backlog),
                _chart(MetricsState.fig_sla),
                _chart(MetricsState.fig_sla_reviewer),
                _chart(MetricsState.fig_precision),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            rx.heading("Escalation precision", size="4"),
            table_or_note(
                ["Agent", "Warranted", "Of those judged"],
                MetricsState.precision_rows,
                _precision_row,
                "No resolver has said yet whether escalating was warranted.",
            ),
            rx.heading("Escalation precision per rule", size="4"),
            table_or_note(
                ["Rule", "Warranted", "Of those judged"],
                MetricsState.rule_precision_rows,
                _precision_row,
                "No escalation the decision gate opened has been judged yet.",
            ),
            spacing="4",
            padding_y="1.5em",
        ),
    )
