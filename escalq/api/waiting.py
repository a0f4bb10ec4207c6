"""Long polls and event streams on one escalation, woken by the process's shared change feed."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

from escalq import feed
from escalq.models import Status
from escalq.schemas.escalation import EscalationDetail
from escalq.services.errors import Throttled

MAX_WAIT_S = 55  # under the 60 s at which many proxies and HTTP clients give up on a quiet request
FINAL = frozenset({Status.resolved, Status.expired})
Read = Callable[[], Awaitable[EscalationDetail]]
_open_waits: Counter[str] = Counter()  # per API key holder, in this process


class Admission:
    """One open wait of an API key holder; Throttled beyond `limit`, so one key cannot tie up a backend.

    `release` may be called more than once (a stream releases from its end and from its background task,
    whichever comes).
    """

    def __init__(self, holder: str, *, limit: int):
        if _open_waits[holder] >= limit:
            raise Throttled(
                f"{limit} requests of this key are already waiting here; close one or poll later",
                retry_after_s=1,
            )
        _open_waits[holder] += 1
        self._holder, self._held = holder, True

    def release(self) -> None:
        if self._held:
            self._held = False
            _open_waits[self._holder] -= 1
            if not _open_waits[self._holder]:
                del _open_waits[self._holder]

    def __enter__(self) -> "Admission":
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def preferred_wait(prefer: str | None) -> int | None:
    """The `wait` of a Prefer header (RFC 7240), capped at MAX_WAIT_S; None when absent, zero or unreadable.

    A preference is a hint, so a value out of range is honoured as far as we can rather than refused.
    """
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";")[0].partition("=")
        seconds = value.strip().strip('"')
        if name.strip().lower() == "wait" and seconds.isdigit() and int(seconds) > 0:
            return min(int(seconds), MAX_WAIT_S)
    return None


async def until_status_changes(read: Read, *, escalation_id: str, timeout_s: float) -> EscalationDetail:
    """The escalation once its status differs from what it is now, or as it is after `timeout_s`.

    A final status never changes, so it answers at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    async with feed.current().watching(escalation_id) as changed:
        latest = await read()  # read after registering: a change from here on wakes us
        start = latest.status
        while latest.status == start and start not in FINAL:
            try:
                await asyncio.wait_for(changed.wait(), deadline - loop.time())
            except TimeoutError:
                break
            changed.clear()
            latest = await read()
        return latest


def version(detail: EscalationDetail) -> str:
    """The SSE event id: its latest audit event, which every change records."""
    return str(detail.events[-1].id) if detail.events else "0"


async def status_events(
    read: Read, *, escalation_id: str, last_event_id: str | None, heartbeat_s: float
) -> AsyncIterator[str]:
    """Server-Sent Events: the escalation at every change it has not been sent at, heartbeat comments
    while nothing happens, and the end after a final status."""
    async with feed.current().watching(escalation_id) as changed:
        seen = last_event_id
        while True:
            changed.clear()
            latest = await read()
            if version(latest) != seen:
                seen = version(latest)
                yield f"event: status\nid: {seen}\ndata: {latest.model_dump_json()}\n\n"
            if latest.status in FINAL:
                return
            while not changed.is_set():
                try:
                    await asyncio.wait_for(changed.wait(), heartbeat_s)
                except TimeoutError:
                    yield ": heartbeat\n\n"
