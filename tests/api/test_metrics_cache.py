"""Preset ranges answer from figures a worker refreshes; custom ranges are always live."""

from datetime import timedelta

from escalq.clock import utc_now
from escalq.models import Role
from tests.factories import make_agent, make_escalation, make_reviewer
from workers.periodic import refresh_metrics


def _count(client, headers, **params):
    response = client.get("/api/metrics", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["first_assignment"]["count"], response.json()["end"]


def test_preset_figures_come_from_the_refresh_until_the_next_one(client, session):
    manager = make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session).agent
    make_escalation(session, agent)

    assert refresh_metrics() == ["24h", "7d", "30d"]
    first, as_of = _count(client, manager.headers, range="7d")
    make_escalation(session, agent)

    assert _count(client, manager.headers, range="7d") == (1, as_of)  # still the refreshed figures
    refresh_metrics()
    assert _count(client, manager.headers, range="7d")[0] == 2
    assert first == 1


def test_custom_ranges_are_computed_live(client, session):
    manager = make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session).agent
    make_escalation(session, agent)
    start, end = (utc_now() - timedelta(days=1)).isoformat(), (utc_now() + timedelta(hours=1)).isoformat()
    refresh_metrics()

    assert _count(client, manager.headers, range="custom", start=start, end=end)[0] == 1
    make_escalation(session, agent)
    assert _count(client, manager.headers, range="custom", start=start, end=end)[0] == 2


def test_an_agents_figures_are_computed_on_demand_and_kept(client, session):
    manager = make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session, "billing-bot").agent
    make_escalation(session, agent)

    assert _count(client, manager.headers, range="24h", agent="billing-bot")[0] == 1
    make_escalation(session, agent)
    assert _count(client, manager.headers, range="24h", agent="billing-bot")[0] == 1  # kept a minute
