"""The Redis connection shared by the job queue and the change feed."""

from functools import lru_cache

from redis import Redis

from escalq.config import get_settings


@lru_cache
def redis() -> Redis:
    """Short timeouts: a Redis outage may cost a request a second or two, never hang it."""
    return Redis.from_url(get_settings().redis_url, socket_connect_timeout=1, socket_timeout=2)
