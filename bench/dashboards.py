"""Open queue dashboards as the browser opens them: a socket.io client per tab on Reflex's event socket.

A tab connects to the `/_event` namespace with its own client token, then sends the hydrate event its
page sends on connect, carrying the session cookie: the backend runs the queue's on_load, and the tab
watches the live feed from then on. Every state update it receives is kept with its arrival time.
"""

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
import socketio
from reflex.utils.format import format_event_handler

from escalq.state.base import AuthState
from escalq.state.queue import QueueState

NAMESPACE = "/_event"
FIELD = "_rx_state_"  # the suffix Reflex gives every state field in a delta
HYDRATE = format_event_handler(rx.State.event_handlers["hydrate_and_load"])
TOGGLE_HELP = format_event_handler(QueueState.event_handlers["toggle_help"])
COOKIE = f"{AuthState.get_full_name()}.token{FIELD}"
QUEUE = QueueState.get_full_name()


@dataclass
class Dashboard:
    """One queue tab: when each update arrived, and the row ids each `rows` in it held."""

    url: str
    cookie: str
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    arrivals: list[tuple[float, set[str]]] = field(default_factory=list)
    helps: list[float] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _sio: socketio.Client = field(default_factory=lambda: socketio.Client(reconnection=False))

    def open(self) -> None:
        """Connect and load the queue page, as a signed-in browser tab does (returns once it shows)."""
        self._sio.on("event", self._keep, namespace=NAMESPACE)
        self._sio.connect(
            f"{self.url}?token={self.client_token}",
            transports=["websocket"],
            namespaces=[NAMESPACE],
            socketio_path="_event",
            wait_timeout=30,
        )
        self._send(HYDRATE, {"vars": {COOKIE: self.cookie}})
        self._wait(lambda: bool(self.arrivals), what="the queue's first rows")

    def close(self) -> None:
        self._sio.disconnect()

    def round_trip_ms(self) -> float:
        """One cheap event (the help dialog toggled) until its delta is back: what any update costs."""
        with self._changed:
            before = len(self.helps)
        started = time.monotonic()
        self._send(TOGGLE_HELP, {})
        self._wait(lambda: len(self.helps) > before, what="the help toggle's delta")
        return (self.helps[before] - started) * 1000

    def first_seen(self, escalation_id: str) -> float | None:
        """When a `rows` holding `escalation_id` first arrived (monotonic seconds), or None."""
        with self._changed:
            return next((at for at, ids in self.arrivals if escalation_id in ids), None)

    def _send(self, name: str, payload: dict[str, Any]) -> None:
        router = {"pathname": "/", "asPath": "/", "query": {}}
        self._sio.emit(
            "event", {"name": name, "payload": payload, "router_data": router}, namespace=NAMESPACE
        )

    def _keep(self, update: dict[str, Any]) -> None:
        at = time.monotonic()
        queue = (update.get("delta") or {}).get(QUEUE) or {}
        with self._changed:
            rows = queue.get(f"rows{FIELD}")
            if rows is not None:
                self.arrivals.append((at, {row["id"] for row in rows}))
            if f"help_open{FIELD}" in queue:
                self.helps.append(at)
            self._changed.notify_all()

    def _wait(self, done: Any, *, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"a dashboard timed out waiting for {what}")
                self._changed.wait(left)
