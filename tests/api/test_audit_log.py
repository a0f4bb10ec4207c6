"""GET /api/audit: the audit log for managers and admins, filtered, by page, and exported."""

import csv
import io
import json
from datetime import timedelta

import pytest

from escalq.models import Role
from escalq.schemas.audit import CSV_COLUMNS
from escalq.schemas.policy import PolicyDocument
from escalq.services import escalations
from tests.factories import make_agent, make_escalation, make_reviewer, use_policy


@pytest.fixture
def log(session, now):
    """Two escalations a day apart, the second claimed and resolved by a reviewer an hour later."""
    agent = make_agent(session, "billing-bot")
    reviewer = make_reviewer(session, "riley@example.com")
    manager = make_reviewer(session, "max@example.com", role=Role.manager, active=False)
    admin = make_reviewer(session, "ada@example.com", role=Role.admin, active=False)
    first = make_escalation(session, agent.agent, now=now - timedelta(days=1))
    second = make_escalation(session, agent.agent, now=now)
    later = now + timedelta(hours=1)
    escalations.claim(session=session, escalation_id=second.id, by=reviewer.reviewer, now=later)
    escalations.resolve(
        session=session,
        escalation_id=second.id,
        by=reviewer.reviewer,
        resolution="approved",
        notes="",
        now=later,
    )
    session.commit()
    return {
        "agent": agent,
        "reviewer": reviewer,
        "manager": manager,
        "admin": admin,
        "first": first,
        "second": second,
    }


def read(client, log, who="manager", **params):
    response = client.get("/api/audit", headers=log[who].headers, params=params)
    assert response.status_code == 200, response.text
    return response


def test_reviewers_and_agents_are_refused(client, log):
    for who in ("reviewer", "agent"):
        for fmt in ("json", "jsonl", "csv"):
            response = client.get("/api/audit", headers=log[who].headers, params={"format": fmt})
            assert response.status_code == 403, (who, fmt)
            assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/audit").status_code == 401


def test_managers_and_admins_read_it_newest_first_with_the_chain(client, log):
    for who in ("manager", "admin"):
        items = read(client, log, who).json()["items"]
        assert [item["action"] for item in items] == [
            "resolved",
            "claimed",
            "assigned",
            "created",
            "assigned",
            "created",
        ]
        assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    newest = items[0]
    assert newest["escalation_id"] == str(log["second"].id)
    assert (newest["seq"], len(newest["hash"]), newest["global_seq"]) == (4, 64, None)


def test_filters(client, log, now):
    second, riley = str(log["second"].id), str(log["reviewer"].reviewer.id)

    def actions(**params):
        return [item["action"] for item in read(client, log, **params).json()["items"]]

    assert actions(escalation_id=str(log["first"].id)) == ["assigned", "created"]
    assert actions(actor_id=riley) == ["resolved", "claimed"]
    assert actions(actor="billing-bot") == ["created", "created"]
    assert actions(action=["claimed", "resolved"], escalation_id=second) == ["resolved", "claimed"]
    assert actions(since=(now + timedelta(minutes=30)).isoformat()) == ["resolved", "claimed"]
    assert actions(until=now.isoformat()) == ["assigned", "created"]
    assert actions(since=now.isoformat(), until=(now + timedelta(minutes=1)).isoformat()) == [
        "assigned",
        "created",
    ]
    assert actions(actor="nobody") == []


def test_pages_follow_each_other_without_overlap(client, log):
    seen, cursor = [], None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = read(client, log, **params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = [item["id"] for item in read(client, log).json()["items"]]

    assert seen == everything and len(seen) == 6


def test_jsonl_export_streams_every_match_oldest_first(client, log):
    response = read(client, log, format="jsonl", escalation_id=str(log["second"].id))

    assert response.headers["content-type"] == "application/x-ndjson"
    assert 'filename="escalq-audit.jsonl"' in response.headers["content-disposition"]
    events = [json.loads(line) for line in response.text.splitlines()]
    assert [event["action"] for event in events] == ["created", "assigned", "claimed", "resolved"]
    assert [event["seq"] for event in events] == [1, 2, 3, 4]
    assert [event["prev_hash"] for event in events[1:]] == [event["hash"] for event in events[:-1]]


def test_csv_export_has_a_header_and_a_row_per_event(client, log):
    response = read(client, log, format="csv", actor="Riley")

    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == CSV_COLUMNS
    assert [row["action"] for row in rows] == ["claimed", "resolved"]
    assert json.loads(rows[1]["details"])["resolution"] == "approved"
    assert rows[0]["global_seq"] == ""


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(client, log, session):
    agent = make_agent(session, "=HYPERLINK(1)")
    make_escalation(session, agent.agent)

    rows = list(csv.DictReader(io.StringIO(read(client, log, format="csv", actor="=HYPERLINK(1)").text)))

    assert [row["actor_name"] for row in rows] == ["'=HYPERLINK(1)"]


def test_an_export_with_nothing_to_show_is_the_header_alone(client, log):
    assert read(client, log, format="csv", actor="nobody").text.strip() == ",".join(CSV_COLUMNS)
    assert read(client, log, format="jsonl", actor="nobody").text == ""


def test_the_format_follows_the_accept_header(client, log):
    def asked(accept):
        return client.get("/api/audit", headers={**log["manager"].headers, "Accept": accept})

    assert asked("text/csv").headers["content-type"].startswith("text/csv")
    assert asked("application/jsonl;q=0.9, text/csv;q=0.5").headers["content-type"] == "application/x-ndjson"
    assert asked("application/json").json()["items"]
    assert asked("*/*").json()["items"]
    assert client.get(
        "/api/audit", headers={**log["manager"].headers, "Accept": "text/csv"}, params={"format": "json"}
    ).json()["items"]


def test_an_unknown_format_is_a_422(client, log):
    response = client.get("/api/audit", headers=log["manager"].headers, params={"format": "xml"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.format"


def test_filters_by_decision_gate_rule_and_policy_version(client, log, session):
    agent = log["agent"]
    gated = {"confidence": 0.1, "create": True, "issue_description": "Unsure about this refund"}
    by_rule = client.post("/api/evaluate", headers=agent.headers, json=gated).json()["escalation"]["id"]
    version = use_policy(session, PolicyDocument().model_dump(mode="json"))
    later = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "v2", "priority": "low"}
    )

    def escalations_of(**params) -> set[str]:
        return {item["escalation_id"] for item in read(client, log, **params).json()["items"]}

    assert escalations_of(rule="low-confidence") == {by_rule}
    assert escalations_of(rule="irreversible") == set()
    assert escalations_of(policy_version=version) == {later.json()["id"]}
    assert {item["policy_version"] for item in read(client, log, policy_version=1).json()["items"]} == {1}
    # The fixture's events came before any version existed: they have none.
    assert escalations_of(policy_version=1) == {by_rule}
    for params in ({"policy_version": 0}, {"policy_version": 2**31}, {"cursor": 2**63}):
        refused = client.get("/api/audit", headers=log["manager"].headers, params=params)
        assert [e["field"] for e in refused.json()["errors"]] == [f"query.{next(iter(params))}"]
