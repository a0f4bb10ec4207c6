"""The landing page: what escalq is and how much waits in the queue."""

import reflex as rx

from escalq.state.home import HomeState

ROUTE = "/"


def _count(label: str, key: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.heading(HomeState.counts.get(key, 0).to_string(), size="7"),
            spacing="1",
        ),
        min_width="10em",
    )


def home() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.heading("escalq", size="8"),
            rx.text("The escalation queue between AI agents and humans."),
            rx.cond(HomeState.error != "", rx.callout(HomeState.error, color_scheme="red")),
            rx.hstack(
                _count("Waiting for a reviewer", "pending"),
                _count("Assigned", "assigned"),
                _count("Claimed", "claimed"),
                spacing="4",
                wrap="wrap",
            ),
            rx.link("REST API documentation", href="/api/docs", is_external=True),
            spacing="5",
            padding_y="3em",
        ),
    )
