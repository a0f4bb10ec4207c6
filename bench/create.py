"""Creates under load: `POST /api/escalations` by wrk against pgbench running the same SQL transaction."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from bench.load import Run, pgbench, wrk
from escalq.models import Escalation
from escalq.services import admin, people

AGENTS = 8
REVIEWERS = 4

# What one create writes, as plain SQL: the escalation, its two audit rows (created, assigned) and its
# categorize task, in one transaction (one statement: pgbench cannot carry the new id from one to the
# next). The ceiling no application code can beat on this server.
CREATE_SQL = """\\set n random(1, 2000000000)
BEGIN;
WITH escalation AS (
  INSERT INTO escalations (id, source_agent, issue_description, priority, context_data, status, assigned_to,
      created_at, assigned_at, expires_at, repeat_count, loop_suspected)
    VALUES (gen_random_uuid(), 'load-agent-0', 'pgbench case ' || :n || ' needs a human', 'medium',
      jsonb_build_object('n', :n), 'assigned', (SELECT id FROM reviewers WHERE active LIMIT 1), now(),
      now(), now() + interval '1 day', 0, false)
    RETURNING id),
  audit AS (
    INSERT INTO escalation_events (escalation_id, at, actor_kind, actor_name, action, from_status, to_status,
        details)
      SELECT id, now(), 'agent', 'load-agent-0', 'created', NULL, 'pending', '{}'::jsonb FROM escalation
      UNION ALL SELECT id, now(), 'system', 'escalq', 'assigned', 'pending', 'assigned', '{}' FROM escalation)
INSERT INTO tasks (id, kind, escalation_id, payload, status, attempts, next_attempt_at, created_at)
  SELECT gen_random_uuid(), 'categorize', id, '{}', 'pending', 0, now(), now() FROM escalation;
COMMIT;
"""


@dataclass(frozen=True)
class Fleet:
    keys: list[str]


def make_fleet(*, session: Session, now: datetime) -> Fleet:
    """8 agents with keys, 4 active reviewers. A load test is what the rate limits are there to stop, so
    these agents have the highest limits an admin may give (admin.set_agent_limits)."""
    keys = []
    for n in range(AGENTS):
        made = people.create_agent(session=session, name=f"load-agent-{n}", now=now)
        admin.set_agent_limits(
            session=session,
            agent_id=made.agent.id,
            per_minute=admin.MAX_PER_MINUTE,
            per_day=admin.MAX_PER_DAY,
            by=None,
            now=now,
        )
        keys.append(made.api_key)
    for n in range(REVIEWERS):
        people.create_reviewer(
            session=session,
            email=f"load-reviewer-{n}@bench.example",
            display_name=f"Load reviewer {n}",
            password="bench-password-not-secret",
            now=now,
        )
    session.commit()
    return Fleet(keys=keys)


def rows(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Escalation)).one())


def create_load(*, base_url: str, keys: list[str], connections: int, seconds: float) -> Run:
    return wrk(
        base_url=base_url,
        script="create.lua",
        connections=connections,
        seconds=seconds,
        env={"KEYS": ",".join(keys)},
    )


def ceiling(*, database_url: str, clients: int, seconds: float) -> float:
    return pgbench(database_url=database_url, sql=CREATE_SQL, clients=clients, seconds=seconds)
