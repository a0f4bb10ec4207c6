"""One escalation: description, context, who holds it, its timeline, webhooks and notifications."""

from collections.abc import Callable
from typing import Any

import reflex as rx

from escalq.components.badges import priority_badge, status_badge
from escalq.components.nav import nav_bar
from escalq.components.resolve import notice, resolve_dialog
from escalq.schemas.detail import ContextSection, DeliveryRow, EventRow, NotificationRow
from escalq.state.detail import DetailState

ROUTE = "/escalations/[escalation_id]"
E = DetailState.escalation


def _fact(label: str, value: rx.Component | rx.Var[str] | str) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _when(iso: rx.Var[str]) -> rx.Component:
    return rx.cond(iso != "", rx.moment(iso, format="YYYY-MM-DD HH:mm:ss", tz="UTC"), "—")


def _context_section(section: ContextSection) -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.code(section.key),
            rx.el.span(" · ", section.size.to_string(), " characters"),
            cursor="pointer",
            font_size="var(--font-size-2)",
        ),
        rx.code_block(
            section.json, language="json", wrap_long_lines=True, custom_style={"maxHeight": "28em"}
        ),
        class_name="context-section",
    )


def _event(event: EventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_when(event.at)),
        rx.table.cell(event.action),
        rx.table.cell(rx.cond(event.from_status != "", event.from_status + " → ", ""), event.to_status),
        rx.table.cell(event.actor),
        rx.table.cell(rx.text(event.details, size="1", color_scheme="gray")),
        class_name="event-row",
    )


def _delivery(row: DeliveryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.attempt.to_string()),
        rx.table.cell(_when(row.at)),
        rx.table.cell(
            rx.badge(
                row.outcome,
                color_scheme=rx.match(row.outcome, ("succeeded", "green"), ("retrying", "amber"), "red"),
            )
        ),
        rx.table.cell(row.http_status),
        rx.table.cell(row.duration_ms.to_string(), " ms"),
        rx.table.cell(rx.text(row.response, size="1", color_scheme="gray"), max_width="24em"),
        class_name="delivery-row",
    )


def _notification(row: NotificationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.channel),
        rx.table.cell(row.recipient),
        rx.table.cell(row.kind),
        rx.table.cell(
            rx.badge(
                row.status, color_scheme=rx.match(row.status, ("sent", "green"), ("pending", "amber"), "red")
            )
        ),
        rx.table.cell(row.attempts.to_string()),
        rx.table.cell(rx.text(row.error, size="1", color_scheme="gray")),
    )


def _table(
    headers: list[str], rows: rx.Var[list[Any]], render: Callable[[Any], rx.Component], empty: str
) -> rx.Component:
    """A table of `rows`, or a quiet line saying there are none."""
    return rx.cond(
        rows.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, render)),
            width="100%",
        ),
        rx.text(empty, size="2", color_scheme="gray"),
    )


def _actions() -> rx.Component:
    may_resolve = (E.status != "resolved") & (
        (E.holder_id == DetailState.reviewer_id) | DetailState.is_manager
    )
    return rx.hstack(
        rx.cond(
            (E.status == "pending") | (E.status == "assigned"),
            rx.button("Claim", on_click=DetailState.claim(E.id), id="detail-claim"),
        ),
        rx.cond(
            may_resolve,
            rx.button(
                "Resolve", variant="outline", on_click=DetailState.open_resolve(E.id), id="detail-resolve"
            ),
        ),
        rx.cond(
            (E.status == "resolved") & (E.webhook_url != ""),
            rx.button("Redeliver webhook", variant="soft", on_click=DetailState.redeliver, id="redeliver"),
        ),
    )


def _body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            priority_badge(E.priority, E.bumped),
            status_badge(E.status),
            rx.spacer(),
            _actions(),
            width="100%",
        ),
        rx.heading(E.description, size="5", white_space="pre-wrap", id="detail-description"),
        notice(DetailState),
        rx.data_list.root(
            _fact("Agent", E.source_agent),
            _fact(
                "Category", rx.cond(E.category != "", rx.text(E.category, " (", E.category_source, ")"), "—")
            ),
            _fact("Created", _when(E.created_at)),
            _fact(
                "Held by",
                rx.cond(
                    E.holder != "",
                    rx.text(E.holder, " since ", rx.moment(E.holder_since, from_now=True)),
                    "nobody",
                ),
            ),
            _fact(
                "Resolution",
                rx.cond(
                    E.resolution != "",
                    rx.text(E.resolution, " by ", E.resolved_by, ": ", E.resolution_notes),
                    "—",
                ),
            ),
            _fact("Webhook", rx.cond(E.webhook_url != "", rx.code(E.webhook_url), "none")),
        ),
        rx.heading("Context", size="4"),
        rx.text(
            E.context_size.to_string(),
            " characters of JSON; open a key to read it.",
            size="1",
            color_scheme="gray",
        ),
        rx.vstack(rx.foreach(E.context, _context_section), width="100%", id="context"),
        rx.heading("Timeline", size="4"),
        _table(["When", "What", "Status", "Who", "Details"], E.events, _event, "No events."),
        rx.heading("Webhook deliveries", size="4"),
        _table(
            ["#", "When", "Outcome", "HTTP", "Took", "Answer or error"],
            E.deliveries,
            _delivery,
            "No deliveries yet: the webhook goes out when the escalation is resolved.",
        ),
        rx.heading("Notifications", size="4"),
        _table(
            ["Channel", "To", "Why", "Status", "Attempts", "Error"],
            E.notifications,
            _notification,
            "No notifications.",
        ),
        resolve_dialog(DetailState),
        spacing="4",
        width="100%",
    )


def detail_page() -> rx.Component:
    return rx.container(
        nav_bar(
            name=DetailState.reviewer_name,
            is_admin=DetailState.is_admin,
            is_manager=DetailState.is_manager,
            on_logout=DetailState.logout,
        ),
        rx.box(
            rx.cond(
                DetailState.escalation,
                _body(),
                rx.callout(
                    rx.cond(DetailState.missing != "", DetailState.missing, "Loading…"), color_scheme="gray"
                ),
            ),
            padding_y="1.5em",
        ),
        size="4",
    )
