"""Reflex configuration: the app name and plugins; escalq's own settings live in escalq.config."""

import reflex as rx

config = rx.Config(
    app_name="escalq",
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
