"""Sign in with email and password."""

import reflex as rx

from escalq.state.base import LOGIN_ROUTE
from escalq.state.login import LoginState

ROUTE = LOGIN_ROUTE


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
                    rx.input(
                        placeholder="Email",
                        name="email",
                        type="email",
                        id="email",
                        width="100%",
                        auto_focus=True,
                    ),
                    rx.input(
                        placeholder="Password", name="password", type="password", id="password", width="100%"
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
