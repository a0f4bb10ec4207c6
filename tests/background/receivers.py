"""Local stand-ins for the outside world: HTTP receivers (webhooks, Slack, OpenAI) and an SMTP inbox."""

import json
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from harness.net import free_port

HANG_LIMIT_S = 30.0


@dataclass(frozen=True)
class Answer:
    """How a receiver answers one request; `hang` holds it until released (longer than any client timeout)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    hang: bool = False
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Received:
    """One request as it arrived; `verified` says whether its Standard Webhooks signature checked out."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None
    verify_error: str | None

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """An HTTP server on a free 127.0.0.1 port that records every POST and answers as programmed.

    Answers queued with `respond` are used first, in order, then `default`. With `tls` it speaks HTTPS
    and records the server name (SNI) each client asked for.
    """

    def __init__(self, default: Answer, *, tls: ssl.SSLContext | None = None) -> None:
        self.default = default
        self.secret: str | None = None
        self.requests: list[Received] = []
        self.server_names: list[str | None] = []
        self.release = threading.Event()
        self._answers: deque[Answer] = deque()
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def respond(self, *answers: Answer) -> None:
        self._answers.extend(answers)

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        """True once `count` requests have arrived (they are recorded before any answer)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("content-length", 0)))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        verified, verify_error = self._verify(body, headers)
        answer = self._answers.popleft() if self._answers else self.default
        with self._arrived:
            self.requests.append(Received(handler.path, headers, body, verified, verify_error))
            self._arrived.notify_all()
        if answer.hang:
            self.release.wait(HANG_LIMIT_S)
        try:
            handler.send_response(answer.status)
            handler.send_header("content-type", answer.content_type)
            handler.send_header("content-length", str(len(answer.body)))
            for name, value in answer.headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(answer.body)
        except OSError:
            pass  # the client gave up waiting, which is what a hang is for

    def _verify(self, body: bytes, headers: dict[str, str]) -> tuple[bool | None, str | None]:
        if self.secret is None:
            return None, None
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            return False, str(error)
        return True, None


def completion(content: str, *, model: str = "gpt-test") -> Answer:
    """An OpenAI chat-completions answer whose message is `content`."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }
    return Answer(200, json.dumps(body).encode(), content_type="application/json")


def api_error(status: int = 500) -> Answer:
    body = {"error": {"message": "the test server was told to fail", "type": "server_error"}}
    return Answer(status, json.dumps(body).encode(), content_type="application/json")


class SmtpInbox:
    """An aiosmtpd server on a free port that keeps every message; `refuse` rejects that many next ones.

    With `tls` it requires STARTTLS before accepting mail, and records whether each message came over TLS.
    """

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.over_tls: list[bool] = []
        self.refuse = 0
        self.port = free_port()
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, tls_context=tls, require_starttls=tls is not None
        )
        self._controller.start()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "554 5.0.0 Transaction failed: the test inbox was told to refuse"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        self.over_tls.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def close(self) -> None:
        self._controller.stop()
