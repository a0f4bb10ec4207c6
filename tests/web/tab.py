"""One browser tab as the backend sees it, driven over the real protocol with python-socketio.

A tab connects to the `/_event` socket.io namespace with its own client token in the query string, sends
`event` messages ({name, payload, router_data}) and receives `event` messages holding a state update
({delta, events}). The first event is the hydrate the frontend sends when it connects.
"""

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio

from escalq.state.base import AuthState
from tests.web.handlers import found_named

NAMESPACE = "/_event"
STORAGE_TOKEN_KEY = f"{AuthState.get_full_name()}.token_rx_state_"  # the cookie, as the frontend names it
HYDRATE = found_named("State", "hydrate_and_load").event_name
LOGIN = found_named("LoginState", "submit").event_name


def router_data(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return {"pathname": path, "asPath": path, "query": query or {}}


class Tab:
    """A socket of our own; every update it receives is kept, in order, as received."""

    def __init__(self, url: str, *, origin: str | None = None, client_token: str | None = None) -> None:
        self.client_token = client_token or str(uuid.uuid4())
        self.updates: list[dict[str, Any]] = []
        self._arrived = threading.Condition()
        # websocket-client sends the URL's origin, as a page of the site would; `origin` poses as another.
        extra = {"origin": origin} if origin else {}
        self.sio = socketio.Client(reconnection=False, websocket_extra_options=extra)
        self.sio.on("event", self._keep, namespace=NAMESPACE)
        self.sio.connect(
            f"{url}?token={self.client_token}",
            transports=["websocket"],
            namespaces=[NAMESPACE],
            socketio_path="_event",
            wait_timeout=10,
        )

    def _keep(self, update: dict[str, Any]) -> None:
        with self._arrived:
            self.updates.append(update)
            self._arrived.notify_all()

    def close(self) -> None:
        self.sio.disconnect()

    def send(
        self, name: str, payload: dict[str, Any], path: str, query: dict[str, str] | None = None
    ) -> None:
        message = {"name": name, "payload": payload, "router_data": router_data(path, query)}
        self.sio.emit("event", message, namespace=NAMESPACE)

    def hydrate(self, path: str, *, cookie: str = "") -> None:
        """What a page sends when it connects: its browser storage (the session cookie, if any)."""
        self.send(HYDRATE, {"vars": {STORAGE_TOKEN_KEY: cookie}} if cookie else {}, path)

    def redirects(self) -> list[str]:
        """Every path the backend sent this tab to, oldest first."""
        with self._arrived:
            return [
                event["payload"]["path"]
                for update in self.updates
                for event in update.get("events") or []
                if event.get("name") == "_redirect"
            ]

    def wait_until(self, done: Callable[[], bool], *, what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; got {self.text()[-2000:]}")
                self._arrived.wait(left)

    def wait_for_redirects(self, count: int, *, what: str) -> None:
        self.wait_until(lambda: len(self.redirects()) >= count, what=what)

    def text(self) -> str:
        """Everything received, as one JSON text to search."""
        return self.text_since(0)

    def text_since(self, count: int) -> str:
        """What was received after the first `count` updates, as one JSON text."""
        with self._arrived:
            return json.dumps(self.updates[count:])

    def sign_in(self, email: str, password: str) -> str:
        """Submit the login form as a person would; returns the session token the cookie now holds."""
        self.hydrate("/login")
        self.send(LOGIN, {"form": {"email": email, "password": password}}, "/login", {"next": "/"})
        self.wait_for_redirects(1, what="the redirect after signing in")
        for update in self.updates:
            for values in update.get("delta", {}).values():
                if values.get("token_rx_state_"):
                    return str(values["token_rx_state_"])
        raise AssertionError(f"no session token came back: {self.text()[-2000:]}")
