"""The `escalq` console script, run as a real process against the test database."""

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import select

from escalq.cli.database import alembic_config
from escalq.models import Reviewer, Role
from escalq.services.secrets import verify_password
from tests.factories import make_agent, make_reviewer

ESCALQ = Path(sys.executable).with_name("escalq")


@pytest.fixture
def escalq(database_url, tmp_path):
    """Run the console script with DATABASE_URL pointing at the test database."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": database_url}
        return subprocess.run(
            [str(ESCALQ), *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    return run


def json_of(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit code 1, one `Error:` line naming the problem, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr


def test_agent_create_issues_a_working_key(escalq, client):
    created = json_of(escalq("agent", "create", "support-bot", "--json"))

    assert set(created) >= {"id", "api_key", "webhook_secret"}
    assert uuid.UUID(created["id"])
    assert created["webhook_secret"].startswith("whsec_")
    response = client.post(
        "/api/escalations",
        headers={"Authorization": f"Bearer {created['api_key']}"},
        json={"issue_description": "Refund?", "priority": "low"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["source_agent"] == "support-bot"


def test_reviewer_create_with_every_option(escalq, session):
    created = json_of(
        escalq(
            "reviewer",
            "create",
            "Max@Example.com",
            "--name",
            "Max Manager",
            "--password",
            "long-enough-pw",
            "--role",
            "manager",
            "--inactive",
            "--json",
        )
    )

    assert created["email"] == "max@example.com"
    assert created["role"] == "manager"
    assert created["active"] is False
    stored = session.exec(select(Reviewer).where(Reviewer.id == uuid.UUID(created["id"]))).one()
    assert (stored.display_name, stored.role, stored.active) == ("Max Manager", Role.manager, False)
    assert stored.password_hash != "long-enough-pw"
    assert verify_password("long-enough-pw", stored.password_hash)


def test_reviewer_key_works_against_the_api(escalq, client, session):
    make_reviewer(session, "riley@example.com")
    issued = json_of(escalq("reviewer", "key", "Riley@example.com", "--json"))
    agent = make_agent(session)
    escalation = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "Refund?", "priority": "low"}
    ).json()

    claimed = client.patch(
        f"/api/escalations/{escalation['id']}/claim", headers={"X-API-Key": issued["api_key"]}
    )

    assert issued["email"] == "riley@example.com"
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["assigned_to"] == issued["id"]


def test_db_upgrade_reports_the_head(escalq, database_url):
    result = json_of(escalq("db", "upgrade", "--json"))

    assert result == {
        "revision": ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    }


def test_demo_seeds_an_empty_database_once(escalq, client):
    seeded = json_of(escalq("demo", "--json"))

    assert len(seeded["reviewers"]) == 4
    assert seeded["escalations"] > 0
    demo_agent = {"X-API-Key": seeded["api_key"]}
    assert len(client.get("/api/escalations", headers=demo_agent).json()["items"]) == seeded["escalations"]

    again = escalq("demo", "--json")

    assert_clean_error(again, "empty")
    assert again.stdout == ""
    assert len(client.get("/api/escalations", headers=demo_agent).json()["items"]) == seeded["escalations"]


BAD_INPUTS = {
    "bad email": (["reviewer", "create", "not-an-email", "--name", "N", "--password", "long-pw-1"], "email"),
    "short password": (
        ["reviewer", "create", "b@example.com", "--name", "N", "--password", "short"],
        "password",
    ),
    "unknown reviewer": (["reviewer", "key", "nobody@example.com"], "nobody@example.com"),
    "duplicate agent": (["agent", "create", "support-bot", "--json"], "already exists"),
}


def test_bad_input_is_a_clean_error(escalq, session):
    make_agent(session, "support-bot")

    # Independent commands side by side: each process takes over a second to start.
    with ThreadPoolExecutor(max_workers=len(BAD_INPUTS)) as pool:
        results = dict(
            zip(BAD_INPUTS, pool.map(lambda case: escalq(*case[0]), BAD_INPUTS.values()), strict=True)
        )

    for name, (_, fragment) in BAD_INPUTS.items():
        assert_clean_error(results[name], fragment)
    assert session.exec(select(Reviewer)).first() is None
