"""The top bar: where you are, who you are, where you may go."""

import reflex as rx

from escalq.state.base import AuthState


def signed_in_page(state: type[AuthState], *children: rx.Component) -> rx.Component:
    """A page for a signed-in reviewer: the top bar of `state` (any AuthState), then `children`."""
    return rx.container(
        nav_bar(
            name=state.reviewer_name,
            is_admin=state.is_admin,
            is_manager=state.is_manager,
            on_logout=state.logout,
            on_call=state.on_call_names,
        ),
        rx.el.main(*children),
        size="4",
    )


def nav_bar(
    *,
    name: rx.Var[str],
    is_admin: rx.Var[bool],
    is_manager: rx.Var[bool],
    on_logout: rx.EventHandler,
    on_call: rx.Var[str],
) -> rx.Component:
    """`on_call`: the display names of whoever is on call now, comma-separated ("" for nobody)."""
    return rx.el.nav(
        rx.hstack(
            rx.link(rx.heading("escalq", size="5"), href="/", underline="none"),
            rx.link("Queue", href="/"),
            rx.cond(is_manager, rx.link("Metrics", href="/metrics", id="nav-metrics")),
            rx.cond(is_manager, rx.link("Audit log", href="/audit", id="nav-audit")),
            rx.cond(is_manager, rx.link("Policies", href="/policies", id="nav-policies")),
            rx.cond(is_admin, rx.link("Admin", href="/admin", id="nav-admin")),
            rx.spacer(),
            _on_call(on_call),
            # Never an empty link (a link without a name), even before the name has arrived.
            rx.link(
                rx.text(rx.cond(name != "", name, "Account"), size="2", color_scheme="gray"),
                href="/account",
                id="nav-user",
            ),
            rx.color_mode.button(size="1", variant="ghost", aria_label="Switch between light and dark"),
            rx.button("Log out", size="1", variant="soft", on_click=on_logout, id="logout"),
            align="center",
            spacing="4",
            padding_y="0.75em",
            border_bottom="1px solid var(--gray-a5)",
            width="100%",
            wrap="wrap",
        ),
        aria_label="Main",
    )


def _on_call(names: rx.Var[str]) -> rx.Component:
    return rx.text(
        "On call now: ",
        rx.cond(names != "", rx.text.strong(names), rx.text("nobody", as_="span", color_scheme="gray")),
        size="2",
        id="nav-on-call",
    )
