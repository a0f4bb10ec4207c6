"""Open queue dashboards as the browser opens them: a tab is a websocket on Reflex's event socket.

A tab connects to socket.io's `/_event` namespace with its own client token, then sends the hydrate
event its page sends on connect, carrying the session cookie: the backend runs the queue's on_load, and
the tab watches the live feed from then on. Each tab speaks the few socket.io messages it needs itself
and looks for what it waits for in the text of each update as it arrives, before any decoding: 50 tabs
in the bench's one process then cost the machine little beside the backend they measure.
"""

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
import websocket
from reflex.utils.format import format_event_handler

from escalq.state.base import AuthState
from escalq.state.queue import QueueState

NAMESPACE = "/_event"
FIELD = "_rx_state_"  # the suffix Reflex gives every state field in a delta
HYDRATE = format_event_handler(rx.State.event_handlers["hydrate_and_load"])
TOGGLE_HELP = format_event_handler(QueueState.event_handlers["toggle_help"])
COOKIE = f"{AuthState.get_full_name()}.token{FIELD}"
ROWS, HELP = f'"rows{FIELD}"', f'"help_open{FIELD}"'
# Engine.io packets: open, ping (answered by a pong) and message; socket.io ones inside a message.
OPEN, PING, PONG, MESSAGE = "0", "2", "3", "4"
CONNECT, EVENT = "0", "2"


@dataclass
class Dashboard:
    """One queue tab: when each awaited text first arrived in an update (monotonic seconds)."""

    url: str
    cookie: str
    client_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    seen: dict[str, float] = field(default_factory=dict)
    _awaited: set[str] = field(default_factory=set)
    _helps: list[float] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _socket: websocket.WebSocket | None = None

    def open(self) -> None:
        """Connect and load the queue page, as a signed-in browser tab does (returns once it shows)."""
        address = self.url.replace("http", "ws", 1)
        self._socket = websocket.create_connection(
            f"{address}/_event/?EIO=4&transport=websocket&token={self.client_token}",
            timeout=60,
            skip_utf8_validation=True,  # websocket-client checks in pure Python: the backend sends UTF-8
        )
        if not self._socket.recv().startswith(OPEN):
            raise RuntimeError("the event socket did not open")
        self._socket.send(f"{MESSAGE}{CONNECT}{NAMESPACE},")
        if not self._socket.recv().startswith(f"{MESSAGE}{CONNECT}{NAMESPACE},"):
            raise RuntimeError("the event namespace refused the tab")
        self.expect([ROWS])
        threading.Thread(target=self._read, daemon=True).start()
        self._send(HYDRATE, {"vars": {COOKIE: self.cookie}})
        self._wait(lambda: ROWS in self.seen, what="the queue's first rows")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()

    def expect(self, texts: Iterable[str]) -> None:
        """Note when each of `texts` first arrives in an update, from now on."""
        with self._changed:
            self._awaited.update(texts)

    def round_trip_ms(self) -> float:
        """One cheap event (the help dialog toggled) until its delta is back: what any update costs."""
        with self._changed:
            before = len(self._helps)
        started = time.monotonic()
        self._send(TOGGLE_HELP, {})
        self._wait(lambda: len(self._helps) > before, what="the help toggle's delta")
        return (self._helps[before] - started) * 1000

    def _send(self, name: str, payload: dict[str, Any]) -> None:
        router = {"pathname": "/", "asPath": "/", "query": {}}
        event = ["event", {"name": name, "payload": payload, "router_data": router}]
        assert self._socket is not None
        self._socket.send(f"{MESSAGE}{EVENT}{NAMESPACE},{json.dumps(event)}")

    def _read(self) -> None:
        assert self._socket is not None
        while True:
            try:
                text = self._socket.recv()
            except (websocket.WebSocketException, OSError):
                return
            at = time.monotonic()
            if text == PING:
                self._socket.send(PONG)
                continue
            with self._changed:
                found = [awaited for awaited in self._awaited if awaited in text]
                for awaited in found:
                    self.seen[awaited] = at
                self._awaited.difference_update(found)
                if HELP in text:
                    self._helps.append(at)
                self._changed.notify_all()

    def _wait(self, done: Callable[[], bool], *, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"a dashboard timed out waiting for {what}")
                self._changed.wait(left)
