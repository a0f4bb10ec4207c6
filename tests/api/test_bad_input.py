"""Input PostgreSQL or JSON cannot hold answers 422 naming the field, on every route, and writes nothing."""

import json

import pytest

from escalq.config import get_settings
from escalq.models import Role
from tests.api.test_validation import assert_names_field, field_errors, rows_written
from tests.factories import make_agent, make_escalation, make_reviewer

URL = "/api/escalations"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def world(session):
    """An agent with an open escalation, a reviewer holding nothing and a manager."""
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False)
    escalation = make_escalation(session, agent.agent)
    return agent, reviewer, manager, escalation


def nested(depth: int) -> str:
    """`depth` levels of arrays as JSON text."""
    return "[" * depth + "]" * depth


# context_data as raw JSON text (Python's json would not write most of these), and the field at fault.
BAD_CONTEXT = [
    pytest.param('{"a": NaN}', "body.context_data.a", id="NaN"),
    pytest.param('{"a": Infinity}', "body.context_data.a", id="Infinity"),
    pytest.param('{"a": [1, -Infinity]}', "body.context_data.a.1", id="-Infinity"),
    pytest.param('{"a": 1e999}', "body.context_data.a", id="1e999"),
    pytest.param('{"a": -1e999}', "body.context_data.a", id="-1e999"),
    pytest.param('{"a": "\\udfff"}', "body.context_data.a", id="lone low surrogate"),
    pytest.param('{"a": {"b": "x\\ud800"}}', "body.context_data.a.b", id="lone high surrogate"),
    pytest.param('{"\\udfff": 1}', "body.context_data.\\udfff", id="surrogate key"),
    pytest.param('{"a\\u0000": 1}', "body.context_data.a\\u0000", id="NUL key"),
    pytest.param('{"a": ["\\u0000"]}', "body.context_data.a.0", id="NUL value"),
    pytest.param('{"a": ' + "1" * 5000 + "}", "body", id="5000-digit integer"),
    pytest.param('{"a": ' + nested(31) + "}", "body.context_data.a" + ".0" * 30, id="33 levels"),
    pytest.param('{"a": ' + nested(256) + "}", "body.context_data.a" + ".0" * 30, id="258 levels"),
    pytest.param('{"a": ' + nested(100_000) + "}", "body.context_data.a" + ".0" * 30, id="100k levels"),
]


@pytest.mark.parametrize(("context", "field"), BAD_CONTEXT)
def test_bad_context_on_create_is_422(client, session, world, context, field):
    agent, *_ = world
    before = rows_written(session)
    body = '{"issue_description": "Refund", "priority": "high", "context_data": ' + context + "}"

    response = client.post(URL, headers={**agent.headers, **JSON}, content=body)

    assert [error["field"] for error in field_errors(response)] == [field]
    assert rows_written(session) == before


@pytest.mark.parametrize(("context", "field"), BAD_CONTEXT)
def test_bad_context_added_later_is_422(client, session, world, context, field):
    agent, _, _, escalation = world

    response = client.post(
        f"{URL}/{escalation.id}/context",
        headers={**agent.headers, **JSON},
        content='{"context_data": ' + context + "}",
    )

    assert [error["field"] for error in field_errors(response)] == [field]
    session.refresh(escalation)
    assert escalation.context_data == {}


