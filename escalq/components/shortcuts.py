"""The keyboard shortcuts overlay (the `?` key), listing what a page's keys do."""

from collections.abc import Sequence
from typing import Any

import reflex as rx


def shortcuts_help(
    *, shortcuts: Sequence[Any], open_: rx.Var[bool], on_open_change: rx.EventHandler
) -> rx.Component:
    """`shortcuts`: items with `keys` (as shown) and `description`."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Keyboard shortcuts"),
            rx.dialog.description(
                "Anywhere on the queue except while typing in a field.", size="2", color_scheme="gray"
            ),
            rx.table.root(
                rx.table.body(
                    *(
                        rx.table.row(
                            rx.table.cell(rx.hstack(*(rx.text.kbd(key) for key in s.keys), spacing="1")),
                            rx.table.cell(s.description),
                        )
                        for s in shortcuts
                    )
                ),
                size="1",
                margin_y="1em",
            ),
            rx.dialog.close(rx.button("Close", variant="soft", id="close-shortcuts")),
            id="shortcuts-help",
        ),
        open=open_,
        on_open_change=on_open_change,
    )
