"""When things happen in the demo's history: arrivals by hour and weekday, skewed (log-normal) waits."""

import math
import random
from datetime import datetime, timedelta

from escalq.models import Priority
from escalq.services.webhooks import AttemptResult

# Nobody is in the pool at night (UTC), as on a small team; the night in progress is staffed.
NIGHT_STARTS, MORNING = 22, 7
RUSH, RUSH_HOURS = 2.0, timedelta(hours=8)  # the last hours are busy, day or night: a queue to work
SETTLED = timedelta(seconds=30)  # the newest arrivals and decisions are at least this old
# Medians in minutes (claim after assignment, resolution after claim) and the log-normal spread.
CLAIM_MEDIAN = {Priority.urgent: 6, Priority.high: 25, Priority.medium: 150, Priority.low: 540}
RESOLVE_MEDIAN = {Priority.urgent: 20, Priority.high: 60, Priority.medium: 150, Priority.low: 300}
SPREAD = 0.9
FORGOTTEN = 0.06  # share of claims that wait far longer (a busy day, a colleague off sick)
FAILURES = (
    AttemptResult(http_status=503, excerpt="Service Unavailable", error=None, duration_ms=48),
    AttemptResult(http_status=None, excerpt=None, error="timed out after 10 s", duration_ms=10_004),
    AttemptResult(
        http_status=502, excerpt="<html><body>Bad Gateway</body></html>", error=None, duration_ms=31
    ),
)


def arrivals(rng: random.Random, *, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` instants in [start, end - SETTLED), busier on weekdays and in working hours, oldest first."""
    span = (end - SETTLED - start).total_seconds()
    found: list[datetime] = []
    while len(found) < count:
        at = start + timedelta(seconds=rng.uniform(0, span))
        weight = 1.0 if at > end - RUSH_HOURS else _busy(at) / RUSH
        if rng.random() < weight:
            found.append(at)
    return sorted(found)


def _busy(at: datetime) -> float:
    daytime = 1.0 if 8 <= at.hour < 19 else 0.55 if 7 <= at.hour < NIGHT_STARTS else 0.15
    return daytime * (0.45 if at.weekday() >= 5 else 1.0)


def pool_opens(at: datetime, *, now: datetime) -> datetime:
    """When someone is in the pool at or after `at`: `at` itself, or the morning after a past night."""
    if MORNING <= at.hour < NIGHT_STARTS:
        return at
    day = at if at.hour < MORNING else at + timedelta(days=1)
    morning = day.replace(hour=MORNING, minute=0, second=0, microsecond=0) + timedelta(seconds=30)
    return morning if morning <= now else at


def minutes(rng: random.Random, median: float, spread: float) -> timedelta:
    """A log-normal wait around `median` minutes."""
    return timedelta(minutes=rng.lognormvariate(math.log(median), spread))


def claim_delay(rng: random.Random, priority: Priority) -> timedelta:
    slow = 9 if rng.random() < FORGOTTEN else 1
    return minutes(rng, CLAIM_MEDIAN[priority] * slow, SPREAD)


def resolve_delay(rng: random.Random, priority: Priority) -> timedelta:
    return minutes(rng, RESOLVE_MEDIAN[priority], 0.7)


def delivered(rng: random.Random) -> AttemptResult:
    """A receiver's 200, in a skewed number of milliseconds."""
    return AttemptResult(
        http_status=200,
        excerpt='{"received":true}',
        error=None,
        duration_ms=round(rng.lognormvariate(math.log(120), 0.5)),
    )
