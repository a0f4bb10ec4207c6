"""The `escalq` console script, run as a real process against the test database."""

import json
import os
import re
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import select

from escalq.cli.database import alembic_config
from escalq.clock import utc_now
from escalq.models import Agent, EscalationEvent, Reviewer, Role, SecurityEvent
from escalq.schemas.evaluation import EvaluateIn
from escalq.schemas.policy import PolicyDocument
from escalq.services import agent_secrets, evaluations, policies, sessions, vault
from escalq.services.outbound import configured
from escalq.services.secrets import key_prefix, verify_password
from tests.factories import PASSWORD, make_agent, make_escalation, make_reviewer

ESCALQ = Path(sys.executable).with_name("escalq")


@pytest.fixture
def escalq(database_url, tmp_path):
    """Run the console script with DATABASE_URL pointing at the test database."""

    def run(*args: str, stdin: str | None = None, **env_changes: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": database_url, **env_changes}
        return subprocess.run(
            [str(ESCALQ), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            input=stdin if stdin is not None else "",
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
    assert seeded["escalations"] > 300
    demo_agent = {"X-API-Key": seeded["api_key"]}
    own = client.get("/api/escalations", headers=demo_agent, params={"limit": 200}).json()["items"]
    assert own and {item["source_agent"] for item in own} == {seeded["agent"]}

    again = escalq("demo", "--json")

    assert_clean_error(again, "empty")
    assert again.stdout == ""
    assert client.get("/api/escalations", headers=demo_agent, params={"limit": 200}).json()["items"] == own


BAD_INPUTS = {
    "bad email": (["reviewer", "create", "not-an-email", "--name", "N", "--password", "long-pw-1"], "email"),
    "short password": (
        ["reviewer", "create", "b@example.com", "--name", "N", "--password", "short"],
        "password",
    ),
    "unknown reviewer": (["reviewer", "key", "nobody@example.com"], "nobody@example.com"),
    "duplicate agent": (["agent", "create", "support-bot", "--json"], "already exists"),
    "unknown agent": (["agent", "rotate-secret", "nobody"], "no agent named 'nobody'"),
    "overlap not finite": (
        ["agent", "rotate-secret", "support-bot", "--overlap-hours", "nan"],
        "0 to 720 hours",
    ),
    "overlap too long": (
        ["agent", "rotate-secret", "support-bot", "--overlap-hours", "721"],
        "0 to 720 hours",
    ),
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
    assert session.exec(select(SecurityEvent)).first() is None, "no secret was rotated"


def test_agent_rotate_secret_prints_the_new_secret_once_and_keeps_the_old_one_for_the_overlap(
    escalq, session
):
    made = make_agent(session, "support-bot")

    rotated = json_of(
        escalq("agent", "rotate-secret", "support-bot", "--json", ESCALQ_WEBHOOK_SECRET_OVERLAP_H="5")
    )
    again = escalq("agent", "rotate-secret", "support-bot", "--overlap-hours", "0")

    assert rotated["name"] == "support-bot" and rotated["id"] == str(made.agent.id)
    assert rotated["webhook_secret"].startswith("whsec_") and rotated["webhook_secret"] != made.webhook_secret
    until = datetime.fromisoformat(rotated["previous_valid_until"])
    assert timedelta(hours=4, minutes=59) < until - utc_now() <= timedelta(hours=5)
    assert again.returncode == 0, again.stderr
    assert "the old secret no longer signs" in again.stdout
    newest = again.stdout.split("new webhook secret (shown once): ")[1].split()[0]
    session.expire_all()
    agent = session.get(Agent, made.agent.id)
    assert agent_secrets.signing_secrets(agent=agent, now=utc_now()) == [newest]


def test_secrets_new_key_prints_a_usable_key(escalq):
    plain, as_json = escalq("secrets", "new-key"), json_of(escalq("secrets", "new-key", "--json"))

    assert plain.returncode == 0
    vault.parse_keys(plain.stdout.strip())
    vault.parse_keys(as_json["key"])
    assert plain.stdout.strip() != as_json["key"]


def test_secrets_rotate_key_moves_every_secret_to_the_first_key(escalq, session, use_secret_key):
    made = make_agent(session, "support-bot")  # encrypted with the test key
    old_key, new_key = os.environ["ESCALQ_SECRET_KEY"], vault.new_key()

    done = json_of(escalq("secrets", "rotate-key", "--json", ESCALQ_SECRET_KEY=f"{new_key},{old_key}"))

    assert done == {"reencrypted": 1}
    use_secret_key(new_key)
    session.expire_all()
    agent = session.get(Agent, made.agent.id)
    assert agent_secrets.signing_secrets(agent=agent, now=utc_now()) == [made.webhook_secret]


def test_rotate_key_without_the_old_key_is_a_clean_error(escalq, session):
    make_agent(session, "support-bot")

    result = escalq("secrets", "rotate-key", ESCALQ_SECRET_KEY=vault.new_key())

    assert_clean_error(result, "agent 'support-bot' cannot be decrypted with ESCALQ_SECRET_KEY")


@pytest.mark.parametrize("command", [["worker", "--burst"], ["scheduler"], ["agent", "create", "bot"]])
def test_without_a_key_commands_refuse_to_start_and_say_how_to_make_one(escalq, command):
    result = escalq(*command, ESCALQ_SECRET_KEY="")

    assert_clean_error(result, "ESCALQ_SECRET_KEY is not set", "`escalq secrets new-key` prints a new key")


def test_run_with_a_configured_database_and_no_key_refuses_before_starting_anything(escalq):
    result = escalq("run", ESCALQ_SECRET_KEY="")

    assert_clean_error(result, "ESCALQ_SECRET_KEY is not set, and DATABASE_URL is", "escalq secrets new-key")
    assert result.stdout == ""


def test_the_app_refuses_to_start_without_a_key(tmp_path):
    env = {**os.environ, "ESCALQ_SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import escalq.escalq"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.startswith("escalq: ESCALQ_SECRET_KEY is not set"), result.stderr
    assert "Traceback" not in result.stderr


NEW_PASSWORD = "plum-ferry-otter-lantern"


def test_disable_cuts_the_key_off_and_enable_lets_it_back(escalq, client, session):
    leaver = make_reviewer(session, "leaver@example.com")
    make_reviewer(session, "admin@example.com", role=Role.admin, active=False)
    agent = make_agent(session)
    escalation = client.post(
        "/api/escalations", headers=agent.headers, json={"issue_description": "Refund?", "priority": "low"}
    ).json()
    assert escalation["assigned_to"] == str(leaver.reviewer.id)

    disabled = json_of(escalq("reviewer", "disable", "Leaver@example.com", "--json"))

    assert disabled == {
        "id": str(leaver.reviewer.id),
        "email": "leaver@example.com",
        "disabled": True,
        "handed_back": [escalation["id"]],
    }
    assert client.get("/api/escalations", headers=leaver.headers).status_code == 401
    again = client.get(f"/api/escalations/{escalation['id']}", headers=agent.headers).json()
    assert (again["status"], again["assigned_to"]) == ("pending", None)  # nobody else is in the pool

    enabled = json_of(escalq("reviewer", "enable", "leaver@example.com", "--json"))

    assert enabled["disabled"] is False
    assert client.get("/api/escalations", headers=leaver.headers).status_code == 200


def test_keys_are_listed_and_revoked(escalq, client, session):
    rev = make_reviewer(session, "rev@example.com")

    listed = json_of(escalq("reviewer", "keys", "rev@example.com", "--json"))
    revoked = json_of(escalq("reviewer", "revoke-keys", "rev@example.com", "--json"))
    after = json_of(escalq("reviewer", "keys", "rev@example.com", "--json"))

    assert [key["prefix"] for key in listed["keys"]] == [key_prefix(rev.api_key)]
    assert listed["keys"][0]["revoked_at"] == ""
    assert revoked["revoked"] == 1
    assert after["keys"][0]["revoked_at"] != ""
    assert client.get("/api/escalations", headers=rev.headers).status_code == 401


def test_password_from_stdin_or_asked_twice_ends_the_sessions(escalq, session, now):
    rev = make_reviewer(session, "rev@example.com").reviewer
    sessions.login(session=session, email="rev@example.com", password=PASSWORD, now=now).unwrap()
    session.commit()

    weak = escalq("reviewer", "password", "rev@example.com", "--password-stdin", stdin="password1234\n")
    piped = json_of(
        escalq(
            "reviewer", "password", "rev@example.com", "--password-stdin", "--json", stdin=NEW_PASSWORD + "\n"
        )
    )
    asked = escalq("reviewer", "password", "rev@example.com", stdin=f"{PASSWORD}\n{PASSWORD}\n")

    assert_clean_error(weak, "too easy to guess")
    assert piped == {"id": str(rev.id), "email": "rev@example.com", "sessions_ended": 1}
    assert asked.returncode == 0, asked.stderr
    assert PASSWORD not in asked.stdout + asked.stderr
    session.refresh(rev)
    assert verify_password(PASSWORD, rev.password_hash)


def test_unlock_lifts_a_sign_in_lock(escalq, session):
    now = utc_now()  # the command reads the real clock
    make_reviewer(session, "rev@example.com")
    for _ in range(5):
        sessions.login(session=session, email="rev@example.com", password="not-the-password", now=now)
    session.commit()

    unlocked = json_of(escalq("reviewer", "unlock", "rev@example.com", "--json"))

    assert unlocked["was_locked"] is True
    assert (
        sessions.login(session=session, email="rev@example.com", password=PASSWORD, now=now).refusal is None
    )


def test_offboarding_refusals_are_clean_errors(escalq, session):
    make_reviewer(session, "admin@example.com", role=Role.admin)
    with ThreadPoolExecutor(max_workers=3) as pool:
        last_admin, unknown, plain = pool.map(
            lambda args: escalq(*args),
            [
                ("reviewer", "disable", "admin@example.com"),
                ("reviewer", "revoke-keys", "nobody@example.com"),
                ("reviewer", "password", "admin@example.com", "--password-stdin"),
            ],
        )

    assert_clean_error(last_admin, "last enabled admin")
    assert_clean_error(unknown, "nobody@example.com")
    assert_clean_error(plain, "at least 12 characters")


def test_agent_limits_are_shown_set_and_reset(escalq, session):
    made = make_agent(session, "support-bot")

    shown = json_of(escalq("agent", "limits", "support-bot", "--json"))
    changed = json_of(escalq("agent", "limits", "support-bot", "--per-minute", "1200", "--json"))
    both = escalq("agent", "limits", "support-bot", "--per-day", "9000")
    reset = json_of(escalq("agent", "limits", "support-bot", "--per-minute", "0", "--json"))

    assert shown == {
        "name": "support-bot",
        "per_minute": 600,
        "per_day": 50_000,
        "per_minute_is_default": True,
        "per_day_is_default": True,
    }
    assert (changed["per_minute"], changed["per_minute_is_default"], changed["per_day"]) == (
        1200,
        False,
        50_000,
    )
    assert both.returncode == 0, both.stderr
    assert "1,200 a minute, 9,000 a day" in both.stdout
    assert (reset["per_minute"], reset["per_minute_is_default"], reset["per_day"]) == (600, True, 9000)
    session.expire_all()
    agent = session.get(Agent, made.agent.id)
    assert (agent.rate_per_minute, agent.daily_budget) == (None, 9000)
    events = session.exec(select(SecurityEvent.action).where(SecurityEvent.subject == "support-bot")).all()
    assert events.count("agent.limits_changed") == 3
    assert_clean_error(
        escalq("agent", "limits", "support-bot", "--per-day", "20000000"), "per_day must be 1 to"
    )
    assert_clean_error(escalq("agent", "limits", "nobody", "--per-day", "5"), "no agent named")


def test_agent_schema_prints_applies_sets_and_clears(escalq, session, tmp_path):
    made = make_agent(session, "support-bot")
    (tmp_path / "schema.json").write_text('{"type": "object", "required": ["order"]}')

    printed = escalq("agent", "schema", "--recommended")
    none = escalq("agent", "schema", "support-bot")
    applied = json_of(escalq("agent", "schema", "support-bot", "--recommended", "--json"))
    from_file = json_of(escalq("agent", "schema", "support-bot", "--set", "schema.json", "--json"))
    from_stdin = escalq("agent", "schema", "support-bot", "--set", "-", stdin='{"type": "object"}')
    cleared = json_of(escalq("agent", "schema", "support-bot", "--clear", "--json"))

    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["required"] == ["recent_events", "model", "user", "pointers"]
    assert "has no context schema" in none.stdout
    assert applied["context_schema"] == json.loads(printed.stdout)
    assert from_file["context_schema"] == {"type": "object", "required": ["order"]}
    assert json.loads(from_stdin.stdout) == {"type": "object"}
    assert cleared == {"name": "support-bot", "context_schema": None}
    session.expire_all()
    assert session.get(Agent, made.agent.id).context_schema is None


def test_agent_schema_refusals_are_clean_errors(escalq, session):
    make_agent(session, "support-bot")

    assert_clean_error(
        escalq("agent", "schema", "support-bot", "--set", "-", stdin='{"type": "nope"}'),
        "the schema is not valid at /type",
    )
    assert_clean_error(escalq("agent", "schema", "support-bot", "--set", "-", stdin="{"), "not JSON")
    assert_clean_error(escalq("agent", "schema", "nobody", "--clear"), "no agent named")
    both = escalq("agent", "schema", "support-bot", "--clear", "--recommended")
    assert both.returncode == 2 and "give one of" in both.stderr
    assert escalq("agent", "schema").returncode == 2


def test_audit_seal_then_verify_and_a_broken_link_exits_1(escalq, session):
    agent = make_agent(session)
    escalation = make_escalation(session, agent.agent)

    sealed = json_of(escalq("audit", "seal", "--json"))
    intact = escalq("audit", "verify")
    session.execute(text("SET session_replication_role = replica"))
    session.execute(
        text("UPDATE escalation_events SET action = 'edited' WHERE escalation_id = :id AND seq = 1"),
        {"id": escalation.id},
    )
    session.execute(text("SET session_replication_role = DEFAULT"))
    session.commit()
    event_id = session.exec(
        select(EscalationEvent.id).where(
            EscalationEvent.escalation_id == escalation.id, EscalationEvent.seq == 1
        )
    ).one()
    broken = escalq("audit", "verify")
    as_json = escalq("audit", "verify", "--json")

    assert sealed == {"sealed": 1}  # created; nobody to assign it to
    assert intact.returncode == 0, intact.stderr
    assert "1 audit event(s), 1 sealed into the global chain, head " in intact.stdout
    assert "both chains are intact" in intact.stdout
    assert broken.returncode == 1
    assert (
        f"BROKEN escalation chain: escalation {escalation.id}, event {event_id}: its content" in broken.stdout
    )
    record = json.loads(as_json.stdout)
    assert (as_json.returncode, record["intact"], record["breaks"][0]["event_id"]) == (1, False, event_id)


def test_policy_activate_rolls_back_and_prints_the_diff(escalq, session, now):
    admin = make_reviewer(session, "ada@example.com", role=Role.admin).reviewer
    policies.current(session)
    document = PolicyDocument().model_dump(mode="json")
    document["loops"]["window_min"] = 30
    policies.propose(session=session, document=document, author=admin, comment="shorter", now=now)
    session.commit()
    env = {"PYTHONPATH": os.getcwd()}
    assert json_of(escalq("policy", "activate", "2", "--json", **env))["diff"] == [
        {"path": "loops.window_min", "before": 60.0, "after": 30.0}
    ]
    assert json_of(escalq("policy", "show", "--json", **env))["number"] == 2
    assert json_of(escalq("policy", "activate", "1", "--json", **env))["previous"] == 2
    listed = json_of(escalq("policy", "list", "--json", **env))["versions"]
    assert [(v["number"], v["active"]) for v in listed] == [(2, False), (1, True)]
    assert_clean_error(escalq("policy", "activate", "1", **env), "already active")


def test_policy_test_replays_recent_evaluations_and_signal_files(escalq, session, tmp_path):
    admin = make_reviewer(session, "ada@example.com", role=Role.admin).reviewer
    agent = make_agent(session).agent
    active = policies.current(session)
    for confidence in (0.6, 0.6, 0.3, 0.9):
        evaluations.evaluate(
            session=session,
            request=EvaluateIn(confidence=confidence),
            agent=agent,
            policy=active,
            outbound=configured(),
            now=utc_now() - timedelta(hours=1),
        )
    document = PolicyDocument().model_dump(mode="json")
    document["gate"]["rules"][1]["when"]["level"] = 0.7  # low-confidence, from 0.5
    policies.propose(session=session, document=document, author=admin, comment="stricter", now=utc_now())
    session.commit()
    signals = tmp_path / "signals.jsonl"
    signals.write_text('{"confidence": 0.65}\n{"confidence": 0.95}\n')
    env = {"PYTHONPATH": os.getcwd()}

    recent = json_of(escalq("policy", "test", "2", "--days", "1", "--json", **env))
    synthetic = json_of(escalq("policy", "test", "2", "--file", str(signals), "--json", **env))
    text = escalq("policy", "test", "2", **env)

    assert (recent["evaluated"], recent["changed"]) == (4, 2)
    low = next(rule for rule in recent["rules"] if rule["rule"] == "low-confidence")
    assert (low["before"], low["after"], low["to_escalate"]) == (1, 3, 2)
    assert (synthetic["evaluated"], synthetic["changed"], synthetic["against"]) == (
        2,
        1,
        "signals.jsonl, as v1 (active) decides",
    )
    assert text.returncode == 0, text.stderr
    assert "2 of 4 decision(s) would change" in text.stdout
    assert re.search(r"^low-confidence\s+1\s+3\s+2\s+0\s+0$", text.stdout, re.MULTILINE), text.stdout
    signals.write_text('{"confidence": "high"}\n')
    assert_clean_error(
        escalq("policy", "test", "2", "--file", str(signals), **env), "line 1 is not a signal set"
    )
    assert_clean_error(escalq("policy", "test", "9", **env), "no policy version 9")


def test_policy_propose_approve_and_activate_as_named_admins(escalq, session):
    make_reviewer(session, "ada@example.com", role=Role.admin)
    make_reviewer(session, "bob@example.com", role=Role.admin)
    document = PolicyDocument().model_dump(mode="json")
    document["timeouts"]["medium_action"] = "oncall"
    document["expiry"]["low_fallback"] = "deny"
    env = {"PYTHONPATH": os.getcwd(), "ESCALQ_POLICY_APPROVAL": "1"}

    proposed = escalq(
        "policy", "propose", "-", "--comment", "on-call for medium", "--as", "ada@example.com", "--json",
        stdin=json.dumps(document), **env,
    )  # fmt: skip
    text = escalq(
        "policy", "propose", "-", "--comment", "again", "--as", "ada@example.com", stdin="{}", **env
    )
    unapproved = escalq("policy", "activate", "2", "--as", "bob@example.com", **env)
    own = escalq("policy", "approve", "2", "--as", "ada@example.com", **env)
    approved = json_of(escalq("policy", "approve", "2", "--as", "bob@example.com", "--json", **env))
    activated = json_of(escalq("policy", "activate", "2", "--as", "bob@example.com", "--json", **env))

    assert json_of(proposed) == {
        "number": 2,
        "active": 1,
        "diff": [
            {"path": "timeouts.medium_action", "before": "managers", "after": "oncall"},
            {"path": "expiry.low_fallback", "before": None, "after": "deny"},
        ],
    }
    assert text.returncode == 0, text.stderr
    assert text.stdout == "policy v3 proposed (not active); against the active v1:\nno changes\n"
    assert_clean_error(unapproved, "policy v2 is not approved")
    assert_clean_error(own, "proposed by you")
    assert (approved["number"], approved["approved"], approved["author"]) == (2, True, "Ada")
    assert activated["previous"] == 1 and len(activated["diff"]) == 2
    events = session.exec(
        select(SecurityEvent.action, SecurityEvent.actor_name).where(SecurityEvent.subject == "policy v2")
    ).all()
    assert sorted(events) == [
        ("policy_activated", "Bob"),
        ("policy_approved", "Bob"),
        ("policy_proposed", "Ada"),
    ]


def test_policy_propose_names_every_bad_field_and_creates_nothing(escalq, session, tmp_path):
    make_reviewer(session, "ada@example.com", role=Role.admin)
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"loops": {"similarity": 150}, "timeouts": {"urgent_action": "page"}, "typo": 1})
    )
    env = {"PYTHONPATH": os.getcwd()}

    refused = escalq("policy", "propose", str(bad), "--comment", "x", "--as", "ada@example.com", **env)
    not_json = escalq("policy", "propose", "-", "--comment", "x", "--as", "ada@example.com", stdin="{", **env)

    assert_clean_error(refused, "timeouts.urgent_action", "loops.similarity", "typo")
    assert_clean_error(not_json, "is not JSON")
    listed = json_of(escalq("policy", "list", "--json", **env))["versions"]
    assert [v["number"] for v in listed] == [1]


def test_policy_as_must_name_an_admin(escalq, session):
    make_reviewer(session, "max@example.com", role=Role.manager)
    env = {"PYTHONPATH": os.getcwd()}

    manager = escalq("policy", "propose", "-", "--comment", "x", "--as", "max@example.com", stdin="{}", **env)
    nobody = escalq("policy", "activate", "1", "--as", "who@example.com", **env)

    assert_clean_error(manager, "--as max@example.com: Max is not an active admin")
    assert_clean_error(nobody, "no reviewer with email 'who@example.com'")
