"""Slack incoming webhooks, through slack_sdk's webhook client."""

from slack_sdk.webhook import WebhookClient


def post(*, webhook_url: str, text: str, blocks: list[dict[str, object]], timeout_s: float) -> None:
    """Post a message; raises RuntimeError with Slack's answer when it is not accepted."""
    response = WebhookClient(webhook_url, timeout=int(max(1, timeout_s))).send(text=text, blocks=blocks)
    if response.status_code != 200:
        raise RuntimeError(f"Slack answered {response.status_code}: {str(response.body)[:300]}")
