"""Claims under load: 8 reviewers claiming distinct open escalations over the API, against pgbench
running the same conditional UPDATE (and its audit row) on the same table."""

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from bench.load import Run, pgbench, wrk
from escalq.services import people

REVIEWERS = 8
OPEN_ROWS = 40_000  # many open rows, as a busy queue has; two halves: the API's and pgbench's

_OPEN = text(
    """
    INSERT INTO escalations (id, source_agent, issue_description, priority, context_data, status,
        created_at, expires_at, repeat_count, loop_suspected)
    SELECT gen_random_uuid(), :agent, 'claim bench ' || n, 'medium', '{}', 'pending', now(),
        now() + interval '1 day', 0, false
    FROM generate_series(1, :count) AS n
    """
)

CLAIM_SQL = """\\set n random(1, {count})
BEGIN;
WITH claimed AS (
  UPDATE escalations SET status = 'claimed', assigned_to = (SELECT id FROM reviewers LIMIT 1),
      claimed_at = now(), assigned_at = coalesce(assigned_at, now())
    WHERE id = (SELECT id FROM bench_claim_ids WHERE n = :n) AND status IN ('pending', 'assigned')
    RETURNING id)
INSERT INTO escalation_events (escalation_id, at, actor_kind, actor_name, action, from_status, to_status,
    details)
  SELECT id, now(), 'reviewer', 'bench', 'claimed', 'pending', 'claimed', '{{}}'::jsonb FROM claimed;
COMMIT;
"""


@dataclass(frozen=True)
class Claimers:
    keys: list[str]
    ids_file: Path


def prepare(*, session: Session, agent: str, now: datetime) -> Claimers:
    """8 reviewers with keys (out of the pool, so nothing is assigned to them) and the open rows: the
    API's ids in a file for wrk, pgbench's in a numbered table."""
    keys = []
    for n in range(REVIEWERS):
        email = f"claimer-{n}@bench.example"
        people.create_reviewer(
            session=session,
            email=email,
            display_name=f"Claimer {n}",
            password="bench-password-not-secret",
            active=False,
            now=now,
        )
        keys.append(people.issue_reviewer_key(session=session, email=email, now=now)[1])
    session.execute(_OPEN, {"agent": agent, "count": OPEN_ROWS})
    ids = [
        str(row[0])
        for row in session.execute(text("SELECT id FROM escalations WHERE status = 'pending' ORDER BY id"))
    ]
    half = len(ids) // 2
    session.execute(text("CREATE TABLE bench_claim_ids (n int PRIMARY KEY, id uuid NOT NULL)"))
    session.execute(
        text(
            "INSERT INTO bench_claim_ids"
            " SELECT n, id FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS t(id, n)"
        ),
        {"ids": ids[half:]},
    )
    session.commit()
    ids_file = Path(tempfile.mkdtemp(prefix="escalq-bench-")) / "claim.ids"
    ids_file.write_text("\n".join(ids[:half]))
    return Claimers(keys=keys, ids_file=ids_file)


def claim_load(*, base_url: str, claimers: Claimers, connections: int, seconds: float) -> Run:
    return wrk(
        base_url=base_url,
        script="claim.lua",
        connections=connections,
        seconds=seconds,
        env={"KEYS": ",".join(claimers.keys), "IDS": str(claimers.ids_file)},
    )


def ceiling(*, database_url: str, clients: int, seconds: float) -> float:
    return pgbench(
        database_url=database_url,
        sql=CLAIM_SQL.format(count=OPEN_ROWS // 2),
        clients=clients,
        seconds=seconds,
    )
