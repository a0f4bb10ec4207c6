"""The reviewers' home: the live queue, sorted by priority and age."""

import reflex as rx

from escalq.components.badges import priority_badge, status_badge
from escalq.components.nav import signed_in_page
from escalq.components.resolve import notice, resolve_dialog
from escalq.schemas.queue import QueueRow
from escalq.state.queue import STATUS_CHOICES, QueueState

ROUTE = "/"


def _header(label: str, column: str | None = None) -> rx.Component:
    if column is None:
        return rx.table.column_header_cell(label)
    arrow = rx.cond(QueueState.sort == column, rx.cond(QueueState.order == "desc", " ↓", " ↑"), "")
    return rx.table.column_header_cell(
        rx.link(
            rx.text(label, arrow), on_click=QueueState.sort_by(column), cursor="pointer", id=f"sort-{column}"
        ),
    )


def _row(row: QueueRow) -> rx.Component:
    open_ = (row.status != "resolved") & (row.status != "expired")
    return rx.table.row(
        rx.table.cell(priority_badge(row.priority, row.bumped)),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(row.source_agent),
        rx.table.cell(rx.link(row.description, href=f"/escalations/{row.id}"), max_width="32em"),
        rx.table.cell(rx.cond(row.category != "", rx.badge(row.category, variant="surface"), "—")),
        rx.table.cell(rx.cond(row.assignee != "", row.assignee, rx.text("unassigned", color_scheme="gray"))),
        rx.table.cell(rx.moment(row.created_at, from_now=True, interval=30000)),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.stale,
                    rx.tooltip(
                        rx.badge("stale", color_scheme="orange"), content="Unclaimed past its timeout"
                    ),
                ),
                rx.cond(
                    row.oncall_notified,
                    rx.tooltip(
                        rx.badge("on-call paged", color_scheme="red", variant="outline"),
                        content="On-call was notified",
                    ),
                ),
                rx.cond(
                    row.repeat_count > 0,
                    rx.tooltip(
                        rx.badge(
                            row.repeat_count.to_string(), " repeats", color_scheme="amber", variant="outline"
                        ),
                        content="The agent sent this again while it was open",
                    ),
                ),
                rx.cond(
                    row.loop_suspected,
                    rx.tooltip(
                        rx.badge("loop?", color_scheme="red"),
                        content="Asked again soon after a resolution: see the earlier one",
                    ),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    (row.status == "pending") | (row.status == "assigned"),
                    rx.button("Claim", size="1", on_click=QueueState.claim(row.id), class_name="claim"),
                ),
                rx.cond(
                    open_ & (row.mine | QueueState.is_manager),
                    rx.button(
                        "Resolve",
                        size="1",
                        variant="outline",
                        on_click=QueueState.open_resolve(row.id),
                        class_name="resolve",
                    ),
                ),
                spacing="2",
            )
        ),
        class_name="queue-row",
        data_id=row.id,
        data_priority=row.priority,
    )


def _select(label: str, name: str, value: rx.Var[str], items: list[str] | rx.Var[list[str]]) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.select(
            items,
            value=value,
            on_change=lambda v: QueueState.set_filter(name, v),
            size="2",
            id=f"filter-{name}",
        ),
        spacing="1",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        _select("Status", "status_filter", QueueState.status_filter, STATUS_CHOICES),
        _select(
            "Priority",
            "priority_filter",
            QueueState.priority_filter,
            ["all", "urgent", "high", "medium", "low"],
        ),
        _select("Agent", "agent_filter", QueueState.agent_filter, QueueState.agent_options),
        rx.vstack(
            rx.text("Show", size="1", color_scheme="gray"),
            rx.segmented_control.root(
                rx.segmented_control.item("All", value="all"),
                rx.segmented_control.item("Mine", value="mine"),
                rx.segmented_control.item("Unassigned", value="unassigned"),
                value=QueueState.scope,
                on_change=lambda v: QueueState.set_filter("scope", v),
                id="filter-scope",
            ),
            spacing="1",
        ),
        spacing="4",
        align="end",
        wrap="wrap",
    )


def queue_page() -> rx.Component:
    return signed_in_page(
        QueueState,
        rx.vstack(
            rx.hstack(
                rx.heading("Queue", size="6"),
                rx.badge(QueueState.total_label, variant="soft", id="queue-total"),
                align="center",
            ),
            _filters(),
            notice(QueueState),
            rx.cond(
                QueueState.throttled != "",
                rx.callout(
                    QueueState.throttled, color_scheme="amber", icon="octagon_alert", id="throttled-agents"
                ),
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        _header("Priority", "priority"),
                        _header("Status", "status"),
                        _header("Agent"),
                        _header("Description"),
                        _header("Category"),
                        _header("Assignee"),
                        _header("Age", "created_at"),
                        _header(""),
                        _header(""),
                    )
                ),
                rx.table.body(rx.foreach(QueueState.rows, _row)),
                width="100%",
                id="queue-table",
            ),
            rx.hstack(
                rx.button(
                    "Previous",
                    variant="soft",
                    on_click=QueueState.previous_page,
                    disabled=QueueState.page_number == 1,
                ),
                rx.text("Page ", QueueState.page_number.to_string(), size="2"),
                rx.button(
                    "Next",
                    variant="soft",
                    on_click=QueueState.next_page,
                    disabled=QueueState.next_cursor == "",
                ),
                align="center",
            ),
            resolve_dialog(QueueState),
            spacing="4",
            padding_y="1.5em",
        ),
    )
