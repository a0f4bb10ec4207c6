"""The OpenAPI document lists the webhooks escalq sends, and the bodies sent match what it says."""

import pytest
from pydantic import BaseModel

from escalq.clock import utc_now
from escalq.schemas.webhooks import ExpiredEvent, InfoRequestedEvent, ResolvedEvent
from escalq.services import expiry, handback, projections
from tests.factories import make_agent, make_escalation, make_resolved_escalation, make_reviewer


def test_openapi_lists_the_outgoing_webhooks(client):
    document = client.get("/api/openapi.json").json()

    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == {
        "escalation.resolved",
        "escalation.expired",
        "escalation.info_requested",
    }
    resolved = document["webhooks"]["escalation.resolved"]["post"]
    headers = {parameter["name"] for parameter in resolved["parameters"] if parameter["in"] == "header"}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert "Standard Webhooks" in resolved["description"]


def check(model: type[BaseModel], body: dict) -> None:
    model.model_validate(body)  # extra="forbid": a field added to the body must be documented


def test_the_bodies_sent_are_the_documented_ones(session):
    agent = make_agent(session)
    admin = make_reviewer(session, "admin@example.com", role="admin")
    resolved = make_resolved_escalation(session, agent.agent, admin.reviewer)
    check(ResolvedEvent, projections.resolved_event(escalation=resolved, resolver=admin.reviewer))

    asked = make_escalation(session, agent.agent)
    handback.request_info(
        session=session, escalation_id=asked.id, by=admin.reviewer, question="Which order?", now=utc_now()
    )
    check(
        InfoRequestedEvent,
        projections.info_requested_event(escalation=asked, reviewer=admin.reviewer, now=utc_now()),
    )

    late = make_escalation(session, agent.agent, now=utc_now().replace(year=2020))
    expiry.expire_due(session=session, fallbacks={}, now=utc_now())
    session.refresh(late)
    if late.expired_at is None:
        pytest.fail("the old escalation did not expire")
    check(ExpiredEvent, projections.expired_event(escalation=late))
