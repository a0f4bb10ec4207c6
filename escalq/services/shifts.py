"""Shift arithmetic on a rotation's wall clock; pure, no database.

Shift k starts at anchor_date + handover_time + k * shift_hours on the local wall clock of the rotation's
time zone. A 09:00 hand-over therefore stays at 09:00 across DST changes, and the shift spanning a change is
an hour shorter or longer in real time (we chose wall time because people hand over at a time of day, not
every 86,400 seconds). A boundary in a spring-forward gap is read with the offset before the change
(zoneinfo's fold=0), so it lands on the same instant as the next one and that shift, at most an hour long,
is skipped; a boundary in the repeated fall-back hour is its first occurrence. The cycle runs before the
anchor date too, so a rotation with members always has someone on shift.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from escalq.services.errors import Invalid


@dataclass(frozen=True)
class Shift:
    """Shift `index` (0 starts on the anchor date) covers [starts_at, ends_at), both in UTC."""

    index: int
    starts_at: datetime
    ends_at: datetime


@lru_cache(maxsize=1)
def time_zones() -> list[str]:
    """Every IANA zone name this machine knows, sorted; not "localtime", which is whatever the host says."""
    return sorted(available_timezones() - {"localtime"})


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; Invalid for anything else (paths, abbreviations, wrong case)."""
    if name not in time_zones():
        raise Invalid(f"{name!r} is not an IANA time zone, e.g. Europe/Berlin or UTC", field="timezone")
    return ZoneInfo(name)


def shift_at(*, zone_name: str, anchor: date, handover: time, hours: int, at: datetime) -> Shift:
    """The shift containing `at`: a boundary belongs to the shift it starts."""
    require_aware(at)
    local = ZoneInfo(zone_name)
    length = timedelta(hours=hours)
    origin = datetime.combine(anchor, handover)  # naive: local wall time

    def boundary(index: int) -> datetime:
        return (origin + index * length).replace(tzinfo=local).astimezone(UTC)

    # The wall-clock guess is off by one at most near a DST change; the real instants settle it.
    index = (at.astimezone(local).replace(tzinfo=None) - origin) // length
    while boundary(index) > at:
        index -= 1
    while boundary(index + 1) <= at:
        index += 1
    return Shift(index, boundary(index), boundary(index + 1))


def latest_handover_date(now: datetime, *, zone: ZoneInfo, handover: time) -> date:
    """The local day of the latest `handover` at or before `now`."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= handover else local.date() - timedelta(days=1)


def require_aware(at: datetime) -> None:
    if at.tzinfo is None:
        raise ValueError("on-call times must be timezone-aware")
