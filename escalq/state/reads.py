"""Reads shared by the tabs one live refresh serves: each distinct read runs once a round, not once a tab.

The live feed refreshes every watching tab after a change (escalq/state/live.py). Within that round,
a read keyed by everything it depends on (the view's filters, the viewer's role, a session token) is
done by the first tab that needs it and reused by the others; outside a round every read runs as asked.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_round: ContextVar[dict[Hashable, "asyncio.Future[Any]"] | None] = ContextVar("escalq_round", default=None)


@contextmanager
def one_round() -> Iterator[None]:
    """Share the reads made in this block (by this task and what it awaits)."""
    token = _round.set({})
    try:
        yield
    finally:
        _round.reset(token)


def known(key: Hashable, value: object) -> None:
    """Within a round, what `key`'s read would answer, read ahead for many keys at once."""
    shared = _round.get()
    if shared is not None:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(value)
        shared[key] = future


async def once(key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """`read()`; within a round, the first call with `key` reads and later ones get its answer."""
    shared = _round.get()
    if shared is None:
        return await read()
    if key not in shared:
        shared[key] = asyncio.ensure_future(read())
    found: T = await shared[key]
    return found
