"""GET /api/oncall: any valid key; only reviewer keys see email addresses."""

from datetime import time, timedelta

import pytest

from escalq.clock import utc_now
from escalq.services import oncall
from tests.factories import make_agent, make_on_call_reviewer, make_reviewer

URL = "/api/oncall"


@pytest.fixture
def rotation(session):
    """Ann alone in the rotation, Cat covering her right now, Zoe flagged on call, Bob out of the pool."""
    ann = make_reviewer(session, "ann@example.com").reviewer
    make_reviewer(session, "bob@example.com", active=False)
    cat = make_reviewer(session, "cat@example.com").reviewer
    zoe = make_on_call_reviewer(session, "zoe@example.com").reviewer
    now = utc_now()
    oncall.set_rotation(
        session=session,
        name="primary",
        timezone="Europe/Berlin",
        handover_time=time(9),
        shift_hours=24,
        member_ids=[ann.id],
        now=now,
    )
    oncall.add_override(
        session=session,
        reviewer_id=cat.id,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        reason="swap",
        now=now,
    )
    session.commit()
    return {"ann": ann, "cat": cat, "zoe": zoe}


def test_a_reviewer_sees_who_is_on_call_with_emails(client, session, rotation):
    reviewer = make_reviewer(session, "dev@example.com")

    response = client.get(URL, headers=reviewer.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    cat, zoe, ann = rotation["cat"], rotation["zoe"], rotation["ann"]
    assert body["on_call"] == [
        {"id": str(cat.id), "display_name": cat.display_name, "email": "cat@example.com"},
        {"id": str(zoe.id), "display_name": zoe.display_name, "email": "zoe@example.com"},
    ]
    assert body["active_reviewers"] == 3  # ann, cat and dev; bob and zoe are out of the pool
    shown = body["rotation"]
    assert (shown["name"], shown["timezone"], shown["handover_time"], shown["shift_hours"]) == (
        "primary",
        "Europe/Berlin",
        "09:00:00",
        24,
    )
    assert shown["members"] == [
        {"id": str(ann.id), "display_name": ann.display_name, "email": "ann@example.com"}
    ]
    assert shown["on_shift"]["id"] == str(ann.id)
    assert shown["shift_started_at"] < shown["next_handover_at"]
    [override] = shown["overrides"]
    assert (override["reviewer"]["email"], override["reason"]) == ("cat@example.com", "swap")


def test_an_agent_sees_who_is_on_call_without_emails(client, session, rotation):
    agent = make_agent(session)

    response = client.get(URL, headers=agent.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [person["display_name"] for person in body["on_call"]] == ["Cat", "Zoe"]
    assert all(set(person) == {"id", "display_name"} for person in body["on_call"])
    assert "@" not in response.text
    assert body["rotation"]["members"] == [{"id": str(rotation["ann"].id), "display_name": "Ann"}]


def test_without_a_rotation_the_flagged_reviewers_are_on_call(client, session):
    zoe = make_on_call_reviewer(session, "zoe@example.com")

    response = client.get(URL, headers=zoe.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "on_call": [{"id": str(zoe.reviewer.id), "display_name": "Zoe", "email": "zoe@example.com"}],
        "rotation": None,
        "active_reviewers": 0,
    }


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer esk_not-a-real-key"}])
def test_without_a_valid_key_it_is_401(client, headers):
    response = client.get(URL, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
