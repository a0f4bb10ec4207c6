"""A synthetic month of escalations, written by PostgreSQL itself (INSERT ... SELECT generate_series).

People go through the services (so keys and hashes are real); the bulk rows are one INSERT each, with
`setseed` first so every run loads the same mix. The mix, per escalation:

- created evenly over the 30 days before `now`, in insertion order as in production (so the table is
  physically ordered by created_at, which the planner counts on); by one of 20 agents, skewed;
- priority low 30%, medium 40%, high 22%, urgent 8%; a category from 15 (skewed), none for 10%;
- open when recent: 70% in the last 4 hours, 15% up to 2 days, 1% older (pending 20%, assigned 40%,
  claimed 30%, needs_info 10%); of the rest 2% expired (8 hours after creation, never claimed), the
  others resolved;
- assigned seconds to minutes after creation (pending ones never), claimed minutes to hours later,
  resolved minutes to a day after that; 5% of resolutions had no claim (a supervisor resolved directly);
- half of the agents have a webhook URL; their resolved escalations have a webhook task, 93% done,
  4% failed, 3% pending or running; every escalation has its (done) categorize task, as in production.

The audit log (escalation_events) stays empty: no figure and no queue query reads it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text
from sqlmodel import Session

from escalq.models import Agent, Reviewer, Role
from escalq.services import people

AGENTS = 20
REVIEWERS = 12
CATEGORIES = [
    "refund over limit",
    "identity check",
    "policy exception",
    "legal question",
    "fraud suspicion",
    "account closure",
    "data deletion",
    "pricing override",
    "complaint",
    "medical advice",
    "contract change",
    "shipping damage",
    "chargeback",
    "accessibility",
    "other",
]
PASSWORD = "bench-password-not-secret"


@dataclass(frozen=True)
class People:
    agents: list[Agent]
    manager: Reviewer
    manager_key: str


def make_people(*, session: Session, now: datetime) -> People:
    """20 agents, 11 reviewers and one manager (with an API key for the HTTP cases)."""
    agents = [
        people.create_agent(session=session, name=f"agent-{n:02d}", now=now).agent for n in range(AGENTS)
    ]
    for n in range(REVIEWERS - 1):
        people.create_reviewer(
            session=session,
            email=f"reviewer-{n:02d}@bench.example",
            display_name=f"Reviewer {n:02d}",
            password=PASSWORD,
            now=now,
        )
    people.create_reviewer(
        session=session,
        email="manager@bench.example",
        display_name="Manager",
        password=PASSWORD,
        role=Role.manager,
        now=now,
    )
    manager, key = people.issue_reviewer_key(session=session, email="manager@bench.example", now=now)
    session.commit()
    return People(agents=agents, manager=manager, manager_key=key)


ESCALATIONS = """
WITH agents AS (SELECT array_agg(name ORDER BY name) AS names FROM agents),
     reviewers AS (SELECT array_agg(id ORDER BY email) AS ids FROM reviewers),
     base AS (
        SELECT i,
               :now - interval '30 days' * ((:count - i + random()) / :count) AS created,
               random() AS r_agent, random() AS r_priority, random() AS r_open, random() AS r_status,
               random() AS r_category, random() AS r_reviewer, random() AS r_assign, random() AS r_claim,
               random() AS r_resolve, random() AS r_unclaimed
        FROM generate_series(1, :count) AS i
     ),
     shaped AS (
        SELECT base.*,
               CASE WHEN r_priority < 0.08 THEN 'urgent' WHEN r_priority < 0.30 THEN 'high'
                    WHEN r_priority < 0.70 THEN 'medium' ELSE 'low' END AS priority,
               CASE WHEN r_open < CASE WHEN :now - created < interval '4 hours' THEN 0.70
                                       WHEN :now - created < interval '2 days' THEN 0.15 ELSE 0.01 END
                    THEN CASE WHEN r_status < 0.2 THEN 'pending' WHEN r_status < 0.6 THEN 'assigned'
                              WHEN r_status < 0.9 THEN 'claimed' ELSE 'needs_info' END
                    WHEN r_status < 0.02 THEN 'expired'
                    ELSE 'resolved'
               END AS status,
               1 + floor(power(r_agent, 2) * :agents)::int AS agent_no,
               1 + floor(power((r_category - 0.1) / 0.9, 1.5) * :category_count)::int AS category_no,
               created + make_interval(secs => 2 + 900 * power(r_assign, 3)) AS assigned,
               make_interval(secs => 60 + 7200 * power(r_claim, 2)) AS to_claim,
               make_interval(secs => 300 + 86400 * power(r_resolve, 3)) AS to_resolve
        FROM base
     )
