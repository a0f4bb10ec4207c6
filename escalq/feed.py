"""One subscription to the change feed per backend process, shared by dashboards and waiting agents.

A waiter registers an asyncio.Event for an escalation (or for every escalation) and is woken when an
announcement names it; nothing polls, and a thousand waiters cost one Redis connection.
"""

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from escalq import changes

log = logging.getLogger(__name__)
EVERYTHING = "*"  # the key of waiters woken by any change (the dashboards)
RECONNECT_S = 2.0
SUBSCRIBE_WAIT_S = 2.0  # a waiter does not wait longer for Redis; it then answers at its timeout


class Feed:
    """The change feed of one event loop, fanned out to the events registered with `watching`."""

    def __init__(self, listen: Callable[[asyncio.Event], AsyncIterator[list[str]]] = changes.listen):
        self._listen = listen
        self._waiters: defaultdict[str, set[asyncio.Event]] = defaultdict(set)
        self._subscribed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """How many waiters are registered (the bench and the tests read it)."""
        return sum(len(events) for events in self._waiters.values())

    @asynccontextmanager
    async def watching(self, escalation_id: str = EVERYTHING) -> AsyncIterator[asyncio.Event]:
        """An event set whenever `escalation_id` changes (or after a lost connection, which may have
        hidden a change); registered before it is handed out, so a read after this misses nothing."""
        changed = asyncio.Event()
        self._waiters[escalation_id].add(changed)
        try:
            await self._ensure_subscribed()
            yield changed
        finally:
            events = self._waiters.get(escalation_id)
            if events is not None:
                events.discard(changed)
                if not events:
                    del self._waiters[escalation_id]

    async def _ensure_subscribed(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="escalq-change-feed")
        with suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), SUBSCRIBE_WAIT_S)

    async def _run(self) -> None:
        """Listen for as long as the loop runs; reconnect when Redis drops."""
        while True:
            try:
                async for escalation_ids in self._listen(self._subscribed):
                    self._wake([*escalation_ids, EVERYTHING])
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("change feed interrupted, reconnecting in %.0f s: %s", RECONNECT_S, error)
            self._subscribed.clear()
            self._wake(list(self._waiters))  # whatever changed while we were away: everyone re-reads
            await asyncio.sleep(RECONNECT_S)

    def _wake(self, keys: list[str]) -> None:
        for key in keys:
            for changed in self._waiters.get(key, ()):
                changed.set()


_feeds: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Feed]" = weakref.WeakKeyDictionary()


def waiters() -> int:
    """Requests waiting in this process, on every loop (the bench and the tests read it)."""
    return sum(feed.waiting for feed in list(_feeds.values()))


def current() -> Feed:
    """This event loop's feed (a backend runs one loop; tests may run several servers, one loop each)."""
    loop = asyncio.get_running_loop()
    feed = _feeds.get(loop)
    if feed is None:
        feed = _feeds[loop] = Feed()
    return feed
