"""Slack incoming webhooks, posted through the pinned HTTP client.

slack_sdk's WebhookClient opens its own connections with urllib (it resolves the name again and offers
no way to hand it a socket or transport), so the JSON body Slack documents is posted with httpx instead.
"""

from escalq.integrations import http


def post(
    *, webhook_url: str, text: str, blocks: list[dict[str, object]], timeout_s: float, gate: http.Gate
) -> None:
    """Post a message; raises RuntimeError with Slack's answer when it is not accepted."""
    with http.client(timeout_s=timeout_s, gate=gate) as client:
        response = client.post(webhook_url, json={"text": text, "blocks": blocks})
    if response.status_code != 200:
        raise RuntimeError(f"Slack answered {response.status_code}: {response.text[:300]}")
