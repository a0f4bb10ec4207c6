"""Decision gate: every evaluation recorded, escalations stamped with the rule and sampling

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

`evaluations` keeps each answer of POST /api/evaluate with the signals it was given (not the context),
so a decision is traceable to its rule and version and can be replayed through another version; its
index on `at` serves the replays' time ranges. Escalations the gate opened record the rule that fired
(`rule`, indexed for the audit log's filter) and whether audit sampling opened them (`sampled`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("escalations", sa.Column("rule", sa.Text()))
    op.add_column("escalations", sa.Column("sampled", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index(
        "ix_escalations_rule", "escalations", ["rule"], postgresql_where=sa.text("rule IS NOT NULL")
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("signals", postgresql.JSONB(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text()),
        sa.Column("priority", sa.Text()),
        sa.Column("sampled", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Uuid(), sa.ForeignKey("escalations.id")),
        sa.CheckConstraint("decision IN ('continue', 'escalate')", name="ck_evaluations_decision"),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high', 'urgent')", name="ck_evaluations_priority"
        ),
    )
    op.create_index("ix_evaluations_at", "evaluations", ["at"])


def downgrade() -> None:
    op.drop_index("ix_evaluations_at", table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_index("ix_escalations_rule", table_name="escalations")
    op.drop_column("escalations", "sampled")
    op.drop_column("escalations", "rule")
