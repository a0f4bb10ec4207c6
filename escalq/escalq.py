"""Composition root: the Reflex app with the REST API mounted on its backend."""

import reflex as rx

from escalq.api.app import create_api
from escalq.pages import registry
from escalq.services import vault
from escalq.services.errors import Misconfigured
from escalq.state import live
from escalq.state.base import SessionGuard

try:
    vault.require_key()  # the backend never starts unable to read the secrets it stores
except Misconfigured as error:
    raise SystemExit(f"escalq: {error.message}") from None

api = create_api()
# assets/escalq.js: the queue's countdowns and browser notifications, what Reflex has no component for.
app = rx.App(api_transformer=api, head_components=[rx.script(src="/escalq.js")])
app.add_middleware(SessionGuard())  # every event: a valid session with the state's role, or a redirect
app.register_lifespan_task(live.fan_out)
app.register_lifespan_task(api.state.mcp_lifespan)  # Reflex runs no lifespan of the app it mounts
registry.add_pages(app)  # every page of escalq.sitemap, with its title and loading events
