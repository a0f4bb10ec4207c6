"""A row's countdown to its next deadline; assets/escalq.js ticks it every second in the browser."""

import reflex as rx

# Colour by the share of the window left (data-band, set by the ticker): over a half, a half to a
# quarter, under a quarter, past due.
BANDS = {"ok": "green", "near": "yellow", "close": "amber", "breached": "red"}


def countdown(*, label: rx.Var[str], at: rx.Var[str], counted_from: rx.Var[str]) -> rx.Component:
    """Reads like "to on-call in 12:34", coloured as it nears; "—" when nothing is due."""
    return rx.cond(
        at != "",
        rx.el.span(
            class_name="countdown",
            data_deadline=at,
            data_from=counted_from,
            data_label=label,
            style={
                "white-space": "nowrap",
                "font-variant-numeric": "tabular-nums",
                "font-size": "var(--font-size-1)",
                "padding": "0 0.4em",
                "border-radius": "var(--radius-2)",
                **{
                    f"&[data-band='{band}']": {
                        "color": f"var(--{colour}-12)",
                        "background": f"var(--{colour}-a4)",
                    }
                    for band, colour in BANDS.items()
                },
            },
        ),
        rx.text("—", color_scheme="gray", size="1"),
    )
