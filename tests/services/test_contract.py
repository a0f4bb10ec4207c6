"""The context contract: an agent's JSON Schema, checked when set and applied to every create."""

import pytest
from sqlmodel import select

from escalq.models import Escalation, SecurityEvent
from escalq.schemas.escalation import EscalationCreate
from escalq.services import contract, escalations
from escalq.services.errors import Invalid, SchemaErrors
from escalq.services.outbound import configured
from tests.factories import make_agent, make_escalation

ORDER_SCHEMA = {
    "type": "object",
    "required": ["order"],
    "properties": {
        "order": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "lines": {"type": "array", "items": {"type": "integer"}},
            },
        }
    },
}


def create(session, agent, context, now):
    data = EscalationCreate(issue_description="Refund?", priority="high", context_data=context)
    return escalations.create(session=session, data=data, agent=agent, outbound=configured(), now=now)


def test_a_conforming_context_is_accepted(session, now):
    agent = make_agent(session).agent
    contract.set_schema(session=session, agent_id=agent.id, schema=ORDER_SCHEMA, by=None, now=now)

    created = create(session, agent, {"order": {"id": "A-1", "lines": [1, 2]}}, now)

    assert created.escalation.context_data == {"order": {"id": "A-1", "lines": [1, 2]}}


def test_each_schema_error_names_its_place_and_nothing_is_created(session, now):
    agent = make_agent(session).agent
    contract.set_schema(session=session, agent_id=agent.id, schema=ORDER_SCHEMA, by=None, now=now)

    with pytest.raises(SchemaErrors) as refused:
        create(session, agent, {"order": {"lines": [1, "two"]}}, now)

    assert sorted((loc, kind) for loc, _, kind in refused.value.errors) == [
        (("context_data", "order"), "schema.required"),
        (("context_data", "order", "lines", 1), "schema.type"),
    ]
    assert any('"id" is a required property' in message for _, message, _ in refused.value.errors)
    assert session.exec(select(Escalation)).first() is None


def test_an_agent_without_a_schema_takes_any_object(session, now):
    agent = make_agent(session).agent

    assert make_escalation(session, agent, context={"anything": [1, {"goes": None}]}).context_data


def test_formats_are_checked(session, now):
    agent = make_agent(session).agent
    schema = {"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}}
    contract.set_schema(session=session, agent_id=agent.id, schema=schema, by=None, now=now)

    with pytest.raises(SchemaErrors) as refused:
        create(session, agent, {"at": "yesterday"}, now)

    assert [kind for _, _, kind in refused.value.errors] == ["schema.format"]


def test_a_huge_value_is_quoted_short(session, now):
    agent = make_agent(session).agent
    schema = {"type": "object", "properties": {"note": {"type": "integer"}}}
    contract.set_schema(session=session, agent_id=agent.id, schema=schema, by=None, now=now)

    with pytest.raises(SchemaErrors) as refused:
        create(session, agent, {"note": "x" * 10_000}, now)

    (_, message, _), *_ = refused.value.errors
    assert len(message) <= 300 and message.endswith("…")


@pytest.mark.parametrize(
    ("schema", "why"),
    [
        ({"type": "nope"}, "at /type"),
        ({"properties": {"a": {"pattern": "("}}}, "at /properties/a/pattern"),
        ({"required": "a"}, "at /required"),
        ({"$ref": "https://example.com/schema.json"}, "not present in a registry"),
        ([{"type": "object"}], "must be a JSON object"),
        ({"description": "x" * 70_000}, "at most 65,536"),
    ],
)
def test_an_invalid_schema_is_refused_with_the_reason(session, now, schema, why):
    agent = make_agent(session).agent

    with pytest.raises(Invalid, match="schema") as refused:
        contract.set_schema(session=session, agent_id=agent.id, schema=schema, by=None, now=now)

    assert why in refused.value.message
    session.refresh(agent)
    assert agent.context_schema is None


def test_a_remote_ref_is_never_fetched(session, now):
    """Compiled offline: a schema cannot make escalq call out (the refusal says retrieval is disabled)."""
    with pytest.raises(Invalid, match="Retrieval is disabled"):
        contract.check_schema({"$ref": "http://127.0.0.1:9/schema.json"})


def test_setting_and_clearing_is_audited(session, now):
    agent = make_agent(session).agent

    contract.set_schema(session=session, agent_id=agent.id, schema=ORDER_SCHEMA, by=None, now=now)
    contract.set_schema(session=session, agent_id=agent.id, schema=None, by=None, now=now)

    session.refresh(agent)
    assert agent.context_schema is None
    actions = session.exec(select(SecurityEvent.action).order_by(SecurityEvent.id)).all()  # type: ignore[arg-type]
    assert actions == ["agent.context_schema_set", "agent.context_schema_cleared"]
    assert make_escalation(session, agent, context={"free": True}).context_data == {"free": True}


def test_the_recommended_schema_is_valid_and_has_the_four_sections(session, now):
    schema = contract.recommended()

    assert contract.check_schema(schema) == schema
    assert schema["required"] == ["recent_events", "model", "user", "pointers"]


def test_a_context_following_the_recommendation_passes_and_one_missing_a_section_does_not(session, now):
    agent = make_agent(session).agent
    contract.set_schema(session=session, agent_id=agent.id, schema=contract.recommended(), by=None, now=now)
    good = {
        "recent_events": [{"at": "2026-11-22T08:59:00Z", "kind": "message", "summary": "asked for a refund"}],
        "model": {
            "name": "gpt-x",
            "inputs": {"order": "A-1"},
            "outputs": {"refund": 1200},
            "confidence": 0.4,
        },
        "user": {"id": "u-1", "segment": "pro"},
        "pointers": [{"label": "order", "url": "https://shop.example/orders/A-1"}],
    }

    assert create(session, agent, good, now).escalation.context_data == good
    with pytest.raises(SchemaErrors) as refused:
        create(session, agent, {k: v for k, v in good.items() if k != "model"}, now)
    assert [kind for _, _, kind in refused.value.errors] == ["schema.required"]


def test_parse_reads_json_and_blank_clears():
    assert contract.parse('{"type": "object"}') == {"type": "object"}
    assert contract.parse("  ") is None
    with pytest.raises(Invalid, match="not JSON"):
        contract.parse("{type: object}")
