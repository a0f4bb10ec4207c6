"""Sign in with email and password."""

import reflex as rx

from escalq import sitemap
from escalq.pages.registry import page
from escalq.state.login import LoginState


@page(sitemap.LOGIN)
def login() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("escalq", size="7"),
                    rx.text("Sign in to work the queue.", color_scheme="gray"),
                    rx.cond(
                        LoginState.error != "",
                        rx.callout(LoginState.error, color_scheme="red", id="login-error"),
                    ),
                    _label("Email", "email"),
                    rx.input(
                        name="email",
                        type="email",
                        id="email",
                        width="100%",
                        auto_focus=True,
                        auto_complete="username",
                    ),
                    _label("Password", "password"),
                    rx.input(
                        name="password",
                        type="password",
                        id="password",
                        width="100%",
                        auto_complete="current-password",
                    ),
                    rx.button("Sign in", type="submit", loading=LoginState.busy, width="100%", id="sign-in"),
                    spacing="3",
                    width="20em",
                ),
                on_submit=LoginState.submit,
            ),
            size="4",
        ),
        height="100vh",
    )


def _label(text: str, field: str) -> rx.Component:
    """A visible label tied to its field, so screen readers name the field (a placeholder is no label)."""
    return rx.text(rx.el.label(text, html_for=field), size="2", weight="medium", margin_bottom="-0.5em")
