"""The pipeline: escalations whose agent was never told, tasks no longer stamped when queued

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

`escalations.agent_not_told_at` is set when the last attempt to deliver an escalation's webhook gives up
(cleared when someone redelivers it); the queue, the escalation's page and the metrics show it. Tasks
lose `enqueued_at`: the sweep asks RQ whether it holds a task's job (escalq.pipeline) instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("escalations", sa.Column("agent_not_told_at", sa.TIMESTAMP(timezone=True)))
    op.execute(
        """
        UPDATE escalations e SET agent_not_told_at = t.finished_at
        FROM (
            SELECT DISTINCT ON (escalation_id) escalation_id, status, finished_at FROM tasks
            WHERE kind = 'webhook' ORDER BY escalation_id, created_at DESC
        ) t
        WHERE t.escalation_id = e.id AND t.status = 'failed'
        """
    )
    op.create_index(
        "ix_escalations_agent_not_told_at",
        "escalations",
        ["agent_not_told_at"],
        postgresql_where=sa.text("agent_not_told_at IS NOT NULL"),
    )
    op.drop_column("tasks", "enqueued_at")


def downgrade() -> None:
    op.add_column("tasks", sa.Column("enqueued_at", sa.TIMESTAMP(timezone=True)))
    op.drop_index("ix_escalations_agent_not_told_at", table_name="escalations")
    op.drop_column("escalations", "agent_not_told_at")
