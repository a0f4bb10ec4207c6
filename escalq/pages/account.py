"""Your account: a new password, and signing out on every device."""

import reflex as rx

from escalq import sitemap
from escalq.pages.layout import signed_in_page
from escalq.pages.registry import page
from escalq.state.account import AccountState


def _password_input(name: str, placeholder: str, element_id: str) -> rx.Component:
    return rx.input(
        name=name, id=element_id, type="password", placeholder=placeholder, required=True, width="100%"
    )


def _change_password() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Change your password", size="4"),
                rx.text(
                    "At least 12 characters and hard to guess; your other sessions are signed out.",
                    size="2",
                    color_scheme="gray",
                ),
                _password_input("current", "Current password", "account-current"),
                _password_input("new", "New password", "account-new"),
                _password_input("again", "New password again", "account-again"),
                rx.button("Change password", type="submit", id="account-change-password"),
                spacing="3",
                width="24em",
            ),
            on_submit=AccountState.change_password,
        ),
    )


def _sign_out_everywhere() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Sign out everywhere", size="4"),
            rx.text(
                "Ends every session of yours, on every device and browser, this one included.",
                size="2",
                color_scheme="gray",
            ),
            rx.button(
                "Sign out everywhere",
                color_scheme="red",
                variant="soft",
                on_click=AccountState.sign_out_everywhere,
                id="account-sign-out-everywhere",
            ),
            spacing="3",
            width="24em",
        ),
    )


@page(sitemap.ACCOUNT, AccountState.load)
def account_page() -> rx.Component:
    return signed_in_page(
        AccountState,
        rx.vstack(
            rx.heading("Your account", size="6"),
            rx.cond(
                AccountState.error != "",
                rx.callout(AccountState.error, icon="triangle_alert", color_scheme="red", id="account-error"),
            ),
            rx.cond(
                AccountState.notice != "",
                rx.callout(AccountState.notice, icon="check", color_scheme="green", id="account-notice"),
            ),
            _change_password(),
            _sign_out_everywhere(),
            spacing="5",
            padding_y="1.5em",
        ),
    )
