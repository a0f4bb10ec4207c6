"""Redis connections: the short-fused one shared by the API, the job queue and the change feed, and the
patient one of the background processes, which wait out an outage instead of dying of it."""

import logging
import os
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from redis import Redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry

from escalq.config import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")
# A background process retries after 0.5 s, 1 s, 2 s ... and then every RECONNECT_MAX_S: it is back at
# work within seconds of Redis, however long the outage was.
RECONNECT_FIRST_S = 0.5
RECONNECT_MAX_S = 4.0


@lru_cache
def redis() -> Redis:
    """Short timeouts and one immediate retry (a connection Redis dropped since its last use): an outage
    costs a request a second or two, never hangs it, and never sleeps it through redis-py's backoff."""
    return Redis.from_url(
        get_settings().redis_url, socket_connect_timeout=1, socket_timeout=2, retry=Retry(NoBackoff(), 1)
    )


class Outage:
    """This process's view of Redis: one log line when it goes away and one when it is back, however
    many connections and attempts see it (every connection's copy of the retry shares this object)."""

    def __init__(self, process: str) -> None:
        self.process = process
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._since: float | None = None
        self._stopping = False

    def __deepcopy__(self, memo: dict[int, Any]) -> "Outage":
        return self  # redis-py deep-copies the retry of each connection; the outage stays one

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def down(self) -> bool:
        """Whether Redis is unreachable right now, as far as this process has seen."""
        return self._since is not None

    def stop(self) -> None:
        """The process is shutting down: stop waiting for Redis (its last writes raise Stopped), and
        raise Stopped now if Redis is away already."""
        self._stopping = True
        if self.down:
            raise Stopped(0)

    def began(self, error: Exception) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
        if self._reports():
            log.warning("%s: Redis unreachable (%s); waiting for it to come back", self.process, error)

    def ended(self) -> None:
        if self._since is None:
            return
        with self._lock:
            since, self._since = self._since, None
        if since is not None and self._reports():
            log.warning("%s: Redis is back after %.1f s; resuming", self.process, time.monotonic() - since)

    def _reports(self) -> bool:
        # RQ's scheduler runs in a process forked from the worker, with a copy of this object: the worker
        # already reports the outage it sees too.
        return os.getpid() == self._pid


class Stopped(SystemExit):
    """Raised by a patient connection once its process is stopping while Redis is away: a SystemExit, so
    RQ's loops (which retry connection errors forever) let it through, and nothing waits for Redis.
    Only in the main thread: RQ's pubsub thread keeps waiting, and ends with the process."""


class UntilBack(Retry):
    """Retry every Redis command until Redis answers again (or the process stops), telling `outage`."""

    def __init__(self, outage: Outage) -> None:
        super().__init__(ExponentialBackoff(cap=RECONNECT_MAX_S, base=RECONNECT_FIRST_S / 2), -1)
        self.outage = outage

    def call_with_retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        def attempt() -> T:
            try:
                result = do()
            except self._supported_errors as error:
                if self.outage.stopping and threading.current_thread() is threading.main_thread():
                    raise Stopped(0) from error
                if is_retryable is None or is_retryable(error):
                    self.outage.began(error)
                raise
            self.outage.ended()
            return result

        return super().call_with_retry(attempt, fail, is_retryable, with_failure_count)


def patient(outage: Outage) -> Redis:
    """A connection for a long-running background process: no read timeout (a worker blocks on Redis
    while it waits for jobs), and every command waits out an outage, so RQ never sees one."""
    return Redis.from_url(get_settings().redis_url, socket_connect_timeout=2, retry=UntilBack(outage))
