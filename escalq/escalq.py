"""Composition root: the Reflex app with the REST API mounted on its backend."""

import reflex as rx

from escalq.api.app import create_api
from escalq.pages import home
from escalq.state.home import HomeState

app = rx.App(api_transformer=create_api(), theme=rx.theme(accent_color="indigo"))
app.add_page(home.home, route=home.ROUTE, title="escalq", on_load=HomeState.load)
