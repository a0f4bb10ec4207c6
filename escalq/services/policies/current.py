"""The active policy, as each process sees it: re-read from the database at most every few seconds, so a
newly activated version reaches every running process within that time, without a restart."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from escalq.clock import Clock, utc_now
from escalq.config import get_settings
from escalq.db import new_session
from escalq.services.policies.versions import Policy, active_row, as_policy, ensure_first


@dataclass
class _Held:
    policy: Policy
    read_at: datetime


class Cache:
    """One process's view of the active policy; tests make their own, with their own clock."""

    def __init__(self, *, ttl: timedelta | None = None, clock: Clock = utc_now) -> None:
        self._ttl, self._clock = ttl, clock
        self._held: _Held | None = None

    @property
    def ttl(self) -> timedelta:
        return self._ttl if self._ttl is not None else timedelta(seconds=get_settings().policy_cache_s)

    def get(self, session: Session) -> Policy:
        """The cached policy while it is fresh, else the active version read with `session`.

        When no version exists yet, version 1 is written from the environment in a transaction of its
        own (committed at once, so the caller's rollback cannot take it back).
        """
        now = self._clock()
        if self._held is not None and now - self._held.read_at < self.ttl:
            return self._held.policy
        row = active_row(session=session)
        if row is None:
            with new_session() as own:
                ensure_first(session=own, settings=get_settings(), now=now)
                own.commit()
            row = active_row(session=session)
            assert row is not None, "version 1 was just written"
        self._held = _Held(policy=as_policy(row), read_at=now)
        return self._held.policy

    def forget(self) -> None:
        """Read the database again next time (after this process activated a version, and between tests)."""
        self._held = None


PROCESS = Cache()


def current(session: Session, *, cache: Cache = PROCESS) -> Policy:
    """The active policy, at most `policy_cache_s` seconds old."""
    return cache.get(session)
