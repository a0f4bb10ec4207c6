from tests.factories import make_agent, make_reviewer


def test_create_claim_resolve_round_trip(client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    created = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "Refund?", "priority": "high"}
    )
    assert created.status_code == 201, created.text
    escalation = created.json()
    assert escalation["status"] == "assigned"
    assert escalation["assigned_to"] == str(reviewer.reviewer.id)
    claimed = client.patch(f"/api/escalations/{escalation['id']}/claim", headers=reviewer.headers)
    assert claimed.json()["status"] == "claimed"
    resolved = client.patch(
        f"/api/escalations/{escalation['id']}/resolve",
        headers=reviewer.headers,
        json={"resolution": "approved", "resolution_notes": "fine"},
    )
    assert resolved.json()["status"] == "resolved"
