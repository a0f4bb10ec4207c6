"""Helpers for tests that wait on an escalation: a long poll in a thread, an SSE reader, the waiter count."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from escalq import feed


def until(condition: Callable[[], bool], *, within_s: float = 10.0) -> None:
    """Return once `condition` holds (the server has registered a waiter, say); fail after `within_s`."""
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def poll_in_background(
    pool: ThreadPoolExecutor, url: str, headers: dict[str, str], **params: Any
) -> Future[tuple[httpx.Response, float]]:
    """GET url in a thread; the answer and how long it took."""

    def get() -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = httpx.get(url, headers=headers, params=params, timeout=70)
        return response, time.monotonic() - started

    return pool.submit(get)


@dataclass
class Sse:
    """One parsed Server-Sent Event, or a comment (event None)."""

    event: str | None
    id: str | None
    data: dict[str, Any] | None
    comment: str | None = None


def read_events(lines: Iterator[str]) -> Iterator[Sse]:
    """Parse an event stream line by line (the subset escalq sends: event, id, data, comments)."""
    fields: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            yield Sse(None, None, None, comment=line[1:].strip())
        elif line == "":
            if fields:
                yield Sse(fields.get("event"), fields.get("id"), json.loads(fields.get("data", "null")))
                fields = {}
        else:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


class Stream:
    """An SSE connection read in a thread, its events collected as they arrive."""

    def __init__(self, url: str, headers: dict[str, str]):
        self.events: list[Sse] = []
        self.ended = threading.Event()
        self.status_code: int | None = None
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with httpx.stream("GET", url, headers=headers, timeout=30) as response:
                self.status_code = response.status_code
                for item in read_events(response.iter_lines()):
                    self.events.append(item)
        finally:
            self.ended.set()

    def statuses(self) -> list[str]:
        return [item.data["status"] for item in self.events if item.event == "status" and item.data]


def waiting_now() -> int:
    return feed.waiters()
