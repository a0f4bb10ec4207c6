"""The one place outbound HTTP clients are made, always with explicit timeouts."""

import httpx


def client(*, timeout_s: float) -> httpx.Client:
    """A client that never follows redirects (a redirect could lead a webhook to an internal address)."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
        follow_redirects=False,
        headers={"User-Agent": "escalq-webhooks/1"},
        trust_env=False,
    )
