"""The reviewers' home: the live queue, sorted by priority and age."""

from typing import Any

import reflex as rx

from escalq import sitemap
from escalq.components.badges import badge, priority_badge, status_badge
from escalq.components.countdown import countdown
from escalq.components.resolve import notice, resolve_dialog
from escalq.components.shortcuts import shortcuts_help
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.schemas.queue import QueueRow
from escalq.state.actions import RESOLUTIONS, WARRANTED
from escalq.state.queue import ASK_PERMISSION, STATUS_CHOICES, QueueState
from escalq.state.shortcuts import FOCUS, KEYS, SHORTCUTS

# Read by screen readers, not drawn.
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white-space": "nowrap",
}


# Below Radix's "sm" breakpoint each row becomes a card: priority and status, the description on a line of
# its own, then age, deadline, flags and the actions, all on screen; agent, category and assignee (on the
# escalation page) are left out, and so is the header row.
CARD_ROWS = {
    "@media (max-width: 767px)": {
        "& table": {"display": "block", "height": "auto"},  # Radix gives the table height 0 (for cells)
        "& tbody": {"display": "block"},
        "& thead": {"display": "none"},
        "& tr": {
            "display": "flex",
            "flex-wrap": "wrap",
            "align-items": "center",
            "gap": "0.5em 0.75em",
            "padding": "0.75em 0.25em",
            "border-bottom": "1px solid var(--gray-a5)",
        },
        "& td": {"display": "block", "height": "auto", "padding": "0", "box-shadow": "none"},
        "& td.description": {"flex-basis": "100%", "max-width": "none"},
        "& .wide-only": {"display": "none"},
    }
}


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
    selected = row.id == QueueState.selected_id
    return rx.table.row(
        rx.table.cell(priority_badge(row.priority, row.bumped)),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(row.source_agent, class_name="wide-only"),
        rx.table.cell(
            rx.link(row.description, href=sitemap.DETAIL.path(escalation_id=row.id)),
            min_width="14em",
            max_width="32em",
            class_name="description",
        ),
        rx.table.cell(
            rx.cond(row.category != "", badge(row.category, variant="surface"), "—"), class_name="wide-only"
        ),
        rx.table.cell(
            rx.cond(row.assignee != "", row.assignee, rx.text("unassigned", color_scheme="gray")),
            class_name="wide-only",
        ),
        rx.table.cell(rx.moment(row.created_at, from_now=True, interval=30000)),
        rx.table.cell(
            countdown(label=row.deadline_label, at=row.deadline_at, counted_from=row.deadline_from)
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.stale,
                    rx.tooltip(badge("stale", color_scheme="orange"), content="Unclaimed past its timeout"),
                ),
                rx.cond(
                    row.oncall_notified,
                    rx.tooltip(
                        badge("on-call paged", color_scheme="red", variant="outline"),
                        content="On-call was notified",
                    ),
                ),
                rx.cond(
                    row.repeat_count > 0,
                    rx.tooltip(
                        badge(
                            row.repeat_count.to_string(), " repeats", color_scheme="amber", variant="outline"
                        ),
                        content="The agent sent this again while it was open",
                    ),
                ),
                rx.cond(
                    row.loop_suspected,
                    rx.tooltip(
                        badge("loop?", color_scheme="red"),
                        content="Asked again soon after a resolution: see the earlier one",
                    ),
                ),
                rx.cond(
                    row.agent_not_told,
                    rx.tooltip(
                        badge("agent not told", color_scheme="red", class_name="agent-not-told"),
                        content="Every webhook attempt failed: the agent never heard. Redeliver on its page.",
                    ),
                ),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.claimable,
                    rx.button("Claim", size="1", on_click=QueueState.claim(row.id), class_name="claim"),
                ),
                rx.cond(
                    row.resolvable,
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
        data_selected=selected,
        aria_current=rx.cond(selected, "true", "false"),
        tab_index=-1,
        style={
            "&[data-selected='true']": {"background": "var(--accent-a3)"},
            "&:focus-visible": {"outline": "2px solid var(--accent-9)", "outline-offset": "-2px"},
        },
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
            custom_attrs={"aria-label": label},
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
        rx.button(
            "My work",
            variant=rx.cond(QueueState.my_work, "solid", "outline"),
            on_click=QueueState.toggle_my_work,
            aria_pressed=rx.cond(QueueState.my_work, "true", "false"),
            title="Assigned to you and still open; the queue opens here while this is on",
            id="my-work",
        ),
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


@page(sitemap.QUEUE, QueueState.load)
def queue_page() -> rx.Component:
    return signed_in_page(
        QueueState,
        rx.vstack(
            rx.hstack(
                rx.heading("Queue", size="6"),
                badge(QueueState.total_label, variant="soft", id="queue-total"),
                rx.spacer(),
                _notifications_button(),
                rx.button(
                    "Shortcuts ", rx.text.kbd("?"), size="1", variant="ghost", on_click=QueueState.toggle_help
                ),
                align="center",
                width="100%",
                wrap="wrap",
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
                        _header("Next deadline"),
                        _header("Flags"),
                        _header("Actions"),
                    )
                ),
                rx.table.body(rx.foreach(QueueState.rows, _row)),
                width="100%",
                id="queue-table",
                style=CARD_ROWS,
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
            resolve_dialog(QueueState, resolutions=RESOLUTIONS, warranted=WARRANTED),
            shortcuts_help(
                shortcuts=SHORTCUTS, open_=QueueState.help_open, on_open_change=QueueState.set_help_open
            ),
            rx.el.div(
                QueueState.selection_label, role="status", id="selection-status", style=VISUALLY_HIDDEN
            ),
            rx.window_event_listener(on_key_down=_on_key),
            spacing="4",
            padding_y="1.5em",
        ),
    )


def _on_key(key: rx.Var[str], modifiers: rx.Var[dict[str, bool]]) -> Any:
    """A shortcut key outside a text field goes to the server (which decides); any other key stays here."""
    return rx.cond(
        rx.Var.create(KEYS).contains(key) & (FOCUS != "text"),
        QueueState.key_down(key, modifiers, FOCUS),
        rx.noop(),
    )


def _notifications_button() -> rx.Component:
    """Asks the browser once, on this click (browsers ignore a request without one); gone once answered."""
    return rx.cond(
        QueueState.notifications == "default",
        rx.button(
            "Notify me of urgent escalations",
            size="1",
            variant="soft",
            on_click=rx.call_script(ASK_PERMISSION, callback=QueueState.set_notifications),
            id="enable-notifications",
        ),
    )
