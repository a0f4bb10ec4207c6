"""Badges for priority and status."""

import reflex as rx

PRIORITY_COLORS = {"urgent": "red", "high": "amber", "medium": "blue", "low": "gray"}
STATUS_COLORS = {
    "pending": "orange",
    "assigned": "blue",
    "claimed": "violet",
    "needs_info": "cyan",
    "resolved": "green",
    "expired": "gray",
}


def badge(*children: object, **props: object) -> rx.Component:
    """A Radix badge in high-contrast colours: the default ones fall below WCAG AA (4.5:1) at this size."""
    return rx.badge(*children, high_contrast=True, **props)


def priority_badge(priority: rx.Var[str], bumped: rx.Var[bool]) -> rx.Component:
    """Colour-coded priority; a bumped escalation (stale high) carries an arrow and sorts as urgent."""
    return rx.hstack(
        badge(
            priority,
            color_scheme=rx.match(priority, *PRIORITY_COLORS.items(), "gray"),
            variant="solid",
            class_name="priority-badge",
        ),
        rx.cond(
            bumped,
            rx.tooltip(
                badge("bumped", color_scheme="red", variant="outline"),
                content="Unclaimed too long: sorted with urgent",
            ),
        ),
        spacing="1",
    )


def status_badge(status: rx.Var[str]) -> rx.Component:
    return badge(status, color_scheme=rx.match(status, *STATUS_COLORS.items(), "gray"), variant="soft")
