"""Policies: immutable versions of the thresholds that decide escalation behaviour, one active

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

`policy_versions` holds each version's document; a partial unique index keeps exactly one active.
Version 1 is written from the environment by the first process that reads the policy
(escalq.services.policies), not here: the migration may run with another environment than the app.
Escalations record the version they were opened under; audit events get the active version from a
column default (`active_policy_version()`), so writing them costs no extra statement.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("number", sa.Integer(), autoincrement=False, primary_key=True),
        sa.Column("document", postgresql.JSONB(), nullable=False),
        sa.Column("author_id", sa.Uuid(), sa.ForeignKey("reviewers.id")),
        sa.Column("author_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("approved_by", sa.Uuid(), sa.ForeignKey("reviewers.id")),
        sa.Column("approved_at", sa.TIMESTAMP(timezone=True)),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("activated_at", sa.TIMESTAMP(timezone=True)),
    )
    op.create_index(
        "uq_policy_versions_active",
        "policy_versions",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.execute(
        "CREATE FUNCTION active_policy_version() RETURNS integer LANGUAGE sql STABLE AS "
        "$$ SELECT number FROM policy_versions WHERE active $$"
    )
    op.add_column(
        "escalations",
        sa.Column("policy_version", sa.Integer()),
    )
    op.add_column(
        "escalation_events",
        sa.Column("policy_version", sa.Integer(), server_default=sa.text("active_policy_version()")),
    )


def downgrade() -> None:
    op.drop_column("escalation_events", "policy_version")
    op.drop_column("escalations", "policy_version")
    op.execute("DROP FUNCTION active_policy_version()")
    op.drop_index("uq_policy_versions_active", table_name="policy_versions")
    op.drop_table("policy_versions")