def test_nesting_at_the_limit_is_accepted(client, session, world):
    agent, *_ = world
    # The body is level 1, context_data 2, so its value may nest max_json_depth - 2 more levels.
    value = nested(get_settings().max_json_depth - 2)
    body = '{"issue_description": "Refund", "priority": "high", "context_data": {"a": ' + value + "}}"

    response = client.post(URL, headers={**agent.headers, **JSON}, content=body)

    assert response.status_code == 201, response.text
    assert response.json()["context_data"] == {"a": json.loads(value)}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issue_description", "refund\x00now"),
        ("fallback", "re\x00ject"),
        ("dedupe_key", "order-1\x00"),
        ("webhook_url", "https://hooks.example.com/\x00"),
        ("webhook_url", "https://hooks\x00.example.com/"),
        ("source_agent", "agent-a\x00"),
        ("expires_at", "2030-01-01T00:00:00Z\x00"),
    ],
)
def test_nul_in_any_create_field_is_422(client, session, world, field, value):
    agent, *_ = world
    before = rows_written(session)

    response = client.post(
        URL, headers=agent.headers, json={"issue_description": "Refund", "priority": "high", field: value}
    )

    assert [error["field"] for error in field_errors(response)] == [f"body.{field}"]
    assert rows_written(session) == before


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "field"),
    [
        ("reviewer", "PATCH", "resolve", {"resolution": "ok\x00"}, "body.resolution"),
        (
            "reviewer",
            "PATCH",
            "resolve",
            {"resolution": "ok", "resolution_notes": "\x00"},
            "body.resolution_notes",
        ),
        ("reviewer", "PATCH", "request-info", {"question": "why\x00?"}, "body.question"),
        ("agent", "POST", "context", {"context_data": {}, "note": "n\x00"}, "body.note"),
    ],
)
def test_nul_in_other_bodies_is_422(client, world, who, method, path, body, field):
    agent, reviewer, _, escalation = world
    headers = agent.headers if who == "agent" else reviewer.headers

    response = client.request(method, f"{URL}/{escalation.id}/{path}", headers=headers, json=body)

    assert [error["field"] for error in field_errors(response)] == [field]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (URL, {"source_agent": "agent-a\x00"}, "query.source_agent"),
        (URL, {"status": "pending\x00"}, "query.status"),
        (URL, {"cursor": "\x00"}, "query.cursor"),
        (URL, {"not_a_parameter": "\x00"}, "query.not_a_parameter"),
        ("/api/metrics", {"agent": "agent-a\x00"}, "query.agent"),
        ("/api/metrics", {"range": "custom", "start": "2026-11-01T00:00:00Z\x00"}, "query.start"),
        ("/api/oncall", {"x\x00": "1"}, "query.x\\u0000"),
    ],
)
def test_nul_in_any_query_parameter_is_422(client, world, path, params, field):
    _, _, manager, _ = world

    response = client.get(path, headers=manager.headers, params=params)

    assert [error["field"] for error in field_errors(response)] == [field]


def test_nul_in_the_path_is_422(client, world):
    _, _, manager, _ = world

    response = client.get(f"{URL}/%00", headers=manager.headers)

    assert [error["field"] for error in field_errors(response)] == ["path"]


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(
            "eyJzb3J0IjoiY3JlYXRlZF9hdCIsIm9yZGVyIjoiZGVzYyIsImFmdGVyIjpbSW5maW5pdHksIngiXX0", id="Infinity"
        ),
        pytest.param("3.0.1764656624614025.42", id="number as the id"),
        pytest.param("3.0." + "9" * 40 + ".00000000000000000000000000000000", id="huge int"),
        pytest.param(nested(3000), id="deep nesting"),
        pytest.param("!!!!not base64", id="garbage"),
    ],
)
def test_tampered_cursor_is_invalid_cursor(client, world, cursor):
    _, reviewer, _, _ = world

    response = client.get(URL, headers=reviewer.headers, params={"cursor": cursor})

    assert [error["field"] for error in field_errors(response)] == ["query.cursor"]
    assert response.json()["detail"].startswith("invalid cursor")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        pytest.param(b'{"issue_description": "\xff", "priority": "high"}', "body", id="not UTF-8"),
        pytest.param('{"issue_description": "x", "priority": "high"}'.encode("utf-16"), "body", id="UTF-16"),
        pytest.param(
            b'{"issue_description": "\xed\xbf\xbf", "priority": "high"}', "body", id="encoded surrogate"
        ),
    ],
)
def test_body_that_is_not_utf8_json_is_422(client, session, world, content, field):
    agent, *_ = world
    before = rows_written(session)

    response = client.post(URL, headers={**agent.headers, **JSON}, content=content)

    assert [error["field"] for error in field_errors(response)] == [field]
    assert rows_written(session) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"created_after": "9999-12-31T23:00:00-05:00"}, "query.created_after"),
        ({"created_before": "0001-01-01T00:00:00+01:00"}, "query.created_before"),
        ({"created_before": "0.5"}, "query.created_before"),
        ({"created_after": "2026-11-01 00:00:00Z"}, "query.created_after"),
    ],
)
def test_times_outside_utc_or_rfc3339_are_422(client, world, params, field):
    _, reviewer, _, _ = world

    response = client.get(URL, headers=reviewer.headers, params=params)

    assert_names_field(response, field)


def test_expiry_past_year_9999_in_utc_is_422(client, session, world):
    agent, *_ = world
    before = rows_written(session)
    body = {"issue_description": "Refund", "priority": "high", "expires_at": "9999-12-31T23:00:00-05:00"}

    response = client.post(URL, headers=agent.headers, json=body)

    assert_names_field(response, "body.expires_at")
    assert rows_written(session) == before