INSERT INTO escalations (
    id, source_agent, issue_description, priority, status, assigned_to, created_at, assigned_at, claimed_at,
    resolved_at, resolved_by, resolution, webhook_url, category, category_source, bumped_at, expires_at,
    expired_at, info_requested_by, info_question
)
SELECT gen_random_uuid(),
       agents.names[agent_no],
       'Synthetic escalation #' || i || ': the customer asks for something the agent may not grant alone.',
       priority,
       status,
       CASE WHEN status <> 'pending' THEN reviewers.ids[1 + floor(r_reviewer * :reviewers)::int] END,
       created,
       CASE WHEN status <> 'pending' THEN least(assigned, :now) END,
       CASE WHEN status IN ('claimed', 'needs_info') OR (status = 'resolved' AND r_unclaimed >= 0.05)
            THEN least(assigned + to_claim, :now) END,
       CASE WHEN status = 'resolved' THEN least(assigned + to_claim + to_resolve, :now) END,
       CASE WHEN status = 'resolved' THEN reviewers.ids[1 + floor(r_reviewer * :reviewers)::int] END,
       CASE WHEN status = 'resolved' THEN 'approved' END,
       CASE WHEN agent_no % 2 = 1 THEN 'https://hooks.bench.example/' || agents.names[agent_no] END,
       CASE WHEN r_category >= 0.1 THEN (CAST(:categories AS text[]))[category_no] END,
       CASE WHEN r_category >= 0.1 THEN 'local' END,
       CASE WHEN priority = 'high' AND status IN ('pending', 'assigned')
                 AND :now - created > interval '4 hours' THEN created + interval '4 hours' END,
       CASE WHEN status = 'expired' THEN least(created + interval '8 hours', :now) END,
       CASE WHEN status = 'expired' THEN least(created + interval '8 hours', :now) END,
       CASE WHEN status = 'needs_info' THEN reviewers.ids[1 + floor(r_reviewer * :reviewers)::int] END,
       CASE WHEN status = 'needs_info' THEN 'Which order number is this about?' END
FROM shaped, agents, reviewers
"""

TASKS = """
INSERT INTO tasks (id, kind, escalation_id, status, attempts, next_attempt_at, created_at, finished_at)
SELECT gen_random_uuid(), kind, id, status, CASE WHEN status = 'failed' THEN 8 ELSE 1 END, at, at,
       CASE WHEN status IN ('done', 'failed') THEN at END
FROM (
    SELECT 'webhook' AS kind, id, resolved_at AS at,
           CASE WHEN r < 0.93 THEN 'done' WHEN r < 0.97 THEN 'failed' WHEN r < 0.99 THEN 'pending'
                ELSE 'running' END AS status
    FROM (SELECT id, resolved_at, random() AS r FROM escalations
          WHERE status = 'resolved' AND webhook_url IS NOT NULL) AS resolved
    UNION ALL
    SELECT 'categorize', id, created_at, 'done' FROM escalations
) AS work
"""


def load(*, engine: Engine, now: datetime, count: int) -> dict[str, int]:
    """Insert `count` escalations and their tasks, then VACUUM ANALYZE; returns the row counts."""
    with Session(engine) as session:
        _insert(session=session, now=now, count=count)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Fresh statistics and a visibility map, as autovacuum would leave a table that grew over a month.
        connection.execute(text("VACUUM ANALYZE escalations"))
        connection.execute(text("VACUUM ANALYZE tasks"))
        found = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM escalations), (SELECT count(*) FROM tasks),"
                " (SELECT count(*) FROM escalations WHERE status NOT IN ('resolved', 'expired'))"
            )
        ).one()
    return {"escalations": found[0], "tasks": found[1], "open": found[2]}


def _insert(*, session: Session, now: datetime, count: int) -> None:
    session.execute(text("SET LOCAL synchronous_commit = off"))
    session.execute(text("SELECT setseed(0.42)"))
    session.execute(
        text(ESCALATIONS),
        {
            "now": now,
            "count": count,
            "agents": AGENTS,
            "reviewers": REVIEWERS,
            "categories": CATEGORIES,
            "category_count": len(CATEGORIES),
        },
    )
    session.execute(text(TASKS))
    session.commit()
