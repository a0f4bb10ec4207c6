"""The admin page's on-call section: the rotation form and its overrides, for a state like OncallState."""

from collections.abc import Sequence
from typing import Any

import reflex as rx

from escalq.components.badges import badge
from escalq.components.history import data_table
from escalq.schemas.oncall import OverrideRow

ZONES_LIST = "oncall-zones"


def _field(label: str | rx.Var[str], control: rx.Component, **props: str) -> rx.Component:
    return rx.el.label(
        rx.vstack(rx.text(label, size="1", color_scheme="gray"), control, spacing="1", width="100%"), **props
    )


def _now(state: Any) -> rx.Component:
    return rx.cond(
        state.has_rotation,
        rx.text(
            "On shift: ",
            rx.text.strong(state.rotation.on_shift),
            " since "
            + state.rotation.shift_started
            + "; next hand-over "
            + state.rotation.next_handover
            + ".",
            size="2",
            id="oncall-shift",
        ),
        rx.text("No rotation yet: only reviewers flagged on call are told.", size="2", color_scheme="gray"),
    )


def _rotation_form(state: Any, zones: Sequence[str]) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.flex(
                _field("Name", rx.input(name="name", id="oncall-name", required=True)),
                _field(
                    "Time zone (IANA)",
                    rx.input(name="timezone", id="oncall-timezone", list=ZONES_LIST, required=True),
                ),
                _field(
                    "Hand-over",
                    rx.input(name="handover_time", id="oncall-handover", type="time", required=True),
                ),
                _field(
                    "Shift hours",
                    rx.input(
                        name="shift_hours", id="oncall-shift-hours", type="number", min=1, required=True
                    ),
                ),
                _field("First shift on", rx.input(name="anchor_date", id="oncall-anchor", type="date")),
                spacing="3",
                wrap="wrap",
                align="end",
            ),
            _field(
                "Members in order (emails, comma-separated)",
                rx.input(name="member_emails", id="oncall-members", required=True, width="100%"),
                width="100%",
            ),
            rx.el.datalist(*[rx.el.option(value=zone) for zone in zones], id=ZONES_LIST),
            rx.button("Save rotation", type="submit", id="oncall-save"),
            spacing="3",
            width="100%",
        ),
        on_submit=state.save_rotation,
        id="oncall-rotation-form",
        width="100%",
    )


def _override_row(state: Any, row: rx.Var[OverrideRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.hstack(rx.text(row.reviewer), rx.cond(row.current, badge("now", color_scheme="green")))
        ),
        rx.table.cell(row.starts_at),
        rx.table.cell(row.ends_at),
        rx.table.cell(row.reason),
        rx.table.cell(
            rx.button(
                "Remove", size="1", variant="soft", color_scheme="red", on_click=state.remove_override(row.id)
            )
        ),
        custom_attrs={"data-override": row.id},
        align="center",
    )


def _overrides(state: Any) -> rx.Component:
    return rx.vstack(
        rx.heading("Overrides", size="3"),
        data_table(
            ["Who", "From", "Until", "Why", ""], state.overrides, lambda row: _override_row(state, row)
        ),
        rx.form(
            rx.flex(
                rx.select(
                    state.reviewer_emails,
                    name="email",
                    placeholder="Who covers",
                    required=True,
                    custom_attrs={"aria-label": "Who covers"},
                ),
                _field(
                    "From (" + state.rotation.timezone + ")",
                    rx.input(
                        name="starts_at", id="oncall-override-starts", type="datetime-local", required=True
                    ),
                ),
                _field(
                    "Until",
                    rx.input(name="ends_at", id="oncall-override-ends", type="datetime-local", required=True),
                ),
                rx.input(name="reason", id="oncall-override-reason", placeholder="Why (optional)"),
                rx.button("Add override", type="submit", id="oncall-add-override"),
                spacing="3",
                wrap="wrap",
                align="end",
            ),
            on_submit=state.add_override,
            id="oncall-override-form",
        ),
        spacing="3",
        width="100%",
    )


def oncall_section(state: Any, *, zones: Sequence[str]) -> rx.Component:
    """Who is on shift, the rotation form (suggesting `zones`) and the overrides."""
    return rx.card(
        rx.vstack(
            rx.heading("On call", size="5"),
            rx.text(
                "Urgent notifications and timeouts go to whoever is on call: the rotation member on shift "
                "(or the override covering it) and every reviewer flagged on call above.",
                size="2",
                color_scheme="gray",
            ),
            _now(state),
            _rotation_form(state, zones),
            rx.cond(state.has_rotation, _overrides(state)),
            spacing="4",
            width="100%",
        ),
        id="admin-oncall",
        width="100%",
    )
