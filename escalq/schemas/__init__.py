"""Request and response shapes shared by the API, the dashboard and the CLI."""
