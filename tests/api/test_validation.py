"""Bad input gets 422 (or 413/404) as a problem document naming the field, and writes nothing."""

import uuid

import pytest
from sqlalchemy import func
from sqlmodel import select

from escalq.config import get_settings
from escalq.models import Escalation, EscalationEvent
from tests.factories import make_agent, make_escalation, make_reviewer

VALID = {"issue_description": "Refund above my limit", "priority": "high"}
URL = "/api/escalations"


def field_errors(response) -> list[dict]:
    """The `errors` of a 422 problem document."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    return body["errors"]


def assert_names_field(response, field: str) -> None:
    """A 422 whose `errors` has an entry for `field` (e.g. body.priority, query.status)."""
    fields = [error["field"] for error in field_errors(response)]
    assert any(name == field or name.startswith(f"{field}.") for name in fields), fields


def rows_written(session) -> tuple[int, int]:
    escalations = session.exec(select(func.count()).select_from(Escalation)).one()
    events = session.exec(select(func.count()).select_from(EscalationEvent)).one()
    return escalations, events


def without(key: str) -> dict:
    return {name: value for name, value in VALID.items() if name != key}


@pytest.fixture
def agent(session):
    # An active reviewer too, so a wrongly accepted body would also be assigned and audited.
    make_reviewer(session)
    return make_agent(session)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(without("issue_description"), "body.issue_description", id="description missing"),
        pytest.param({**VALID, "issue_description": ""}, "body.issue_description", id="description empty"),
        pytest.param(
            {**VALID, "issue_description": " \n\t "}, "body.issue_description", id="description whitespace"
        ),
        pytest.param({**VALID, "issue_description": 42}, "body.issue_description", id="description number"),
        pytest.param(
            {**VALID, "issue_description": ["a", "b"]}, "body.issue_description", id="description list"
        ),
        pytest.param({**VALID, "issue_description": None}, "body.issue_description", id="description null"),
        pytest.param({**VALID, "priority": "critical"}, "body.priority", id="priority unknown"),
        pytest.param({**VALID, "priority": "HIGH"}, "body.priority", id="priority wrong case"),
        pytest.param(without("priority"), "body.priority", id="priority missing"),
        pytest.param({**VALID, "context_data": [1, 2]}, "body.context_data", id="context list"),
        pytest.param({**VALID, "context_data": "{}"}, "body.context_data", id="context string"),
        pytest.param({**VALID, "context_data": 3}, "body.context_data", id="context number"),
        pytest.param({**VALID, "webhook_url": "ftp://example.com/hook"}, "body.webhook_url", id="url ftp"),
        pytest.param({**VALID, "webhook_url": "not-a-url"}, "body.webhook_url", id="url garbage"),
        pytest.param(
            {**VALID, "webhook_url": "https://example.com/" + "a" * 2_048},
            "body.webhook_url",
            id="url too long",
        ),
        pytest.param({**VALID, "webhook_url": 12}, "body.webhook_url", id="url number"),
        pytest.param({**VALID, "assignee": "me"}, "body.assignee", id="unknown field"),
        pytest.param({**VALID, "status": "resolved"}, "body.status", id="status is not settable"),
        pytest.param(
            {**VALID, "issue_description": "refund\x00now"}, "body.issue_description", id="description NUL"
        ),
        pytest.param({**VALID, "context_data": {"note": "a\x00b"}}, "body.context_data", id="context NUL"),
    ],
)
def test_bad_create_body_is_422_naming_the_field(client, session, agent, body, field):
    response = client.post(URL, headers=agent.headers, json=body)

    assert_names_field(response, field)
    assert rows_written(session) == (0, 0)


@pytest.mark.parametrize(
    "content",
    [b'{"issue_description": "x", "priority": ', b"not json", b"[]", b""],
    ids=["truncated", "garbage", "array", "empty"],
)
def test_malformed_json_body_is_422(client, session, agent, content):
    response = client.post(
        URL, headers={**agent.headers, "Content-Type": "application/json"}, content=content
    )

    assert_names_field(response, "body")
    assert rows_written(session) == (0, 0)


def test_body_just_under_the_limit_is_parsed(client, session, agent):
    # A body near, but under, max_body_bytes reaches validation (here: description too long), so the
    # answer names the field and counts characters, unlike the body-size middleware's answer.
    description = "x" * (get_settings().max_body_bytes - 100)

    response = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": description})

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert [error["field"] for error in body["errors"]] == ["body.issue_description"]
    assert f"issue_description is {len(description)} characters" in body["detail"]
    assert rows_written(session) == (0, 0)


def test_oversized_body_is_413_problem(client, session, agent):
    description = "x" * (get_settings().max_body_bytes + 1)

    response = client.post(URL, headers=agent.headers, json={**VALID, "issue_description": description})

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert "1048576" in response.json()["detail"]
    assert rows_written(session) == (0, 0)


def test_oversized_chunked_body_is_413(client, session, agent):
    # No Content-Length: the limit must be enforced while reading the stream.
    chunk = b" " * 65_536
    chunks = (chunk for _ in range(get_settings().max_body_bytes // len(chunk) + 2))

    response = client.post(URL, headers={**agent.headers, "Content-Type": "application/json"}, content=chunks)

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert rows_written(session) == (0, 0)


@pytest.mark.parametrize(
    "path",
    ["/api/escalations/not-a-uuid", "/api/escalations/1234/claim", "/api/escalations/abc/resolve"],
)
def test_malformed_uuid_in_path_is_422(client, session, path):
    reviewer = make_reviewer(session)
    method = "GET" if path.count("/") == 3 else "PATCH"

    response = client.request(method, path, headers=reviewer.headers, json={"resolution": "ok"})

    assert_names_field(response, "path.escalation_id")


@pytest.mark.parametrize("action", ["", "/claim", "/resolve"])
def test_unknown_uuid_is_404(client, session, action):
    reviewer = make_reviewer(session)
    method = "GET" if not action else "PATCH"

    response = client.request(
        method,
        f"/api/escalations/{uuid.uuid4()}{action}",
        headers=reviewer.headers,
        json={"resolution": "ok"},
    )

    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "body.resolution", id="missing"),
        pytest.param({"resolution": ""}, "body.resolution", id="empty"),
        pytest.param({"resolution": "   "}, "body.resolution", id="whitespace"),
        pytest.param({"resolution": "x" * 65}, "body.resolution", id="too long"),
        pytest.param(
            {"resolution": "ok", "resolution_notes": "x" * 20_001}, "body.resolution_notes", id="notes"
        ),
        pytest.param({"resolution": "ok", "verdict": "yes"}, "body.verdict", id="unknown field"),
    ],
)
def test_bad_resolve_body_is_422_and_changes_nothing(client, session, body, field):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    escalation = make_escalation(session, agent.agent)
    client.patch(f"/api/escalations/{escalation.id}/claim", headers=reviewer.headers)

    response = client.patch(f"/api/escalations/{escalation.id}/resolve", headers=reviewer.headers, json=body)

    assert_names_field(response, field)
    session.refresh(escalation)
    assert escalation.status == "claimed"
    assert escalation.resolved_at is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "open"}, "query.status", id="status"),
        pytest.param({"priority": "critical"}, "query.priority", id="priority"),
        pytest.param({"limit": 0}, "query.limit", id="limit 0"),
        pytest.param({"limit": 201}, "query.limit", id="limit 201"),
        pytest.param({"limit": "ten"}, "query.limit", id="limit text"),
        pytest.param({"created_after": "2026-11-01T00:00:00"}, "query.created_after", id="naive after"),
        pytest.param({"created_before": "2026-11-01T00:00:00"}, "query.created_before", id="naive before"),
        pytest.param({"created_after": "yesterday"}, "query.created_after", id="after garbage"),
        pytest.param({"assigned_to": "bob"}, "query.assigned_to", id="assigned_to"),
        pytest.param({"sort": "issue_description"}, "query.sort", id="sort"),
        pytest.param({"order": "up"}, "query.order", id="order"),
        pytest.param({"cursor": "garbage"}, "query.cursor", id="cursor garbage"),
        pytest.param({"cursor": "eyJub3QiOiJvdXJzIn0"}, "query.cursor", id="cursor foreign json"),
    ],
)
def test_bad_list_query_is_422_naming_the_parameter(client, session, params, field):
    reviewer = make_reviewer(session)

    response = client.get(URL, headers=reviewer.headers, params=params)

    assert_names_field(response, field)


def test_aware_created_after_is_accepted(client, session):
    reviewer = make_reviewer(session)

    for value in ("2026-11-01T00:00:00Z", "2026-11-01T02:00:00+02:00"):
        response = client.get(URL, headers=reviewer.headers, params={"created_after": value})
        assert response.status_code == 200, response.text
