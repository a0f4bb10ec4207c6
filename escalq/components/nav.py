"""The top bar: where you are, who you are, where you may go."""

from collections.abc import Sequence
from dataclasses import dataclass

import reflex as rx


@dataclass(frozen=True)
class NavLink:
    """A link of the top bar; `shown` None: always there."""

    label: str
    href: str
    element_id: str
    shown: rx.Var[bool] | None = None


def nav_bar(
    *,
    home: str,
    links: Sequence[NavLink],
    account: str,
    name: rx.Var[str],
    on_logout: rx.EventHandler,
    on_call: rx.Var[str],
) -> rx.Component:
    """`on_call`: the display names of whoever is on call now, comma-separated ("" for nobody)."""
    return rx.el.nav(
        rx.hstack(
            rx.link(rx.heading("escalq", size="5"), href=home, underline="none"),
            *(_link(link) for link in links),
            rx.spacer(),
            _on_call(on_call),
            # Never an empty link (a link without a name), even before the name has arrived.
            rx.link(
                rx.text(rx.cond(name != "", name, "Account"), size="2", color_scheme="gray"),
                href=account,
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


def _link(link: NavLink) -> rx.Component:
    anchor = rx.link(link.label, href=link.href, id=link.element_id)
    return anchor if link.shown is None else rx.cond(link.shown, anchor)


def _on_call(names: rx.Var[str]) -> rx.Component:
    return rx.text(
        "On call now: ",
        rx.cond(names != "", rx.text.strong(names), rx.text("nobody", as_="span", color_scheme="gray")),
        size="2",
        id="nav-on-call",
    )
