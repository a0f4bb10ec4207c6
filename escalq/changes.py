"""The change feed: one Redis pub/sub channel that tells every dashboard an escalation changed."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterable

from redis import asyncio as aioredis

from escalq.config import get_settings

CHANNEL = "escalq:changes"


def announcement(escalation_ids: Iterable[uuid.UUID]) -> str:
    """The message on the channel that names changed escalations (escalq.pipeline publishes it after
    the commit)."""
    return json.dumps({"escalations": [str(escalation_id) for escalation_id in escalation_ids]})


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
