"""Tables of rows: the escalation page's timeline, webhook attempts and notifications, and the admin lists."""

from collections.abc import Callable
from typing import Any

import reflex as rx

from escalq.components.badges import badge
from escalq.schemas.detail import DeliveryRow, EventRow, NotificationRow


def when(iso: rx.Var[str]) -> rx.Component:
    return rx.cond(iso != "", rx.moment(iso, format="YYYY-MM-DD HH:mm:ss", tz="UTC"), "—")


def event_row(event: EventRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(when(event.at)),
        rx.table.cell(event.action),
        rx.table.cell(rx.cond(event.from_status != "", event.from_status + " → ", ""), event.to_status),
        rx.table.cell(event.actor),
        rx.table.cell(rx.text(event.details, size="1", color_scheme="gray")),
        class_name="event-row",
    )


def delivery_row(row: DeliveryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.attempt.to_string()),
        rx.table.cell(when(row.at)),
        rx.table.cell(
            badge(
                row.outcome,
                color_scheme=rx.match(row.outcome, ("succeeded", "green"), ("retrying", "amber"), "red"),
            )
        ),
        rx.table.cell(row.http_status),
        rx.table.cell(row.duration_ms.to_string(), " ms"),
        rx.table.cell(rx.text(row.response, size="1", color_scheme="gray"), max_width="24em"),
        class_name="delivery-row",
    )


def notification_row(row: NotificationRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.channel),
        rx.table.cell(row.recipient),
        rx.table.cell(row.kind),
        rx.table.cell(
            badge(
                row.status, color_scheme=rx.match(row.status, ("sent", "green"), ("pending", "amber"), "red")
            )
        ),
        rx.table.cell(row.attempts.to_string()),
        rx.table.cell(rx.text(row.error, size="1", color_scheme="gray")),
    )


def data_table(
    headers: list[str], rows: rx.Var[list[Any]], render: Callable[[Any], rx.Component], **props: Any
) -> rx.Component:
    """A full-width table: one header row, then `render(row)` for each of `rows`."""
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, render)),
        width="100%",
        **props,
    )


def table_or_note(
    headers: list[str], rows: rx.Var[list[Any]], render: Callable[[Any], rx.Component], empty: str
) -> rx.Component:
    """A table of `rows`, or a quiet line saying there are none."""
    return rx.cond(
        rows.length() > 0, data_table(headers, rows, render), rx.text(empty, size="2", color_scheme="gray")
    )
