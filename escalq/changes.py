"""The change feed: one Redis pub/sub channel that tells every dashboard an escalation changed."""

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from escalq.broker import redis
from escalq.config import get_settings

log = logging.getLogger(__name__)
CHANNEL = "escalq:changes"


def publish(escalation_ids: Iterable[uuid.UUID]) -> None:
    """Announce committed changes; a lost announcement only delays a dashboard, so errors are logged."""
    ids = [str(escalation_id) for escalation_id in escalation_ids]
    if not ids:
        return
    try:
        redis().publish(CHANNEL, json.dumps({"escalations": ids}))
    except RedisError as error:
        log.warning("could not announce changes to %s: %s", ids, error)


async def listen(subscribed: asyncio.Event | None = None) -> AsyncIterator[list[str]]:
    """Every announcement, as the escalation ids it names, for as long as the caller iterates.

    `subscribed` is set once Redis confirms the subscription: from then on no announcement is missed.
    """
    connection = aioredis.Redis.from_url(get_settings().redis_url)
    try:
        async with connection.pubsub() as pubsub:
            await pubsub.subscribe(CHANNEL)
            async for message in pubsub.listen():
                if message.get("type") == "subscribe" and subscribed is not None:
                    subscribed.set()
                elif message.get("type") == "message":
                    yield json.loads(message["data"]).get("escalations", [])
    finally:
        await connection.aclose()
