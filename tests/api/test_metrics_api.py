"""GET /api/metrics: the service's figures as JSON, for managers and admins only."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from escalq.clock import utc_now
from escalq.models import Escalation, Priority, Role, Status, Task, TaskKind, TaskStatus
from escalq.schemas.metrics import Metrics
from escalq.schemas.policy import PolicyDocument
from escalq.services import metrics, policies
from tests.factories import make_agent, make_reviewer

URL = "/api/metrics"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
DAY = {"range": "custom", "start": T0.isoformat(), "end": (T0 + timedelta(days=1)).isoformat()}
as_metrics = TypeAdapter(Metrics)


def add(session, agent: str, *, created: datetime, priority: Priority, status: Status, **after: timedelta):
    """An escalation with `assigned`, `claimed`, `resolved` given as delays after `created`."""
    escalation = Escalation(
        source_agent=agent,
        issue_description="hand-built",
        priority=priority,
        status=status,
        created_at=created,
        category="refund",
        **{f"{name}_at": created + delay for name, delay in after.items()},
    )
    session.add(escalation)
    session.flush()
    return escalation


@pytest.fixture
def keys(session) -> dict[str, dict[str, str]]:
    """Headers per kind of caller."""
    return {
        "manager": make_reviewer(session, "manager@example.com", role=Role.manager).headers,
        "admin": make_reviewer(session, "admin@example.com", role=Role.admin).headers,
        "reviewer": make_reviewer(session, "reviewer@example.com").headers,
        "agent": make_agent(session, "bot").headers,
    }


@pytest.fixture
def dataset(session, keys) -> None:
    """Three escalations of bot on T0's day (one still waiting), one the day before; idle has none."""
    make_agent(session, "idle")
    m = timedelta(minutes=1)
    resolved = add(
        session,
        "bot",
        created=T0 + 10 * m,
        priority=Priority.urgent,
        status=Status.resolved,
        assigned=m,
        claimed=2 * m,
        resolved=30 * m,
    )
    add(
        session,
        "bot",
        created=T0 + 70 * m,
        priority=Priority.high,
        status=Status.claimed,
        assigned=3 * m,
        claimed=5 * m,
    )
    add(session, "bot", created=T0 + 130 * m, priority=Priority.medium, status=Status.pending)
    add(session, "bot", created=T0 - m, priority=Priority.low, status=Status.resolved, assigned=m, resolved=m)
    for status in (TaskStatus.done, TaskStatus.failed):
        session.add(
            Task(
                kind=TaskKind.webhook,
                escalation_id=resolved.id,
                status=status,
                next_attempt_at=T0,
                created_at=T0,
            )
        )
    session.commit()  # fmt: skip


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_get_the_services_figures(client, session, keys, dataset, role):
    response = client.get(URL, params=DAY, headers=keys[role])
    assert response.status_code == 200, response.text
    now = utc_now()
    query = metrics.query_for(preset="custom", start=T0, end=T0 + timedelta(days=1), agent=None, now=now)
    expected = metrics.compute(
        session=session, query=query, sla=policies.thresholds(PolicyDocument()), now=now
    )
    assert as_metrics.validate_json(response.content) == expected


def test_durations_are_seconds_and_counts_are_plain_numbers(client, keys, dataset):
    body = client.get(URL, params={**DAY, "agent": "bot"}, headers=keys["manager"]).json()
    assert body["agent"] == "bot"
    assert body["bucket"] == "hour"
    # Assigned after 60 s and 180 s; the pending one never was.
    assert body["first_assignment"] == {"count": 2, "avg_s": 120.0, "median_s": 120.0, "p90_s": 168.0}
    assert body["resolution_by_priority"][0] == {"priority": "urgent", "count": 1, "avg_s": 1800.0}
    assert body["rate_per_agent"] == [{"agent": "bot", "count": 3, "per_bucket": 0.125}]
    assert body["top_reasons"] == [{"category": "refund", "count": 3}]
    assert body["webhooks"] == {
        "succeeded": 1,
        "failed": 1,
        "pending": 0,
        "success_rate": 0.5,
        "agents_not_told": 0,
    }
    # Nothing opened by the decision gate: no rule to judge, no sampled continue to overturn.
    assert body["precision_by_rule"] == []
    assert body["sampled_review"] == {"sampled": 0, "judged": 0, "overturned": 0, "unsure": 0, "share": None}
    # The medium one has waited since T0 + 130 min, far past its 24 h.
    assert {row["priority"]: row["breached"] for row in body["sla_breaches"]} == {
        "urgent": 0,
        "high": 0,
        "medium": 1,
    }


def test_presets_end_now_and_seven_days_is_the_default(client, session, keys):
    make_agent(session, "recent")
    now = utc_now()
    add(session, "recent", created=now - timedelta(hours=1), priority=Priority.low, status=Status.pending)
    add(session, "recent", created=now - timedelta(days=2), priority=Priority.low, status=Status.pending)
    session.commit()
    day = client.get(URL, params={"range": "24h", "agent": "recent"}, headers=keys["admin"]).json()
    assert datetime.fromisoformat(day["end"]) - datetime.fromisoformat(day["start"]) == timedelta(hours=24)
    assert day["rate_per_agent"] == [{"agent": "recent", "count": 1, "per_bucket": 1 / 24}]
    week = client.get(URL, params={"agent": "recent"}, headers=keys["admin"]).json()
    assert datetime.fromisoformat(week["end"]) - datetime.fromisoformat(week["start"]) == timedelta(days=7)
    assert (week["bucket"], week["rate_per_agent"]) == (
        "day",
        [{"agent": "recent", "count": 2, "per_bucket": 2 / 7}],
    )


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize("caller", ["reviewer", "agent"])
def test_reviewers_and_agents_are_403(client, keys, caller):
    assert_problem(client.get(URL, headers=keys[caller]), 403)


def test_no_key_is_401(client):
    response = client.get(URL)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def named_fields(response) -> list[str]:
    return [error["field"] for error in assert_problem(response, 422)["errors"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"range": "90d"}, "query.range", id="unknown range"),
        pytest.param({"range": "custom", "end": DAY["end"]}, "query.start", id="custom without start"),
        pytest.param({"range": "custom"}, "query.start", id="custom without either"),
        pytest.param({"range": "custom", "start": DAY["start"]}, "query.end", id="custom without end"),
        pytest.param({**DAY, "start": "2026-11-01T00:00:00"}, "query.start", id="start without time zone"),
        pytest.param({**DAY, "end": "yesterday"}, "query.end", id="end not a date"),
        pytest.param({**DAY, "end": DAY["start"]}, "query.end", id="empty range"),
        pytest.param({**DAY, "start": "2025-01-01T00:00:00Z"}, "query.start", id="over 366 days"),
    ],
)
def test_bad_ranges_are_422_naming_the_field(client, keys, params, field):
    assert field in named_fields(client.get(URL, params=params, headers=keys["manager"]))
