"""Sliding-window counters in Redis: constant cost per request, whatever the agent has sent before.

One sorted set per agent and window holds the admitted attempts (scored by time); a Lua script drops
those that left the window, compares the count with the limit and, only when every window has room,
adds the attempt, all in one round trip. Exact like counting rows: the answer says when the oldest
attempt leaves the window. The `limits` library was not used: its moving window takes no injected
clock and does not say when the window frees up.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_ADMIT = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local window, limit = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    return {i, count, oldest[2]}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, tonumber(ARGV[1 + 2 * i]))
end
return {0, 0, '0'}
"""


@dataclass(frozen=True)
class Window:
    length: timedelta
    allowed: int


@dataclass(frozen=True)
class Refusal:
    """Which window is full, how many attempts it holds, and when the oldest that matters leaves it."""

    window: Window
    attempts: int
    free_at: datetime


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@dataclass(frozen=True)
class Counter:
    """Admits attempts per subject within windows; `redis` is called per use (the app's is cached)."""

    redis: Callable[[], Redis]
    prefix: str = "escalq:rate"

    def admit(self, *, subject: str, windows: Sequence[Window], now: datetime) -> Refusal | None:
        """Count the attempt and return None, or the first full window (nothing counted). With Redis down,
        admit uncounted and warn: the limit is a safety net, never the reason an agent is refused."""
        keys = [f"{self.prefix}:{subject}:{int(w.length.total_seconds())}" for w in windows]
        args: list[int | str] = [_ms(now), uuid.uuid4().hex]
        for window in windows:
            args += [int(window.length.total_seconds() * 1000), window.allowed]
        try:
            answer = cast(list[Any], self.redis().eval(_ADMIT, len(keys), *keys, *args))
        except RedisError as error:
            log.warning("rate limit not checked for %s, Redis is unreachable: %s", subject, error)
            return None
        full, attempts, oldest = answer
        if int(full) == 0:
            return None
        window = windows[int(full) - 1]
        free_at = datetime.fromtimestamp(float(oldest) / 1000, UTC) + window.length
        return Refusal(window=window, attempts=int(attempts), free_at=free_at)
