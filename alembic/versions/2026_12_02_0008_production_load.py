"""Production load: repeats found by key under unique partial indexes, per-agent limits, a round-robin turn

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Escalations get `issue_key` and `repeat_key` (escalq.services.repeats); open ones and those resolved in
the last day are keyed here, so repeats of them are still folded or flagged after the upgrade. Agents
get optional overrides of the rate limit and daily budget. Round-robin takes its turn from a sequence
(escalq.services.assignment) instead of each reviewer's position, which goes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from escalq.services import repeats

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('pending', 'assigned', 'claimed', 'needs_info')"


def _key_existing() -> None:
    """Key the open escalations and the recently resolved; should two open ones of an agent share a key
    (kept apart by an older rule), the older keeps it, so the unique index holds."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            f"SELECT id, source_agent, issue_description, context_data, status, dedupe_key FROM escalations"
            f" WHERE status IN {OPEN} OR (status = 'resolved' AND resolved_at > now() - interval '1 day')"
            " ORDER BY created_at"
        )
    ).all()
    taken: set[tuple[str, str]] = set()
    for escalation_id, agent, description, context, status, dedupe_key in rows:
        key = repeats.repeat_key(description, context)
        unique = status not in OPEN or dedupe_key is not None or (agent, key) not in taken
        if status in OPEN and dedupe_key is None:
            taken.add((agent, key))
        connection.execute(
            sa.text("UPDATE escalations SET issue_key = :issue, repeat_key = :repeat WHERE id = :id"),
            {"issue": repeats.issue_key(description), "repeat": key if unique else None, "id": escalation_id},
        )


def upgrade() -> None:
    op.add_column("escalations", sa.Column("issue_key", sa.Text(), nullable=True))
    op.add_column("escalations", sa.Column("repeat_key", sa.Text(), nullable=True))
    _key_existing()
    op.create_index("ix_escalations_agent_issue_key", "escalations", ["source_agent", "issue_key"])
    op.create_index(
        'uq_escalations_open_repeat_key', 'escalations', ['source_agent', 'repeat_key'], unique=True,
        postgresql_where=sa.text(f"status IN {OPEN} AND dedupe_key IS NULL"),
    )  # fmt: skip
    op.create_index(
        'uq_escalations_open_dedupe_key', 'escalations', ['source_agent', 'dedupe_key'], unique=True,
        postgresql_where=sa.text(f"status IN {OPEN} AND dedupe_key IS NOT NULL"),
    )  # fmt: skip
    op.add_column("agents", sa.Column("rate_per_minute", sa.Integer(), nullable=True))
    op.add_column("agents", sa.Column("daily_budget", sa.Integer(), nullable=True))
    op.create_check_constraint(
        "ck_agents_limits_positive", "agents", "rate_per_minute > 0 AND daily_budget > 0"
    )
    op.execute("CREATE SEQUENCE assignment_turn AS bigint")
    op.drop_column("reviewers", "assignment_seq")


def downgrade() -> None:
    op.add_column(
        "reviewers", sa.Column("assignment_seq", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.execute("DROP SEQUENCE assignment_turn")
    op.drop_constraint("ck_agents_limits_positive", "agents", type_="check")
    op.drop_column("agents", "daily_budget")
    op.drop_column("agents", "rate_per_minute")
    op.drop_index("uq_escalations_open_dedupe_key", table_name="escalations")
    op.drop_index("uq_escalations_open_repeat_key", table_name="escalations")
    op.drop_index("ix_escalations_agent_issue_key", table_name="escalations")
    op.drop_column("escalations", "repeat_key")
    op.drop_column("escalations", "issue_key")
