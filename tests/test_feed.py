"""The shared change feed: one subscription, each waiter woken by its own escalation's changes."""

import asyncio
import uuid
from collections.abc import AsyncIterator

from escalq import changes, feed
from escalq.broker import redis


def test_waiters_are_woken_by_their_escalation_and_dashboards_by_any():
    announcements: asyncio.Queue[list[str]] = asyncio.Queue()
    subscriptions = []

    async def listen(subscribed: asyncio.Event) -> AsyncIterator[list[str]]:
        subscriptions.append(1)
        subscribed.set()
        while True:
            yield await announcements.get()

    async def run() -> None:
        shared = feed.Feed(listen=listen)
        async with shared.watching("a") as a, shared.watching("b") as b, shared.watching() as every:
            assert shared.waiting == 3
            await announcements.put(["a"])
            await asyncio.wait_for(a.wait(), 2)
            await asyncio.wait_for(every.wait(), 2)
            assert not b.is_set()
        assert shared.waiting == 0
        assert subscriptions == [1]

    asyncio.run(run())


def test_a_lost_connection_wakes_everyone_to_re_read(monkeypatch):
    monkeypatch.setattr(feed, "RECONNECT_S", 0.01)
    connections = []

    async def listen(subscribed: asyncio.Event) -> AsyncIterator[list[str]]:
        connections.append(1)
        subscribed.set()
        if len(connections) == 1:
            raise ConnectionError("Redis went away")
        await asyncio.Event().wait()
        yield []

    async def run() -> None:
        shared = feed.Feed(listen=listen)
        async with shared.watching("a") as a:
            await asyncio.wait_for(a.wait(), 2)
            for _ in range(100):
                if len(connections) == 2:
                    break
                await asyncio.sleep(0.01)
        assert len(connections) == 2

    asyncio.run(run())


def test_the_real_feed_hears_a_publish(database_url):
    async def run() -> None:
        escalation_id = uuid.uuid4()
        async with feed.current().watching(str(escalation_id)) as changed:
            await asyncio.to_thread(redis().publish, changes.CHANNEL, changes.announcement([escalation_id]))
            await asyncio.wait_for(changed.wait(), 5)

    asyncio.run(run())
