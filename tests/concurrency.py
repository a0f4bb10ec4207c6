"""Run the same work in several threads at once, each in its own session, as several schedulers would."""

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from escalq.db import new_session

T = TypeVar("T")


def at_once(work: Callable[[Session], T], *, count: int = 2) -> list[T]:
    """What `work` returned in each thread; any exception in a thread fails the caller (asserts in
    threads would otherwise go unseen)."""
    start = threading.Barrier(count)
    results: list[T] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            with new_session() as own:
                start.wait(timeout=10)
                results.append(work(own))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == count
    return results
