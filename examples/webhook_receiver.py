"""Act on escalq's decisions as they arrive: a webhook receiver that verifies every signature.

Run it, then give `http://<this host>:8099/escalq` as `webhook_url` when you escalate:

    ESCALQ_WEBHOOK_SECRET=whsec_... .venv/bin/python examples/webhook_receiver.py

The secret is your agent's (printed by `escalq agent create`). Anything unsigned, forged or older than
five minutes is answered 401 and ignored; a redelivery (same webhook-id) is acknowledged and skipped.
(`make run` accepts webhook URLs on this machine; in production they must be public.)
"""

import os
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from escalq_client import (
    EscalationExpired,
    EscalationResolved,
    InfoRequested,
    WebhookEvent,
    WebhookVerificationError,
    verify_webhook,
)

MAX_BODY = 1_048_576


def act(event: WebhookEvent) -> str:
    """What the agent does for each event (here: says it)."""
    if isinstance(event, EscalationResolved):
        return f"{event.escalation_id}: {event.resolution} by {event.resolved_by_name}, acting on it"
    if isinstance(event, EscalationExpired):
        return f"{event.escalation_id}: nobody decided, doing the fallback {event.fallback!r}"
    if isinstance(event, InfoRequested):
        return f"{event.escalation_id}: {event.reviewer} asks {event.question!r}; answer with add_context"
    return f"{event.escalation_id}: {event.type}, ignored"


def make_server(
    secret: str, *, port: int = 8099, host: str = "127.0.0.1", on_event: Callable[[str], None] = print
) -> ThreadingHTTPServer:
    """The receiver; `on_event` gets what the agent did for each verified, new event."""
    seen: set[str] = set()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_response(413)
                self.end_headers()
                return
            body = self.rfile.read(length)
            try:
                event = verify_webhook(body, dict(self.headers.items()), secret)
            except WebhookVerificationError:
                self.send_response(401)
                self.end_headers()
                return
            if event.webhook_id not in seen:  # escalq retries until it gets a 2xx: act once
                seen.add(event.webhook_id)
                on_event(act(event))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Receiver)


if __name__ == "__main__":
    make_server(os.environ["ESCALQ_WEBHOOK_SECRET"]).serve_forever()
