"""The resolve dialog and the action notice, for any page whose state has the escalation actions."""

from collections.abc import Sequence
from typing import Any

import reflex as rx


def resolve_dialog(actions: Any, *, resolutions: Sequence[str], warranted: Sequence[str]) -> rx.Component:
    """Resolution (one of `resolutions`), notes and whether escalating was warranted (one of `warranted`)
    for the escalation `actions.resolving_id`."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Resolve escalation"),
            rx.vstack(
                rx.text("Decision", size="2"),
                rx.select(
                    resolutions, value=actions.resolution, on_change=actions.set_resolution, id="resolution"
                ),
                rx.text("Notes for the agent", size="2"),
                rx.text_area(value=actions.notes, on_change=actions.set_notes, id="notes", rows="4"),
                rx.text("Was escalating this warranted? (feeds the agent's precision)", size="2"),
                rx.radio_group(
                    warranted,
                    value=actions.warranted,
                    on_change=actions.set_warranted,
                    direction="row",
                    id="warranted",
                ),
                rx.hstack(
                    rx.button("Cancel", variant="soft", color_scheme="gray", on_click=actions.close_resolve),
                    rx.button("Resolve", on_click=actions.resolve, id="confirm-resolve"),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
            ),
        ),
        open=actions.resolve_open,
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), actions.close_resolve()),
    )


def notice(actions: Any) -> rx.Component:
    """The outcome of the last action: green, or red with the reason (e.g. a claim lost to a colleague)."""
    return rx.cond(
        actions.notice != "",
        rx.callout(
            actions.notice, color_scheme=rx.cond(actions.notice_is_error, "red", "green"), id="notice"
        ),
    )
