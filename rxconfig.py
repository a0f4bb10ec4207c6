"""Reflex configuration: the app name and plugins; escalq's own settings live in escalq.config."""

import reflex as rx

from escalq.config import get_settings

config = rx.Config(
    app_name="escalq",
    # The API, the socket and Reflex's own routes trust only our origins (Reflex's default is "*").
    cors_allowed_origins=get_settings().allowed_origins(),
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # Which X-Forwarded-For entry is the client: sign-in throttling counts failures per address.
    trusted_proxy_hops=get_settings().trusted_proxy_hops,
)
