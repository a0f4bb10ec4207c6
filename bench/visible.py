"""POST -> row visible on open dashboards: 1, then 50 signed-in queue tabs on the production backend.

Escalations are POSTed through the API at a steady, modest rate; each one's latency runs from the POST's
answer to the arrival of the first state update that carries its row to a tab (one sample per POST per
tab; a row that arrives before the answer counts 0: the backend announces a change before it answers).
The escalations are urgent, so each lands on the first page of the default view (every open escalation,
urgent first, oldest first) whatever else is open: before each round the urgent ones left by earlier
rounds are expired in SQL, and the round posts fewer than a page.

The ceiling is what any update to an open tab costs on the same backend in the same run: one cheap event
(the help dialog toggled) until its delta is back, p95 over a few, on one tab with nothing else going on.
"""

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import update
from sqlmodel import Session, col

from bench.dashboards import Dashboard
from bench.load import paced
from escalq.models import OPEN_STATUSES, Escalation, Priority, Role, Status
from escalq.services import people, sessions

TABS = (1, 50)
POSTS = 40  # per round, under a page (50 rows), so every one is on the first page of every tab
RATE = 4.0  # POSTs a second: a busy fleet's pace, far below what creates sustain
ROUND_TRIPS = 20
SEEN_WITHIN_S = 30.0
PASSWORD = "bench-password-not-secret"


@dataclass(frozen=True)
class Visible:
    tabs: int
    p50_ms: float
    p95_ms: float
    samples: int
    expected: int
    errors: int


def sign_in(*, session: Session, count: int, now: datetime) -> list[str]:
    """`count` reviewers outside the assignment pool (every tenth a manager), each signed in once."""
    tokens = []
    for n in range(count):
        email = f"bench-viewer-{n}@bench.example"
        people.create_reviewer(
            session=session,
            email=email,
            display_name=f"Bench viewer {n}",
            password=PASSWORD,
            role=Role.manager if n % 10 == 0 else Role.reviewer,
            active=False,
            now=now,
        )
        tokens.append(sessions.login(session=session, email=email, password=PASSWORD, now=now).unwrap()[1])
    session.commit()
    return tokens


@contextmanager
def opened(*, base_url: str, cookies: list[str]) -> Iterator[list[Dashboard]]:
    """A tab per cookie, each showing the queue."""
    tabs = [Dashboard(url=base_url, cookie=cookie) for cookie in cookies]
    try:
        for tab in tabs:
            tab.open()
        yield tabs
    finally:
        for tab in tabs:
            tab.close()


def ceiling_ms(*, base_url: str, cookie: str) -> float:
    """p95 of one event's round trip on one open tab."""
    with opened(base_url=base_url, cookies=[cookie]) as (tab,):
        tab.round_trip_ms()  # the first pays for loading what later ones find ready
        times = sorted(tab.round_trip_ms() for _ in range(ROUND_TRIPS))
    return _quantile(times, 0.95)


def _expire_urgent(session: Session) -> None:
    session.execute(
        update(Escalation)
        .where(col(Escalation.priority) == Priority.urgent, col(Escalation.status).in_(OPEN_STATUSES))
        .values(status=Status.expired)
    )
    session.commit()


def measure(*, session: Session, base_url: str, agent_key: str, cookies: list[str], label: str) -> Visible:
    """Open a tab per cookie, POST `POSTS` escalations at `RATE`, and time each row into each tab."""
    _expire_urgent(session)
    described = {n: f"bench visible {label} {n} needs a human" for n in range(POSTS)}
    answered: dict[int, float] = {}
    lock = threading.Lock()

    def send(client: httpx.Client, n: int) -> int:
        response = client.post(
            f"{base_url}/api/escalations",
            headers={"Authorization": f"Bearer {agent_key}"},
            json={"issue_description": described[n], "priority": "urgent"},
        )
        at = time.monotonic()
        if response.status_code == 201:
            with lock:
                answered[n] = at
        return response.status_code

    with opened(base_url=base_url, cookies=cookies) as tabs:
        for tab in tabs:
            tab.expect(described.values())  # a row's description is in the update that brings it
        posted = paced(send=send, rate=RATE, seconds=POSTS / RATE, threads=4)
        deadline = time.monotonic() + SEEN_WITHIN_S
        while time.monotonic() < deadline and not all(
            described[n] in tab.seen for tab in tabs for n in answered
        ):
            time.sleep(0.2)
        latencies = sorted(
            max(0.0, tab.seen[described[n]] - at) * 1000
            for tab in tabs
            for n, at in answered.items()
            if described[n] in tab.seen
        )
    return Visible(
        tabs=len(cookies),
        p50_ms=statistics.median(latencies) if latencies else float("inf"),
        p95_ms=_quantile(latencies, 0.95) if latencies else float("inf"),
        samples=len(latencies),
        expected=POSTS * len(cookies),
        errors=posted.errors,
    )


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
